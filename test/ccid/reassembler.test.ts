import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError } from '../../src/errors.ts';
import * as rdr from '../../src/ccid/encode-reader.ts';
import { encodeXfrBlock } from '../../src/ccid/encode.ts';
import { Reassembler } from '../../src/ccid/reassembler.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { command, response } from './arbitraries.ts';

const MAX = 400;

/** Cuts `bytes` into packets of `size`; a message ending on a packet boundary may be followed by a ZLP. */
function packets(messages: Uint8Array[], size: number, zlpAfterFull: boolean[], zlpBefore: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (zlpBefore) out.push(new Uint8Array(0));
  messages.forEach((msg, i) => {
    for (let off = 0; off < msg.length; off += size) out.push(msg.subarray(off, off + size));
    if (msg.length % size === 0 && zlpAfterFull[i]) out.push(new Uint8Array(0));
  });
  return out;
}

describe('Reassembler', () => {
  it('property: any messages cut into 8/16/64/512-byte packets (ZLPs included), one packet per push, come back whole and in order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'in' | 'out'>('in', 'out').chain((dir) =>
          fc.tuple(
            fc.constant(dir),
            fc.array(dir === 'in' ? response : command, { minLength: 1, maxLength: 12 }),
            fc.constantFrom(8, 16, 64, 512),
            fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
            fc.boolean(),
            fc.array(fc.nat(), { maxLength: 4 }),
          ),
        ),
        ([dir, messages, size, zlps, zlpBefore, strayZlps]) => {
          const r = new Reassembler({ maxMessageLength: MAX, direction: dir });
          const got: Uint8Array[] = [];
          const cut = packets(messages, size, zlps, zlpBefore);
          // Stray ZLPs anywhere, even mid-message (an empty transfer result from a backend).
          for (const at of strayZlps) cut.splice(at % (cut.length + 1), 0, new Uint8Array(0));
          for (const p of cut) for (const msg of r.push(p)) got.push(msg.raw);
          expect(got.map((b) => toHex(b))).toEqual(messages.map((b) => toHex(b)));
          expect(r.buffered).toBe(0);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('property: several messages in one transfer (a reader that sends no ZLP) are all returned', () => {
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 6 }), fc.nat(), (messages, cut) => {
        const all = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
        let o = 0;
        for (const m of messages) {
          all.set(m, o);
          o += m.length;
        }
        const at = cut % (all.length + 1);
        const r = new Reassembler({ maxMessageLength: MAX });
        const got = [...r.push(all.subarray(0, at)), ...r.push(all.subarray(at))].map((x) => toHex(x.raw));
        expect(got).toEqual(messages.map((b) => toHex(b)));
      }),
    );
  });

  it('a header split across packets (8-byte packets) is completed', () => {
    const r = new Reassembler({ maxMessageLength: MAX });
    const msg = rdr.encodeDataBlock(0, 7, fromHex('90 00'));
    expect(r.push(msg.subarray(0, 8))).toEqual([]);
    expect(r.buffered).toBe(8);
    const [done] = r.push(msg.subarray(8));
    expect(done?.seq).toBe(7);
    expect(r.fragmented).toBe(1);
  });

  it('a message that fits in one chunk is a view of it (no copy); an assembled one owns its bytes', () => {
    const r = new Reassembler({ maxMessageLength: MAX });
    const chunk = rdr.encodeDataBlock(0, 1, fromHex('01 02 03'));
    const [one] = r.push(chunk);
    expect(one!.raw.buffer).toBe(chunk.buffer);
    const big = rdr.encodeDataBlock(0, 2, new Uint8Array(40));
    r.push(big.subarray(0, 16));
    const [two] = r.push(big.subarray(16));
    expect(two!.raw.buffer).not.toBe(big.buffer);
  });

  it('an unknown message type is a FrameError; the rest of the chunk is dropped and the next chunk parses', () => {
    const errors: FrameError[] = [];
    const dropped: string[] = [];
    const r = new Reassembler({
      maxMessageLength: MAX,
      onError: (e, d) => {
        errors.push(e);
        dropped.push(toHex(d));
      },
    });
    const good = rdr.encodeSlotStatus(0, 1);
    const chunk = new Uint8Array([...good, 0x01, 0x90, 0x00]);
    expect(r.push(chunk).map((m) => m.seq)).toEqual([1]);
    expect(errors.map((e) => e.code)).toEqual(['CCID_ERR_FRAME_MALFORMED']);
    expect(dropped).toEqual(['01 90 00']);
    expect(r.push(rdr.encodeSlotStatus(0, 2)).map((m) => m.seq)).toEqual([2]);
  });

  it('an impossible dwLength in a continuation header resynchronises at the next chunk', () => {
    const errors: string[] = [];
    const r = new Reassembler({ maxMessageLength: 272, onError: (e) => errors.push(e.code) });
    expect(r.push(fromHex('80 00 10'))).toEqual([]); // header incomplete
    expect(r.push(fromHex('00 00 00 01 00 00 00'))).toEqual([]); // dwLength 0x1000 > 272
    expect(errors).toEqual(['CCID_ERR_FRAME_TOO_LONG']);
    expect(r.buffered).toBe(0);
    expect(r.push(rdr.encodeSlotStatus(0, 9)).map((m) => m.seq)).toEqual([9]);
  });

  it('without onError, push throws the FrameError after resetting', () => {
    const r = new Reassembler({ maxMessageLength: MAX });
    expect(() => r.push(fromHex('6F 00 00 00 00 00 00 00 00 00'))).toThrow(FrameError);
    expect(r.buffered).toBe(0);
    expect(r.push(rdr.encodeSlotStatus(0, 3))).toHaveLength(1);
  });

  it('the out direction refuses responses and accepts commands', () => {
    const r = new Reassembler({ maxMessageLength: MAX, direction: 'out' });
    expect(r.push(encodeXfrBlock(0, 1, fromHex('00 A4'))).map((m) => m.kind)).toEqual(['PC_to_RDR_XfrBlock']);
    expect(() => r.push(rdr.encodeSlotStatus(0, 1))).toThrow(/not a CCID message start: RDR_to_PC_SlotStatus/);
  });

  describe('truncation (isFrameStart)', () => {
    it('a whole expected frame arriving while a message is incomplete ends that message as truncated', () => {
      const errors: string[] = [];
      const r = new Reassembler({
        maxMessageLength: MAX,
        onError: (e) => errors.push(e.message),
        isFrameStart: (f) => f[6] === 0x21,
      });
      const truncated = rdr.encodeDataBlock(0, 0x20, new Uint8Array(30)).subarray(0, 20);
      expect(r.push(truncated)).toEqual([]);
      const next = rdr.encodeSlotStatus(0, 0x21);
      expect(r.push(next).map((m) => m.seq)).toEqual([0x21]);
      expect(errors).toEqual(['truncated RDR_to_PC_DataBlock: 20 of 40 bytes before the next message']);
      // A cut inside the header too.
      r.push(rdr.encodeDataBlock(0, 0x20, new Uint8Array(30)).subarray(0, 6));
      expect(r.push(next).map((m) => m.seq)).toEqual([0x21]);
      expect(errors[1]).toBe('truncated RDR_to_PC_DataBlock: 6 of a header before the next message');
    });

    it('a continuation of exactly the missing length is always a continuation', () => {
      const r = new Reassembler({ maxMessageLength: MAX, isFrameStart: () => true });
      // The continuation happens to look like a whole SlotStatus: its length decides.
      const msg = new Uint8Array([...fromHex('80 0A 00 00 00 00 05 00 00 00'), ...rdr.encodeSlotStatus(0, 1)]);
      expect(r.push(msg.subarray(0, 10))).toEqual([]);
      expect(r.push(msg.subarray(10)).map((m) => m.seq)).toEqual([5]);
    });

    it('the start of an expected frame (not whole) ends the incomplete message too: two truncated answers in a row', () => {
      const errors: string[] = [];
      const r = new Reassembler({ maxMessageLength: MAX, onError: (e) => errors.push(e.message), isFrameStart: (f) => f[6] === 0x0e || f[6] === 0x0f });
      // As the emulator's truncate-frame fault did: 8 bytes of one answer, 13 of the next.
      r.push(rdr.encodeDataBlock(0, 0x0d, fromHex('00 04 90 00')).subarray(0, 8));
      expect(r.push(rdr.encodeDataBlock(4, 0x0e, fromHex('04 06 90 00')).subarray(0, 13))).toEqual([]);
      expect(r.push(rdr.encodeSlotStatus(4, 0x0f)).map((m) => m.seq)).toEqual([0x0f]);
      expect(errors).toEqual([
        'truncated RDR_to_PC_DataBlock: 8 of a header before the next message',
        'truncated RDR_to_PC_DataBlock: 13 of 14 bytes before the next message',
      ]);
    });

    it('a whole frame ends the incomplete message even when nobody expects it (a stale answer after a truncated one)', () => {
      const r = new Reassembler({ maxMessageLength: MAX, onError: () => undefined, isFrameStart: () => false });
      r.push(rdr.encodeDataBlock(0, 1, fromHex('01 02 03 04')).subarray(0, 12));
      expect(r.push(rdr.encodeSlotStatus(0, 0x40)).map((m) => m.seq)).toEqual([0x40]);
    });

    it('a message completed by bytes that were not its own is dropped, not delivered', () => {
      const errors: string[] = [];
      const r = new Reassembler({ maxMessageLength: MAX, onError: (e) => errors.push(e.message), isFrameStart: () => false });
      // 9 bytes of one answer, then 9 of the next (too short to recognise): the first
      // would be completed with the second's bytes and followed by garbage.
      r.push(rdr.encodeDataBlock(0, 8, fromHex('00 00 90 00')).subarray(0, 9));
      expect(r.push(rdr.encodeDataBlock(1, 9, fromHex('01 01 90 00')).subarray(0, 9))).toEqual([]);
      expect(errors).toEqual(['truncated RDR_to_PC_DataBlock: completed with bytes that were not its own (garbage after it)', 'not a CCID message start: UNKNOWN(0x01)']);
      // A split header with a forbidden bChainParameter (the next message's type byte).
      r.push(rdr.encodeDataBlock(0, 8, new Uint8Array(0)).subarray(0, 9));
      expect(r.push(rdr.encodeDataBlock(1, 9, new Uint8Array(0)).subarray(0, 1))).toEqual([]);
      expect(errors[2]).toBe('truncated RDR_to_PC_DataBlock: completed with bytes that were not its own (bChainParameter 0x80)');
    });

    it('zero padding after a reassembled message is not evidence of truncation', () => {
      const errors: string[] = [];
      const r = new Reassembler({ maxMessageLength: MAX, onError: (e) => errors.push(e.code), isFrameStart: () => false });
      const msg = rdr.encodeDataBlock(0, 1, new Uint8Array(20));
      r.push(msg.subarray(0, 16));
      expect(r.push(new Uint8Array([...msg.subarray(16), 0, 0, 0])).map((m) => m.seq)).toEqual([1]);
      expect(errors).toEqual(['CCID_ERR_FRAME_MALFORMED']); // the padding itself is dropped
    });

    it('bytes that are no expected frame start are continuation bytes', () => {
      const r = new Reassembler({ maxMessageLength: MAX, isFrameStart: () => false });
      const big = rdr.encodeDataBlock(0, 1, new Uint8Array(40));
      r.push(big.subarray(0, 16));
      const notWhole = rdr.encodeDataBlock(0, 2, new Uint8Array(20)).subarray(0, 16);
      expect(r.push(notWhole)).toEqual([]);
      expect(r.buffered).toBe(32);
    });
  });
});
