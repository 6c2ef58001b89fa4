/**
 * Slots work at the same time through the slot API, up to bMaxCCIDBusySlots: the
 * sysmoOCTSIM's 8 slots (bMaxCCIDBusySlots 8) finish 8 APDUs of 100 ms card time in
 * about the time of one; the 2-slot/1-busy reader serialises them (about twice one) and
 * never causes CMD_SLOT_BUSY in the emulator.
 */
import { describe, expect, it } from 'vitest';
import { helloWorldCard } from '../../src/sim/index.ts';
import type { Reader } from '../../src/reader/index.ts';
import { HELLO, SELECT_HELLO, openEmulated, text } from './helpers.ts';

const CARD_MS = 100;

async function timeApdus(reader: Reader, slots: number[]): Promise<number> {
  const start = performance.now();
  const answers = await Promise.all(slots.map((i) => reader.slots[i]!.transmit(HELLO)));
  const ms = performance.now() - start;
  for (const a of answers) expect(text(a.data)).toBe('Hello world!');
  return ms;
}

/** The best of `runs` timings: scheduling noise from other work on the machine only ever adds time. */
async function best(runs: number, measure: () => Promise<number>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, await measure());
  return min;
}

async function prepare(profile: string, count: number) {
  const cards = Array.from({ length: count }, () => helloWorldCard({ protocol: 0, processingMs: CARD_MS }));
  const opened = await openEmulated(profile, cards, { timeScale: 1 });
  for (let i = 0; i < count; i++) {
    await opened.reader.slots[i]!.powerOn();
    await opened.reader.slots[i]!.transmit(SELECT_HELLO);
  }
  return opened;
}

describe('slots at the same time', () => {
  it('sysmoOCTSIM: 8 slots with 100 ms card time finish in < 1.3 × one APDU', async () => {
    const { reader, emulated } = await prepare('sysmoOCTSIM', 8);
    try {
      expect(reader.capabilities().simultaneous).toBe(8);
      const one = await best(3, () => timeApdus(reader, [0]));
      const eight = await best(3, () => timeApdus(reader, [0, 1, 2, 3, 4, 5, 6, 7]));
      console.log(`sysmoOCTSIM: one APDU ${one.toFixed(1)} ms, 8 slots at once ${eight.toFixed(1)} ms (${(eight / one).toFixed(2)} ×)`);
      expect(one).toBeGreaterThanOrEqual(CARD_MS);
      expect(eight / one).toBeLessThan(1.3);
      expect(emulated.stats.peakBusySlots).toBe(8);
      expect(emulated.stats.slotBusy + emulated.stats.readerBusy).toBe(0);
    } finally {
      await reader.close();
    }
  });

  it('2slot-1busy: two slots take about twice one APDU, with 0 CMD_SLOT_BUSY', async () => {
    const { reader, emulated } = await prepare('2slot-1busy', 2);
    try {
      expect(reader.capabilities().simultaneous).toBe(1);
      const one = await best(3, () => timeApdus(reader, [0]));
      const two = await best(3, () => timeApdus(reader, [0, 1]));
      console.log(`2slot-1busy: one APDU ${one.toFixed(1)} ms, 2 slots at once ${two.toFixed(1)} ms (${(two / one).toFixed(2)} ×)`);
      expect(two / one).toBeGreaterThan(1.7);
      expect(two / one).toBeLessThan(2.4);
      expect(emulated.stats.peakBusySlots).toBe(1);
      expect(emulated.stats.slotBusy).toBe(0);
      expect(emulated.stats.readerBusy).toBe(0);
    } finally {
      await reader.close();
    }
  });
});
