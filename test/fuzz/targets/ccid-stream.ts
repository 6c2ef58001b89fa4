/**
 * Target `ccid-stream`: the bulk-IN/OUT {@link Reassembler} fed a byte stream of valid
 * messages mixed with junk (bad types, oversize dwLength, truncated messages, random
 * bytes), cut at arbitrary points into chunks (zero-length ones included), with and
 * without truncation detection, with and without `onError`.
 *
 * Properties: nothing but `FrameError` (thrown without `onError`, reported with it); the
 * buffer never holds more than 10 + dwMaxCCIDMessageLength bytes; every byte is accounted
 * for (emitted + dropped + still buffered = fed); a stream of valid messages comes back
 * whole and in order however it is cut (the split round trip, without truncation
 * detection, whose heuristic may by design end a message at a chunk that looks like a
 * whole expected frame); and after `reset()` the next
 * whole message in one chunk is decoded.
 */
import fc from 'fast-check';
import { FrameError } from '../../../src/errors.ts';
import { Reassembler, type BulkDirection } from '../../../src/ccid/reassembler.ts';
import { describeMessage } from '../../../src/ccid/describe.ts';
import * as enc from '../../../src/ccid/encode.ts';
import * as rdr from '../../../src/ccid/encode-reader.ts';
import { command, response } from '../../ccid/arbitraries.ts';
import { attempt, hex, holds, never, same, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Prng } from '../prng.ts';

/** One stream. */
export interface StreamInput {
  direction: BulkDirection;
  /** dwMaxCCIDMessageLength. */
  max: number;
  /** Pieces of the stream: each a valid message or junk. */
  pieces: { bytes: Uint8Array; valid: boolean }[];
  /** Cut positions in the concatenated stream (sorted on use; repeats make ZLPs). */
  cuts: number[];
  /** Give `isFrameStart` (truncation detection): accept frames whose bSlot is even. */
  truncation: boolean;
  /** Give `onError` (else push throws). */
  withOnError: boolean;
}

const MAX_STREAM = 4096;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function chunksOf(stream: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (stream.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(stream.subarray(prev, p));
    prev = p;
  }
  out.push(stream.subarray(prev));
  return out;
}

function check(input: StreamInput): boolean {
  const stream = concat(input.pieces.map((p) => p.bytes));
  const chunks = chunksOf(stream, input.cuts);
  const bound = 10 + input.max;
  let emitted = 0;
  let dropped = 0;
  let errors = 0;
  const got: string[] = [];
  const r = new Reassembler({
    maxMessageLength: input.max,
    direction: input.direction,
    ...(input.withOnError
      ? {
          onError: (error: unknown, bytes: Uint8Array) => {
            holds(error instanceof FrameError, `onError got ${String(error)}`);
            errors++;
            dropped += bytes.length;
          },
        }
      : {}),
    ...(input.truncation ? { isFrameStart: (frame: Uint8Array) => frame[5]! % 2 === 0 } : {}),
  });
  for (const chunk of chunks) {
    const before = r.buffered;
    const out = attempt('Reassembler.push', () => r.push(chunk), [FrameError]);
    if (out instanceof Error) {
      holds(!input.withOnError, 'push threw although onError was given');
      holds(r.buffered === 0, 'push threw without resetting');
      // Thrown: the chunk and what was buffered are gone (messages completed earlier in it too).
      dropped += before + chunk.length;
      errors++;
      continue;
    }
    for (const m of out) {
      holds(m.raw.length <= bound, `message of ${m.raw.length} bytes above the bound ${bound}`);
      never('describeMessage', () => describeMessage(m));
      emitted += m.raw.length;
      got.push(hex(m.raw));
    }
    holds(r.buffered <= bound, `buffered ${r.buffered} above the bound ${bound}`);
  }
  if (input.withOnError) {
    holds(emitted + dropped + r.buffered === stream.length, () => `bytes not accounted for: fed ${stream.length}, emitted ${emitted}, dropped ${dropped}, buffered ${r.buffered}`);
  } else {
    holds(emitted + r.buffered <= stream.length, 'more bytes out than in');
  }
  // With truncation detection a continuation chunk that happens to be a whole frame the
  // caller expects ends the message as truncated: the documented heuristic, so the split
  // round trip is asserted without it.
  if (!input.truncation && input.pieces.every((p) => p.valid)) {
    same(got, input.pieces.map((p) => hex(p.bytes)), 'valid messages cut anywhere come back whole and in order');
    holds(errors === 0 && r.buffered === 0, 'a valid stream left an error or a partial message');
  }
  // Recovery: after reset, a whole message in one chunk is decoded.
  r.reset();
  const probe = input.direction === 'in' ? rdr.encodeSlotStatus(0, 1) : enc.encodeGetSlotStatus(0, 1);
  const again = r.push(probe);
  holds(again.length === 1 && hex(again[0]!.raw) === hex(probe), 'no recovery after reset()');
  return errors === 0;
}

/** Junk of the kinds a reader gets wrong. */
function junk(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 30 }),
    valid.chain((m) => fc.nat(m.length - 1).map((n) => m.subarray(0, n))), // truncated
    valid.map((m) => {
      const out = m.slice();
      new DataView(out.buffer).setUint32(1, 0xfffffff0, true); // oversize dwLength
      return out;
    }),
    valid.map((m) => Uint8Array.of(0x55, ...m.subarray(1))), // bad type
  );
}

function arbitrary(): fc.Arbitrary<StreamInput> {
  return fc.constantFrom<BulkDirection>('in', 'out').chain((direction) => {
    const valid = direction === 'in' ? response : command;
    const piece = fc.oneof(
      { weight: 3, arbitrary: valid.map((bytes) => ({ bytes, valid: true })) },
      { weight: 1, arbitrary: junk(valid).map((bytes) => ({ bytes, valid: false })) },
    );
    return fc.record({
      direction: fc.constant(direction),
      max: fc.constantFrom(271, 400, 65544),
      pieces: fc.array(piece, { minLength: 1, maxLength: 8 }),
      cuts: fc.array(fc.nat(), { maxLength: 12 }),
      truncation: fc.boolean(),
      withOnError: fc.boolean(),
    });
  });
}

function mutate(rng: Prng): StreamInput {
  const direction: BulkDirection = rng.chance(0.5) ? 'in' : 'out';
  const valid = direction === 'in' ? response : command;
  const pieces: StreamInput['pieces'] = [];
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) {
    const m = valid.generate(new fc.Random(rng), undefined).value;
    if (rng.chance(0.3)) pieces.push({ bytes: mutateBytes(m, rng, { maxLength: 600, maxStack: 3 }), valid: false });
    else pieces.push({ bytes: m, valid: true });
  }
  // A mutated piece may still be one valid message; it is only compared when all are valid.
  const total = pieces.reduce((s, p) => s + p.bytes.length, 0);
  const cuts: number[] = [];
  const packet = rng.pick([0, 8, 16, 64, 512]);
  if (packet > 0) for (let p = packet; p < total; p += packet) cuts.push(p);
  for (let i = rng.int(5); i > 0; i--) cuts.push(rng.int(total + 1));
  while (pieces.length > 1 && pieces.reduce((s, p) => s + p.bytes.length, 0) > MAX_STREAM) pieces.pop();
  return { direction, max: rng.pick([271, 300, 65544]), pieces, cuts, truncation: rng.chance(0.5), withOnError: rng.chance(0.7) };
}

/** The `ccid-stream` target. */
export function ccidStreamTarget(): FuzzTarget<StreamInput> {
  return {
    name: 'ccid-stream',
    description: 'Reassembler.push over valid+junk streams cut anywhere: only FrameError, bounded buffer, bytes accounted for, valid streams round-trip, recovery after reset',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
