/**
 * The emulator half of the engine benchmark: parallel ratios with a 100 ms card (issue 3
 * "Done when": 8 slots at once vs one command, 96 slots = 12 emulated 8-slot readers), and
 * round trips per second through engine + emulator with a zero-latency card.
 */
import { READ16, openSim, timed } from '../ccid/sim-support.ts';

async function ratio(label: string, readers: number, slotsEach: number): Promise<void> {
  const sims = await Promise.all(Array.from({ length: readers }, () => openSim('sysmoOCTSIM', 100)));
  const one = await timed(() => sims[0]!.engine.slot(0).xfrBlock(READ16));
  const all = await timed(() => Promise.all(sims.flatMap(({ engine }) => Array.from({ length: slotsEach }, (_, s) => engine.slot(s).xfrBlock(READ16)))));
  const busy = sims.reduce((n, s) => n + s.reader.stats.slotBusy + s.reader.stats.readerBusy, 0);
  console.log(`${label.padEnd(44)} one ${one.toFixed(1)} ms, all ${all.toFixed(1)} ms, ratio ${(all / one).toFixed(2)}   CMD_SLOT_BUSY ${busy}`);
  for (const s of sims) await s.engine.close();
}

async function throughput(label: string, readers: number, n: number): Promise<void> {
  const sims = await Promise.all(Array.from({ length: readers }, () => openSim('sysmoOCTSIM', 0, { timeScale: 0 })));
  const perSlot = Math.ceil(n / (readers * 8));
  const run = () =>
    Promise.all(
      sims.flatMap(({ engine }) =>
        Array.from({ length: 8 }, async (_, s) => {
          const slot = engine.slot(s);
          for (let i = 0; i < perSlot; i++) await slot.xfrBlock(READ16);
        }),
      ),
    );
  await run();
  const cpu0 = process.cpuUsage();
  const ms = await timed(run);
  const cpu = process.cpuUsage(cpu0);
  const total = perSlot * readers * 8;
  console.log(
    `${label.padEnd(44)} ${String(Math.round((total / ms) * 1000)).padStart(8)} commands/s   ${((cpu.user + cpu.system) / total).toFixed(1).padStart(5)} µs CPU/command (engine + emulator)`,
  );
  for (const s of sims) await s.engine.close();
}

/** Prints the emulator figures (skipped with a note if the emulator cannot be loaded). */
export async function simRatios(): Promise<void> {
  console.log('\nwith the reader emulator (src/sim), sysmoOCTSIM profile, 100 ms card time per command:');
  await ratio('8 slots at once vs 1 command', 1, 8);
  await ratio('96 slots (12 readers) at once vs 1 command', 12, 8);
  console.log('\nwith the reader emulator, zero-latency card:');
  await throughput('1 reader × 8 slots', 1, Number(process.env['BENCH_SIM_COMMANDS'] ?? 50_000));
}
