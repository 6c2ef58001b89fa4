import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError } from '../../src/errors.ts';
import {
  decodeInterrupt,
  decodeInterruptTransfer,
  encodeHardwareError,
  encodeNotifySlotChange,
  forEachChangedSlot,
  notifySlotChangeLength,
  slotChangeBits,
} from '../../src/ccid/interrupt.ts';
import { describeMessage } from '../../src/ccid/describe.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';

describe('RDR_to_PC_NotifySlotChange (§6.3.1)', () => {
  it('has 2 bits per slot, slot 0 in the low bits of the first byte', () => {
    // Slot 0 present+changed (11), slot 1 absent+changed (10), slot 2 present (01), slot 3 absent (00).
    const msg = decodeInterrupt(fromHex('50 1B'));
    if (msg.kind !== 'RDR_to_PC_NotifySlotChange') throw new Error('kind');
    expect(msg.slotCount).toBe(4);
    expect([0, 1, 2, 3].map((s) => slotChangeBits(msg, s))).toEqual([
      { present: true, changed: true },
      { present: false, changed: true },
      { present: true, changed: false },
      { present: false, changed: false },
    ]);
    expect(slotChangeBits(msg, 4)).toBeUndefined();
  });

  it.each([1, 2, 4, 5, 8, 28, 29, 96, 256])('round-trips any state of %i slots (no fixed buffer size)', (n) => {
    fc.assert(
      fc.property(fc.array(fc.record({ present: fc.boolean(), changed: fc.boolean() }), { minLength: n, maxLength: n }), (slots) => {
        const raw = encodeNotifySlotChange(slots);
        expect(raw.length).toBe(notifySlotChangeLength(n));
        const msg = decodeInterrupt(raw, n);
        if (msg.kind !== 'RDR_to_PC_NotifySlotChange') throw new Error('kind');
        expect(msg.slotCount).toBe(n);
        expect(slots.map((_, i) => slotChangeBits(msg, i))).toEqual(slots);
        const changed: [number, boolean][] = [];
        forEachChangedSlot(msg, (slot, present) => changed.push([slot, present]));
        expect(changed).toEqual(slots.flatMap((s, i) => (s.changed ? [[i, s.present] as [number, boolean]] : [])));
      }),
      { numRuns: 50 },
    );
  });

  it('a 96-slot notification for slot 95 only reports slot 95', () => {
    const slots = Array.from({ length: 96 }, (_, i) => ({ present: i === 95, changed: i === 95 }));
    const msg = decodeInterrupt(encodeNotifySlotChange(slots), 96);
    expect(describeMessage(msg)).toBe(`RDR_to_PC_NotifySlotChange slots=96 changes=95:inserted bitmap=${'00 '.repeat(23)}C0`);
  });

  it('without a slot count it describes every slot its bytes hold', () => {
    const msg = decodeInterrupt(fromHex('50 00 00 03'));
    expect(msg.kind === 'RDR_to_PC_NotifySlotChange' && msg.slotCount).toBe(12);
  });
});

describe('RDR_to_PC_HardwareError (§6.3.2)', () => {
  it('decodes slot, seq and code', () => {
    const msg = decodeInterrupt(encodeHardwareError(2, 0x31, 1));
    expect(msg).toMatchObject({ kind: 'RDR_to_PC_HardwareError', slot: 2, seq: 0x31, hardwareErrorCode: 1 });
    expect(describeMessage(msg)).toBe('RDR_to_PC_HardwareError slot=2 seq=0x31 code=OVERCURRENT');
  });

  it('a short one is a FrameError', () => {
    expect(() => decodeInterrupt(fromHex('51 00 01'))).toThrow(FrameError);
  });
});

describe('decodeInterruptTransfer', () => {
  it('splits back-to-back messages using the slot count', () => {
    const bytes = new Uint8Array([...encodeHardwareError(0, 1, 1), ...encodeNotifySlotChange(Array.from({ length: 6 }, () => ({ present: true, changed: true })))]);
    const msgs = decodeInterruptTransfer(bytes, 6);
    expect(msgs.map((m) => m.kind)).toEqual(['RDR_to_PC_HardwareError', 'RDR_to_PC_NotifySlotChange']);
    expect(toHex(msgs[1]!.raw)).toBe('50 FF 0F');
  });

  it('never throws anything but FrameError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (bytes, n) => {
        try {
          decodeInterruptTransfer(bytes, n);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameError);
        }
      }),
    );
  });
});
