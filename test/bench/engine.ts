/**
 * Engine benchmark (`npm run bench:engine`): round trips per second and CPU time per
 * command with a zero-latency reader (the scripted fake in echo mode: each command is
 * answered inside its transferOut), on one core; then, when the emulator is available,
 * the parallel ratios of the "Done when" (8 slots at once vs one, 96 slots).
 *
 * CPU per command is process CPU time (user + system) over the run divided by the
 * commands: it includes the fake reader's own work, so it is an upper bound for the engine.
 */
import { CcidEngine } from '../../src/ccid/engine.ts';
import type { CcidInterfaceFacts } from '../../src/ccid/engine.ts';
import { BULK_IN, BULK_OUT, INTERRUPT_IN, ScriptedDevice } from '../support/scripted-device.ts';
import { simRatios } from './engine-sim.ts';

const FACTS: CcidInterfaceFacts = {
  interfaceNumber: 0,
  bulkIn: { endpointNumber: BULK_IN, packetSize: 64 },
  bulkOut: { endpointNumber: BULK_OUT, packetSize: 64 },
  interruptIn: { endpointNumber: INTERRUPT_IN, packetSize: 8 },
  slotCount: 8,
  maxBusySlots: 8,
  maxMessageLength: 271,
};

const APDU = Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x10);

async function measure(label: string, commands: number, run: (engine: CcidEngine) => Promise<void>): Promise<void> {
  const device = new ScriptedDevice({ echo: true, record: false });
  const engine = new CcidEngine(device, FACTS, { probeSlotsOnOpen: false });
  await engine.open();
  await run(engine); // warm-up (JIT)
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(engine);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await engine.close();
  const perSecond = Math.round((commands / wall) * 1000);
  const cpuUs = (cpu.user + cpu.system) / commands;
  console.log(`${label.padEnd(44)} ${String(perSecond).padStart(8)} commands/s   ${cpuUs.toFixed(1).padStart(5)} µs CPU/command`);
}

const N = Number(process.env['BENCH_COMMANDS'] ?? 100_000);

console.log(`engine benchmark: zero-latency scripted reader, ${N} XfrBlock round trips per run, Node ${process.version}`);
await measure('1 slot, one command at a time', N, async (engine) => {
  const slot = engine.slot(0);
  for (let i = 0; i < N; i++) await slot.xfrBlock(APDU);
});
await measure('8 slots, one command at a time on each', N, async (engine) => {
  await Promise.all(
    Array.from({ length: 8 }, async (_, s) => {
      const slot = engine.slot(s);
      for (let i = 0; i < N / 8; i++) await slot.xfrBlock(APDU);
    }),
  );
});

await simRatios();
