/**
 * Runs INSIDE the test-bed guest: our emulated sysmoOCTSIM (8 slots, a USIM-like virtual
 * card in each, contents seeded by slot) served as a real USB function through FunctionFS
 * (`src/sim/functionfs-node.ts`). guest-gadget.sh mounts functionfs, starts this, waits
 * for the ready file, then binds the gadget to the UDC.
 *
 *   node guest-gadget-serve.js MOUNTPOINT READY_FILE [--card-ms N] [--busy-slots N]
 *
 * Runs until SIGTERM; then prints the emulator's and the server's counters.
 */
import { writeFileSync } from 'node:fs';
import { createEmulatedReader, loadProfile, usimCard } from '../../../src/sim/index.ts';
import { serveFunctionFs } from '../../../src/sim/functionfs-node.ts';
import type { ReaderProfile } from '../../../src/sim/profile.ts';

const [mountpoint, readyFile] = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const cardMs = option('--card-ms', 20);
const busySlots = option('--busy-slots', 0);
if (mountpoint === undefined || readyFile === undefined) {
  console.error('usage: guest-gadget-serve.js MOUNTPOINT READY_FILE [--card-ms N] [--busy-slots N]');
  process.exit(2);
}

let profile: ReaderProfile = loadProfile('sysmoOCTSIM');
if (busySlots > 0) {
  // bMaxCCIDBusySlots is the last byte of the 54-byte CCID class descriptor (CCID 1.1 Table 5.1-1).
  const configuration = profile.fixture.configuration.slice();
  for (let o = 0; o + 2 <= configuration.length; o += configuration[o]!) {
    if (configuration[o + 1] === 0x21 && configuration[o] === 0x36) configuration[o + 0x35] = busySlots;
    if (configuration[o] === 0) break;
  }
  profile = loadProfile({ ...profile.fixture, configuration }, 'sysmoOCTSIM-busy');
}
// Card time only (no simulated wire time at the card's baud rate): the workload measures the
// host stack's overhead per APDU over a fixed card time, as the reference figures do.
const reader = createEmulatedReader(profile, { timeScale: 1, wireTime: false, serialNumber: 'TESTBED1' });
reader.slots.forEach((slot, i) => slot.insert(usimCard({ seed: i + 1, processingMs: cardMs, protocolMs: 0 })));
const server = await serveFunctionFs(reader, mountpoint, { log: (line) => console.log(`[ffs] ${line}`) });
console.log(`serving ${reader.profile.name} (${reader.slots.length} slots, card time ${cardMs} ms) on ${mountpoint}: ${server.endpoints.map((e) => `ep${e.file}=${e.type}-${e.direction}#${e.endpointNumber}/${e.maxPacketSize}`).join(' ')}`);
writeFileSync(readyFile, 'ready\n');

process.on('SIGTERM', () => {
  const s = reader.stats;
  console.log(`stats: commands ${s.commands}, responses ${s.responses}, slotBusy ${s.slotBusy}, readerBusy ${s.readerBusy}, peakBusySlots ${s.peakBusySlots}; ffs ${JSON.stringify(server.counters)}`);
  // process.exit would join libuv's thread pool, where reads of ep0 stay blocked in the
  // kernel until the next FunctionFS event: end the process without waiting for them.
  process.kill(process.pid, 'SIGKILL');
});
