/**
 * Emulator-only benchmark (no driver code): how many XfrBlock round trips per second the
 * emulated readers sustain with a zero-latency card, and the CPU each costs, so the
 * driver's own benchmark (`bench:engine`) knows how much of its budget the emulator takes.
 *
 * Usage: `npm run bench:sim [-- --count 1000000]`
 */
import { createEmulatedReader, type EmulatedReader } from '../../src/sim/index.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { EchoCard } from './echo-card.ts';

const countArg = process.argv.indexOf('--count');
const TOTAL = countArg > 0 ? Number(process.argv[countArg + 1]) : 300_000;

/** A minimal host side: one read loop per reader, writes queued, answers routed by bSlot. */
class MiniHost {
  private readonly waiters = new Map<number, (answer: Uint8Array) => void>();
  private writing: Promise<unknown> = Promise.resolve();
  constructor(private readonly reader: EmulatedReader) {
    void this.readLoop();
  }
  private async readLoop(): Promise<void> {
    for (;;) {
      let bytes: Uint8Array;
      try {
        bytes = transferBytes(await this.reader.device.transferIn(1, 1024));
      } catch {
        return;
      }
      const w = this.waiters.get(bytes[5]!);
      this.waiters.delete(bytes[5]!);
      w?.(bytes);
    }
  }
  exchange(msg: Uint8Array): Promise<Uint8Array> {
    const answer = new Promise<Uint8Array>((resolve) => this.waiters.set(msg[5]!, resolve));
    this.writing = this.writing.then(() => this.reader.device.transferOut(2, msg as Uint8Array<ArrayBuffer>));
    return answer;
  }
}

async function setup(n: number): Promise<{ readers: EmulatedReader[]; hosts: MiniHost[] }> {
  const readers: EmulatedReader[] = [];
  const hosts: MiniHost[] = [];
  for (let i = 0; i < n; i++) {
    const r = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
    for (const s of r.slots) s.insert(new EchoCard());
    await r.device.open();
    await r.device.claimInterface(0);
    const h = new MiniHost(r);
    for (let slot = 0; slot < 8; slot++) await h.exchange(Uint8Array.of(0x62, 0, 0, 0, 0, slot, 0, 0, 0, 0));
    readers.push(r);
    hosts.push(h);
  }
  return { readers, hosts };
}

async function run(label: string, readerCount: number, slotsPerReader: number): Promise<void> {
  const { readers, hosts } = await setup(readerCount);
  const perSlot = Math.ceil(TOTAL / (readerCount * slotsPerReader));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(
    hosts.flatMap((h) =>
      Array.from({ length: slotsPerReader }, async (_, slot) => {
        const msg = Uint8Array.of(0x6f, 9, 0, 0, 0, slot, 0, 0, 0, 0, 0x00, 0xa4, 0x04, 0x00, 0x04, 0xa0, 0x00, 0x00, 0x01);
        for (let i = 0; i < perSlot; i++) {
          msg[6] = i & 0xff;
          const a = await h.exchange(msg.slice());
          if (a[6] !== (i & 0xff)) throw new Error('bSeq mismatch');
        }
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const n = perSlot * readerCount * slotsPerReader;
  const busy = readers.reduce((s, r) => s + r.stats.slotBusy + r.stats.readerBusy, 0);
  console.log(
    `${label.padEnd(34)} ${n.toString().padStart(9)} round trips  ${Math.round(n / seconds).toString().padStart(8)}/s  ` +
      `${((cpu.user + cpu.system) / n).toFixed(2)} µs CPU each  (CMD_SLOT_BUSY: ${busy})`,
  );
  for (const r of readers) r.unplug();
}

await run('1 reader, 1 slot, sequential', 1, 1);
await run('1 reader, 8 slots at once', 1, 8);
await run('12 readers, 96 slots at once', 12, 8);
