import { describe, expect, it } from 'vitest';
import { createEmulatedReader, type EmulatedReader } from '../../src/sim/index.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { EchoCard } from './echo-card.ts';
import { eps, exchange, openReader, send, toHex } from './helpers.ts';

const xfr = (slot: number, seq: number): string => `6F 05 00 00 00 ${slot.toString(16).padStart(2, '0')} ${seq.toString(16).padStart(2, '0')} 00 00 00 00 B0 00 00 04`;

/** Reads bulk-IN messages (whole per transfer) until `count` final answers came; returns them by bSeq with their arrival time. */
async function collect(reader: EmulatedReader, count: number): Promise<Map<number, { hex: string; at: number }>> {
  const out = new Map<number, { hex: string; at: number }>();
  while (out.size < count) {
    const bytes = transferBytes(await reader.device.transferIn(eps(reader).bulkIn, 1024));
    if ((bytes[7]! & 0xc0) === 0x80) continue; // time extension
    out.set(bytes[6]!, { hex: toHex(bytes), at: performance.now() });
  }
  return out;
}

async function poweredReader(profile: string, slots: number, processingMs: number): Promise<EmulatedReader> {
  const reader = createEmulatedReader(profile, { wireTime: false });
  for (let i = 0; i < slots; i++) reader.slots[i]!.insert(new EchoCard({ processingMs }));
  await openReader(reader);
  for (let i = 0; i < slots; i++) await exchange(reader, `62 00 00 00 00 ${i.toString(16).padStart(2, '0')} ${(0xf0 + i).toString(16)} 00 00 00`);
  return reader;
}

describe('emulated reader: card time and busy slots', () => {
  it('sysmoOCTSIM runs 8 slots at once: 8 × 100 ms of card time take far less than 800 ms', async () => {
    const reader = await poweredReader('sysmoOCTSIM', 8, 100);
    const t0 = performance.now();
    for (let i = 0; i < 8; i++) await send(reader, xfr(i, i));
    const answers = await collect(reader, 8);
    const elapsed = Math.max(...[...answers.values()].map((a) => a.at)) - t0;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(400);
    expect(reader.stats.peakBusySlots).toBe(8);
    expect(reader.stats.slotBusy + reader.stats.readerBusy).toBe(0);
    // TPDU level: the echo card answers a case-2 TPDU with P3 bytes of A5, then 90 00.
    for (let i = 0; i < 8; i++) expect(answers.get(i)!.hex).toBe(`80 06 00 00 00 0${i} 0${i} 00 00 00 A5 A5 A5 A5 90 00`);
  });

  it('2slot-1busy: a command to the other slot while one is busy gets CMD_SLOT_BUSY (reader limit)', async () => {
    const reader = await poweredReader('2slot-1busy', 2, 50);
    await send(reader, xfr(0, 1));
    await send(reader, xfr(1, 2));
    const answers = await collect(reader, 2);
    expect(answers.get(2)!.hex).toBe('80 00 00 00 00 01 02 40 E0 00');
    expect(answers.get(1)!.hex.startsWith('80 07 00 00 00 00 01 00 00 00')).toBe(true);
    expect(reader.stats.readerBusy).toBe(1);
  });

  it('a second command to a busy slot gets CMD_SLOT_BUSY at once (slot limit)', async () => {
    const reader = await poweredReader('sysmoOCTSIM', 1, 50);
    await send(reader, xfr(0, 1));
    await send(reader, '65 00 00 00 00 00 02 00 00 00');
    const answers = await collect(reader, 2);
    expect(answers.get(2)!.hex).toBe('81 00 00 00 00 00 02 40 E0 00');
    expect(answers.get(2)!.at).toBeLessThan(answers.get(1)!.at);
    expect(reader.stats.slotBusy).toBe(1);
  });

  it('3slot-2busy runs two at a time and refuses the third', async () => {
    const reader = await poweredReader('3slot-2busy', 3, 60);
    for (let i = 0; i < 3; i++) await send(reader, xfr(i, i + 1));
    const answers = await collect(reader, 3);
    expect(answers.get(3)!.hex).toBe('80 00 00 00 00 02 03 40 E0 00');
    expect(answers.get(1)!.hex).toBe('80 06 00 00 00 00 01 00 00 00 A5 A5 A5 A5 90 00');
    expect(answers.get(2)!.hex).toBe('80 06 00 00 00 01 02 00 00 00 A5 A5 A5 A5 90 00');
    expect(reader.stats.peakBusySlots).toBe(2);
  });

  it('adds the wire time at the current Fi/Di and clock: 12 etu per T=0 byte', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM');
    reader.slots[0]!.insert(new EchoCard());
    await openReader(reader);
    await exchange(reader, '62 00 00 00 00 00 01 00 00 00');
    // 2.5 MHz, Fi 372, Di 1: 1 etu = 148.8 µs; 260 + 1 + 258 bytes × 12 etu ≈ 927 ms... too slow: use 20 bytes.
    // TPDU of 5 + 15 bytes, 1 procedure byte, answer 17 bytes: 38 bytes × 12 × 148.8 µs = 67.9 ms.
    const tpdu = `6F 14 00 00 00 00 02 00 00 00 00 D6 00 00 0F ${'11 '.repeat(15).trim()}`;
    const t0 = performance.now();
    await exchange(reader, tpdu);
    const slow = performance.now() - t0;
    expect(slow).toBeGreaterThan(60);
    expect(slow).toBeLessThan(400);
    // Fi 512 / Di 32 (TA1 96): 1 etu = 6.4 µs; the same exchange takes about 3 ms.
    await exchange(reader, '61 05 00 00 00 00 03 00 00 00 96 00 00 0A 00');
    const t1 = performance.now();
    await exchange(reader, tpdu.replace('00 00 02 00', '00 00 04 00'));
    expect(performance.now() - t1).toBeLessThan(slow / 3);
  });

  it('sends time extensions (bmCommandStatus 2) while the card takes extra time', async () => {
    const reader = createEmulatedReader('short-apdu-1slot', { wireTime: false, timeExtensionIntervalMs: 40 });
    reader.slots[0]!.insert(new EchoCard({ extraMs: 150 }));
    await openReader(reader);
    await exchange(reader, '62 00 00 00 00 00 01 00 00 00');
    await send(reader, '6F 04 00 00 00 00 02 00 00 00 00 A4 00 00');
    const seen: string[] = [];
    for (;;) {
      const hex = toHex(transferBytes(await reader.device.transferIn(1, 512)));
      seen.push(hex);
      if (!hex.startsWith('80 00 00 00 00 00 02 80')) break;
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const te of seen.slice(0, -1)) expect(te).toBe('80 00 00 00 00 00 02 80 01 00');
    expect(seen.at(-1)).toBe('80 06 00 00 00 00 02 00 00 00 00 A4 00 00 90 00');
    expect(reader.stats.timeExtensions).toBe(seen.length - 1);
  });
});
