/**
 * Target `ccid-frames`: the bulk message decoders (`decodeBulkIn`, `decodeBulkOut`,
 * `decodeBulk`) on messages built by the encoders, edits of them, and random bytes.
 *
 * Properties: only `FrameError`; a decoded message keeps the input as `raw`, states
 * dwLength = bytes − 10, describes itself; and encode(decode(b)) = b for every b that
 * decodes (reserved header bytes and bStatus bits 5..2 aside, which no field keeps):
 * the re-encoder below calls the project's encoders with the decoded fields, so this is the
 * encode → decode → encode round trip over every message kind, random inputs included.
 */
import fc from 'fast-check';
import { FrameError } from '../../../src/errors.ts';
import * as enc from '../../../src/ccid/encode.ts';
import * as rdr from '../../../src/ccid/encode-reader.ts';
import { decodeBulk, decodeBulkIn, decodeBulkOut } from '../../../src/ccid/decode.ts';
import { describeMessage } from '../../../src/ccid/describe.ts';
import type { BulkMessage } from '../../../src/ccid/messages.ts';
import { command, response } from '../../ccid/arbitraries.ts';
import { attempt, hex, holds, never, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Prng } from '../prng.ts';

const MAX_FRAME = 600;
/** Every bMessageType of both directions, as dictionary tokens. */
const TYPES = [0x62, 0x63, 0x65, 0x6f, 0x6c, 0x6d, 0x61, 0x6b, 0x6e, 0x6a, 0x69, 0x71, 0x72, 0x73, 0x80, 0x81, 0x82, 0x83, 0x84, 0x50, 0x51];
const DICTIONARY = TYPES.map((t) => Uint8Array.of(t));

/** Which of bytes 7, 8, 9 a message kind gives a meaning to (the others are RFU). */
const MEANINGFUL: Record<BulkMessage['kind'], readonly [boolean, boolean, boolean]> = {
  PC_to_RDR_IccPowerOn: [true, false, false],
  PC_to_RDR_IccPowerOff: [false, false, false],
  PC_to_RDR_GetSlotStatus: [false, false, false],
  PC_to_RDR_XfrBlock: [true, true, true],
  PC_to_RDR_GetParameters: [false, false, false],
  PC_to_RDR_ResetParameters: [false, false, false],
  PC_to_RDR_SetParameters: [true, false, false],
  PC_to_RDR_Escape: [false, false, false],
  PC_to_RDR_IccClock: [true, false, false],
  PC_to_RDR_T0APDU: [true, true, true],
  PC_to_RDR_Secure: [true, true, true],
  PC_to_RDR_Mechanical: [true, false, false],
  PC_to_RDR_Abort: [false, false, false],
  PC_to_RDR_SetDataRateAndClockFrequency: [false, false, false],
  RDR_to_PC_DataBlock: [true, true, true],
  RDR_to_PC_SlotStatus: [true, true, true],
  RDR_to_PC_Parameters: [true, true, true],
  RDR_to_PC_Escape: [true, true, false],
  RDR_to_PC_DataRateAndClockFrequency: [true, true, false],
};

/** Kinds whose message has no data field (dwLength 0 by the spec). */
const NO_DATA = new Set<BulkMessage['kind']>([
  'PC_to_RDR_IccPowerOn',
  'PC_to_RDR_IccPowerOff',
  'PC_to_RDR_GetSlotStatus',
  'PC_to_RDR_GetParameters',
  'PC_to_RDR_ResetParameters',
  'PC_to_RDR_IccClock',
  'PC_to_RDR_T0APDU',
  'PC_to_RDR_Mechanical',
  'PC_to_RDR_Abort',
  'RDR_to_PC_SlotStatus',
]);

/** The message encoded again from its decoded fields, with the project's encoders. */
export function reencode(m: BulkMessage): Uint8Array {
  const { slot: s, seq: q } = m;
  switch (m.kind) {
    case 'PC_to_RDR_IccPowerOn':
      return enc.encodeIccPowerOn(s, q, m.powerSelect);
    case 'PC_to_RDR_IccPowerOff':
      return enc.encodeIccPowerOff(s, q);
    case 'PC_to_RDR_GetSlotStatus':
      return enc.encodeGetSlotStatus(s, q);
    case 'PC_to_RDR_XfrBlock':
      return enc.encodeXfrBlock(s, q, m.data, m.bwi, m.levelParameter);
    case 'PC_to_RDR_GetParameters':
      return enc.encodeGetParameters(s, q);
    case 'PC_to_RDR_ResetParameters':
      return enc.encodeResetParameters(s, q);
    case 'PC_to_RDR_SetParameters':
      if (m.parameters !== undefined) return enc.encodeSetParameters(s, q, m.parameters);
      return withRaw(m, m.protocolData);
    case 'PC_to_RDR_Escape':
      return enc.encodeEscape(s, q, m.data);
    case 'PC_to_RDR_IccClock':
      return enc.encodeIccClock(s, q, m.clockCommand);
    case 'PC_to_RDR_T0APDU':
      return enc.encodeT0Apdu(s, q, m.changes, m.classGetResponse, m.classEnvelope);
    case 'PC_to_RDR_Secure':
      if (m.verification !== undefined) return enc.encodeSecure(s, q, { operation: 'verify', structure: m.verification }, m.bwi, m.levelParameter);
      if (m.modification !== undefined) return enc.encodeSecure(s, q, { operation: 'modify', structure: m.modification }, m.bwi, m.levelParameter);
      if (m.pinOperation === undefined) return withRaw(m, new Uint8Array(0));
      return enc.encodeSecure(s, q, { operation: m.pinOperation, data: m.pinData }, m.bwi, m.levelParameter);
    case 'PC_to_RDR_Mechanical':
      return enc.encodeMechanical(s, q, m.function);
    case 'PC_to_RDR_Abort':
      return enc.encodeAbort(s, q);
    case 'PC_to_RDR_SetDataRateAndClockFrequency':
      if (m.length === 8) return enc.encodeSetDataRateAndClockFrequency(s, q, m.clockFrequency!, m.dataRate!);
      return withRaw(m, m.raw.subarray(10));
    case 'RDR_to_PC_DataBlock':
      return rdr.encodeDataBlock(s, q, m.data, statusOf(m), m.chainParameter);
    case 'RDR_to_PC_SlotStatus':
      return rdr.encodeSlotStatus(s, q, statusOf(m), m.clockStatus);
    case 'RDR_to_PC_Parameters':
      if (m.parameters !== undefined && m.protocolNum === m.parameters.protocol) return rdr.encodeParameters(s, q, m.parameters, statusOf(m));
      return withRaw(m, m.protocolData);
    case 'RDR_to_PC_Escape':
      return rdr.encodeEscapeResponse(s, q, m.data, statusOf(m));
    case 'RDR_to_PC_DataRateAndClockFrequency':
      if (m.length === 8) return rdr.encodeDataRateAndClockFrequency(s, q, { clockFrequency: m.clockFrequency!, dataRate: m.dataRate! }, statusOf(m));
      if (m.length === 0) return rdr.encodeDataRateAndClockFrequency(s, q, undefined, statusOf(m));
      return withRaw(m, m.raw.subarray(10));
  }
}

function statusOf(m: { iccStatus: number; commandStatus: number; error: number }): rdr.ResponseStatus {
  return { iccStatus: m.iccStatus, commandStatus: m.commandStatus, error: m.error };
}

/** A message the codec has no structure for (malformed inner structure): header fields + the data as kept. */
function withRaw(m: BulkMessage, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(10 + data.length);
  out.set(data, 10);
  const c = canonical(m);
  return enc.writeHeader(out, m.messageType, m.slot, m.seq, c[7], c[8], c[9]);
}

/** The input with what no decoded field keeps cleared: RFU header bytes and bStatus bits 5..2. */
function canonical(m: BulkMessage): Uint8Array {
  const out = m.raw.slice();
  const keep = MEANINGFUL[m.kind];
  for (let i = 0; i < 3; i++) if (!keep[i]) out[7 + i] = 0;
  if (m.kind.startsWith('RDR_to_PC')) out[7] = out[7]! & 0xc3;
  return out;
}

function checkDecoded(m: BulkMessage, bytes: Uint8Array, what: string): void {
  holds(m.raw.length === bytes.length && hex(m.raw) === hex(bytes), `${what}: raw is not the input`);
  holds(m.length === bytes.length - 10, `${what}: dwLength ${m.length} for ${bytes.length} bytes`);
  const text = never('describeMessage', () => describeMessage(m));
  holds(text.startsWith(m.kind), `${what}: describe() does not start with the kind: ${text}`);
  // A kind without a data field decodes extra bytes leniently (raw keeps them): nothing to re-encode them from.
  if (m.length > 0 && NO_DATA.has(m.kind)) return;
  const again = never(`re-encoding ${m.kind}`, () => reencode(m));
  const expected = canonical(m);
  holds(hex(again) === hex(expected), () => `${what}: encode(decode(b)) ≠ b for ${m.kind}\n  b:      ${hex(expected)}\n  again:  ${hex(again)}`);
}

function check(bytes: Uint8Array): boolean {
  const inMsg = attempt('decodeBulkIn', () => decodeBulkIn(bytes), [FrameError]);
  const outMsg = attempt('decodeBulkOut', () => decodeBulkOut(bytes), [FrameError]);
  const any = attempt('decodeBulk', () => decodeBulk(bytes), [FrameError]);
  holds(inMsg instanceof Error || outMsg instanceof Error, 'a message decoded in both directions');
  const decoded = !(inMsg instanceof Error) ? inMsg : !(outMsg instanceof Error) ? outMsg : undefined;
  holds((decoded === undefined) === any instanceof Error, 'decodeBulk disagrees with the directional decoders');
  if (decoded === undefined) return false;
  checkDecoded(decoded, bytes, 'decode');
  return true;
}

const valid = fc.oneof(command, response);

function arbitrary(): fc.Arbitrary<Uint8Array> {
  const edited = fc
    .tuple(valid, fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }), fc.boolean())
    .map(([b, edits, fixLength]) => {
      const out = b.slice();
      for (const e of edits) out[e.at % out.length] = e.value;
      if (fixLength && out.length >= 10) new DataView(out.buffer).setUint32(1, out.length - 10, true);
      return out;
    });
  const header = fc
    .tuple(fc.constantFrom(...TYPES), fc.uint8Array({ minLength: 9, maxLength: 9 }), fc.uint8Array({ maxLength: 80 }))
    .map(([t, h, d]) => {
      const out = Uint8Array.of(t, ...h, ...d);
      if (h[0]! % 4 !== 0) new DataView(out.buffer).setUint32(1, d.length, true);
      return out;
    });
  return fc.oneof(valid, edited, header, fc.uint8Array({ maxLength: 40 }));
}

function mutate(rng: Prng): Uint8Array {
  const seed = valid.generate(new fc.Random(rng), undefined).value;
  const out = mutateBytes(seed, rng, { maxLength: MAX_FRAME, dictionary: DICTIONARY });
  if (out.length >= 10 && rng.chance(0.7)) new DataView(out.buffer).setUint32(1, out.length - 10, true);
  return out;
}

/** The `ccid-frames` target. */
export function ccidFramesTarget(): FuzzTarget<Uint8Array> {
  return {
    name: 'ccid-frames',
    description: 'decodeBulkIn/Out/decodeBulk: only FrameError; raw kept; encode(decode(b)) = b for every decodable b',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
