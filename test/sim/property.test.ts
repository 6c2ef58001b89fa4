import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEmulatedReader } from '../../src/sim/index.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { EchoCard } from './echo-card.ts';
import { openReader } from './helpers.ts';

const TYPES = [0x62, 0x63, 0x65, 0x6f, 0x6c, 0x6d, 0x61, 0x6b, 0x6e, 0x6a, 0x69, 0x71, 0x73, 0x00, 0x99, 0xff];

const message = fc.record({
  type: fc.constantFrom(...TYPES),
  slot: fc.integer({ min: 0, max: 9 }),
  b7: fc.integer({ min: 0, max: 255 }),
  b8: fc.integer({ min: 0, max: 3 }),
  data: fc.uint8Array({ maxLength: 40 }),
});

describe('emulated reader: properties', () => {
  it('answers every whole message exactly once, with its bSlot and bSeq, whatever its fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 30 }), fc.constantFrom('sysmoOCTSIM', 'short-apdu-1slot', 'extended-apdu-1slot', 'tpdu-t1-1slot', '3slot-2busy'), async (messages, profile) => {
        const reader = createEmulatedReader(profile, { timeScale: 0 });
        reader.slots[0]!.insert(new EchoCard());
        await openReader(reader);
        let seq = 0;
        for (const m of messages) {
          seq = (seq + 1) & 0xff;
          const msg = new Uint8Array(10 + m.data.length);
          msg.set([m.type, m.data.length, 0, 0, 0, m.slot, seq, m.b7, m.b8, 0]);
          msg.set(m.data, 10);
          await reader.device.transferOut(2, msg);
          const answer = transferBytes(await reader.device.transferIn(1, 4096));
          expect(answer.length).toBeGreaterThanOrEqual(10);
          expect(answer[5]).toBe(m.slot);
          expect(answer[6]).toBe(seq);
          expect(answer.length).toBe(10 + (answer[1]! | (answer[2]! << 8)));
          expect(answer[0]! & 0x80).toBe(0x80);
        }
        expect(reader.stats.responses).toBe(messages.length);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws from transferOut on arbitrary bytes, and stays usable', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }), async (chunks) => {
        const reader = createEmulatedReader('sysmoOCTSIM', { timeScale: 0, strictEndpoints: false });
        await openReader(reader);
        for (const c of chunks) await reader.device.transferOut(2, c);
        // Drain whatever came, then check a clean GetSlotStatus still works after a resync (a short packet ends any partial message).
        await reader.device.transferOut(2, new Uint8Array(1));
        const before = reader.stats.responses;
        await reader.device.transferOut(2, Uint8Array.of(0x65, 0, 0, 0, 0, 1, 0x77, 0, 0, 0));
        expect(reader.stats.responses).toBe(before + 1);
      }),
      { numRuns: 200 },
    );
  });
});
