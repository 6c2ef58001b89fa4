/**
 * Run by `exit.test.ts` in a child process: opens readers on the emulator every way the
 * library offers (interrupt-IN and polled readers, TPDU T=0/T=1 and APDU level, a
 * watcher on a USB host), uses them (power on, APDUs, a cancelled APDU, a card pulled and
 * put back, event listeners), then closes, destroys or unplugs each one. It prints one
 * line `closed {...}` with the handles still active, and then must exit by itself: any
 * timer, read loop or listener the library left behind keeps the event loop alive.
 */
import { openReader, watchReaders, type Reader } from '../../src/reader/index.ts';
import { SimHost, createEmulatedReader, helloWorldCard, synthesizeFixture, type EmulatedReader } from '../../src/sim/index.ts';

const SELECT = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x0a, 0xa0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x0c, 0x06, 0x01);
const HELLO = Uint8Array.of(0x00, 0x00, 0x00, 0x00);
const WAIT_500 = Uint8Array.of(0x80, 0x10, 0x01, 0xf4);

async function use(emulated: EmulatedReader, reader: Reader): Promise<void> {
  const events: string[] = [];
  reader.on('cardInserted', ({ slot }) => events.push(`+${slot.index}`));
  reader.on('cardRemoved', ({ slot }) => events.push(`-${slot.index}`));
  reader.on('timeExtension', () => events.push('wtx'));
  const slot = reader.slots[0]!;
  await slot.powerOn();
  await slot.transmit(SELECT);
  const hello = await slot.transmit(HELLO);
  if (new TextDecoder().decode(hello.data) !== 'Hello world!') throw new Error('wrong answer');
  // A cancelled APDU: the engine aborts it (class ABORT + PC_to_RDR_Abort) and its timers must end.
  const controller = new AbortController();
  const cancelled = slot.transmit(WAIT_500, { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await cancelled.then(
    () => undefined,
    () => undefined,
  );
  await slot.transmit(HELLO);
  // A card pulled and put back: NotifySlotChange (or a poll) and the events.
  const card = emulated.slots[0]!.card!;
  emulated.slots[0]!.remove();
  await new Promise((resolve) => setTimeout(resolve, 30));
  emulated.slots[0]!.insert(card);
  await new Promise((resolve) => setTimeout(resolve, 30));
}

function emulate(profile: Parameters<typeof createEmulatedReader>[0]): EmulatedReader {
  const emulated = createEmulatedReader(profile, { timeScale: 0.05 });
  emulated.slots[0]!.insert(helloWorldCard({ protocol: 'both' }));
  return emulated;
}

const started = performance.now();
const profiles = [
  'sysmoOCTSIM',
  synthesizeFixture({ name: 'hygiene-polled', slots: 2, level: 'tpdu', interrupt: false, protocols: 3 }), // no interrupt-IN: the engine polls
  'tpdu-t1-1slot',
  'extended-apdu-1slot',
];
const opened: { emulated: EmulatedReader; reader: Reader }[] = [];
for (const p of profiles) {
  const emulated = emulate(p);
  const reader = await openReader(emulated.device, { engine: { pollIntervalMs: 50 } });
  await use(emulated, reader);
  opened.push({ emulated, reader });
}
// Ways to end: close (drains), destroy with a command pending, unplug then close, close twice.
await opened[0]!.reader.close();
const pending = opened[1]!.reader.slots[0]!.transmit(WAIT_500).catch(() => undefined);
opened[1]!.reader.destroy();
await pending;
opened[2]!.emulated.unplug();
await opened[2]!.reader.close();
await opened[3]!.reader.close();
await opened[3]!.reader.close();

// A watcher on a USB host with two readers, one unplugged while watched.
const host = new SimHost([emulate('sysmoOCTSIM')]);
const watcher = watchReaders(host, { engine: { pollIntervalMs: 50 } });
await watcher.ready;
const late = host.plug(emulate('short-apdu-1slot'));
await new Promise((resolve) => setTimeout(resolve, 50));
host.unplug(late);
await new Promise((resolve) => setTimeout(resolve, 20));
await watcher.close();

const states = opened.map((o) => o.reader.state);
console.log(`closed ${JSON.stringify({ ms: Math.round(performance.now() - started), states, resources: process.getActiveResourcesInfo() })}`);
