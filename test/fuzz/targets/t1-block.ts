/**
 * Target `t1-block`: the T=1 block codec (`decodeT1Block`, `parseT1Block`, the encoders,
 * `describeT1Block`) on blocks built by the encoders (LRC and CRC), edits of them and
 * random bytes.
 *
 * Properties: `decodeT1Block` and `describeT1Block` never throw; `parseT1Block` throws only
 * `CardProtocolError`, exactly for the blocks `decodeT1Block` calls invalid; a valid block
 * keeps the input as `raw`; and encoding a valid block's fields again gives the input (the
 * encode → decode → encode round trip), while blocks built from random fields decode to
 * those fields.
 */
import fc from 'fast-check';
import { CardProtocolError } from '../../../src/errors.ts';
import { decodeT1Block, describeT1Block, encodeIBlock, encodeRBlock, encodeSBlock, parseT1Block, S_BLOCK_TYPES, type T1Block } from '../../../src/iso7816/t1/block.ts';
import type { T1Edc } from '../../../src/iso7816/t1/edc.ts';
import { attempt, hex, holds, never, same, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Prng } from '../prng.ts';

/** Fields of a block to build, or none (then `bytes` is the input as is). */
export type T1Fields =
  | { kind: 'I'; nad: number; ns: 0 | 1; more: boolean; inf: Uint8Array }
  | { kind: 'R'; nad: number; nr: 0 | 1; error: 'none' | 'edc' | 'other' }
  | { kind: 'S'; nad: number; type: (typeof S_BLOCK_TYPES)[number]; response: boolean; value?: number | undefined };

/** One case: bytes with an EDC kind, and the fields they were built from when they were. */
export interface T1BlockInput {
  edc: T1Edc;
  bytes: Uint8Array;
  fields?: T1Fields | undefined;
}

function encode(edc: T1Edc, f: T1Fields): Uint8Array {
  const framing = { edc, nad: f.nad };
  if (f.kind === 'I') return encodeIBlock(framing, f.ns, f.more, f.inf);
  if (f.kind === 'R') return encodeRBlock(framing, f.nr, f.error);
  return encodeSBlock(framing, f.type, f.response, f.value);
}

function fieldsOf(b: T1Block): T1Fields {
  if (b.kind === 'I') return { kind: 'I', nad: b.nad, ns: b.ns, more: b.more, inf: b.inf };
  if (b.kind === 'R') return { kind: 'R', nad: b.nad, nr: b.nr, error: b.error };
  return { kind: 'S', nad: b.nad, type: b.type, response: b.response, value: b.inf.length > 0 ? b.inf[0] : undefined };
}

function check(input: T1BlockInput): boolean {
  const decoded = never('decodeT1Block', () => decodeT1Block(input.bytes, input.edc));
  never('describeT1Block', () => describeT1Block(decoded));
  holds(hex(decoded.raw) === hex(input.bytes), 'raw is not the input');
  const parsed = attempt('parseT1Block', () => parseT1Block(input.bytes, input.edc), [CardProtocolError]);
  holds(parsed instanceof Error === (decoded.kind === 'invalid'), 'parseT1Block disagrees with decodeT1Block');
  if (decoded.kind === 'invalid') {
    holds(input.fields === undefined || !isValidFields(input.fields), () => `a block built from valid fields is invalid: ${decoded.reason}`);
    return false;
  }
  const fields = fieldsOf(decoded);
  const again = never('re-encoding the block', () => encode(input.edc, fields));
  holds(hex(again) === hex(input.bytes), () => `encode(decode(b)) ≠ b: ${hex(again)} vs ${hex(input.bytes)}`);
  if (input.fields !== undefined) same(normal(fields), normal(input.fields), 'fields → encode → decode');
  return true;
}

/** S(IFS) takes 1..254 and S(WTX) 1..255; the other S-blocks no value. */
function isValidFields(f: T1Fields): boolean {
  if (f.kind !== 'S') return true;
  if (f.type === 'IFS') return f.value !== undefined && f.value >= 1 && f.value <= 254;
  if (f.type === 'WTX') return f.value !== undefined && f.value >= 1;
  return f.value === undefined;
}

function normal(f: T1Fields): unknown {
  return f.kind === 'I' ? { ...f, inf: hex(f.inf) } : { ...f };
}

const fieldsArb: fc.Arbitrary<T1Fields> = fc.oneof(
  fc.record({ kind: fc.constant('I' as const), nad: fc.nat(255), ns: fc.constantFrom<0 | 1>(0, 1), more: fc.boolean(), inf: fc.uint8Array({ maxLength: 254 }) }),
  fc.record({ kind: fc.constant('R' as const), nad: fc.nat(255), nr: fc.constantFrom<0 | 1>(0, 1), error: fc.constantFrom('none' as const, 'edc' as const, 'other' as const) }),
  fc
    .record({ kind: fc.constant('S' as const), nad: fc.nat(255), type: fc.constantFrom(...S_BLOCK_TYPES), response: fc.boolean(), value: fc.nat(255) })
    .map((s) => ({ ...s, value: s.type === 'IFS' || s.type === 'WTX' ? s.value : undefined })),
);

const edcArb = fc.constantFrom<T1Edc>('lrc', 'crc');

function arbitrary(): fc.Arbitrary<T1BlockInput> {
  const built = fc.tuple(edcArb, fieldsArb).map(([edc, fields]) => ({ edc, bytes: encode(edc, fields), fields }));
  const edited = fc
    .tuple(built, fc.array(fc.record({ at: fc.nat(), value: fc.nat(255) }), { minLength: 1, maxLength: 3 }))
    .map(([b, edits]) => {
      const bytes = b.bytes.slice();
      for (const e of edits) bytes[e.at % bytes.length] = e.value;
      return { edc: b.edc, bytes };
    });
  const random = fc.record({ edc: edcArb, bytes: fc.uint8Array({ maxLength: 270 }) });
  return fc.oneof(built, edited, random);
}

function mutate(rng: Prng): T1BlockInput {
  const edc: T1Edc = rng.chance(0.5) ? 'lrc' : 'crc';
  const seed = encode(edc, fieldsArb.generate(new fc.Random(rng), undefined).value);
  return { edc, bytes: mutateBytes(seed, rng, { maxLength: 300, maxStack: 3, dictionary: [Uint8Array.of(0xc1), Uint8Array.of(0xc3), Uint8Array.of(0xe3), Uint8Array.of(0x80), Uint8Array.of(0x92), Uint8Array.of(0xff)] }) };
}

/** The `t1-block` target. */
export function t1BlockTarget(): FuzzTarget<T1BlockInput> {
  return {
    name: 't1-block',
    description: 'decodeT1Block never throws; parseT1Block only CardProtocolError; valid blocks re-encode byte for byte; fields → encode → decode round trip',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
