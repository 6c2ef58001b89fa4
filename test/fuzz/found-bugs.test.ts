/**
 * The bugs the fuzz targets found, each pinned by a hand-written case (the inputs as
 * found are replayed by `regressions.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { Reassembler } from '../../src/ccid/reassembler.ts';

describe('found by fuzzing', () => {
  it('Reassembler: an oversize dwLength whose header completes mid-chunk reports the rest of the chunk as dropped', () => {
    const dropped: number[] = [];
    const r = new Reassembler({ maxMessageLength: 271, direction: 'out', onError: (_e, bytes, problem) => dropped.push(bytes.length, problem === 'too-long' ? 1 : 0) });
    // PC_to_RDR_GetParameters whose dwLength (0x00DE000A) exceeds 271: the header arrives 4 + 6 bytes, then 2 more bytes in the same chunk.
    expect(r.push(Uint8Array.of(0x6c, 0x0a, 0x00, 0xde))).toEqual([]);
    expect(r.push(Uint8Array.of(0x00, 0xce, 0x82, 0x00, 0x00, 0x00, 0xdc, 0x4f))).toEqual([]);
    expect(dropped).toEqual([12, 1]); // 10 header bytes + the 2 that followed
    expect(r.buffered).toBe(0);
    expect(r.push(Uint8Array.of(0x65, 0, 0, 0, 0, 0, 1, 0, 0, 0)).map((m) => m.kind)).toEqual(['PC_to_RDR_GetSlotStatus']);
  });
});
