/**
 * Target `apdu`: the APDU codec (`parseCommandApdu`, `parseResponseApdu`,
 * `encodeCommandApdu`, `describeCommandApdu`) on APDUs of every case at the length
 * boundaries (Nc 0/1/255/256/65535, Ne 1/255/256/257/65535/65536), edits of them and
 * random bytes.
 *
 * Properties: `parseCommandApdu` throws only `ArgumentError` and `parseResponseApdu` only
 * `CardProtocolError`; a parsed command re-encodes to its bytes (decode → encode), and
 * fields → encode → parse gives the fields back with the case ISO/IEC 7816-4 §5.1 names.
 */
import fc from 'fast-check';
import { ArgumentError, CardProtocolError } from '../../../src/errors.ts';
import { describeCommandApdu, encodeCommandApdu, parseCommandApdu, parseResponseApdu } from '../../../src/iso7816/apdu.ts';
import { attempt, hex, holds, never, same, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Prng } from '../prng.ts';

/** Fields of a command to build. */
export interface ApduFields {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  nc: number;
  ne: number;
  extended: boolean;
}

/** One case: bytes, or fields to encode. */
export type ApduInput = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'fields'; fields: ApduFields };

function checkBytes(bytes: Uint8Array): boolean {
  const response = attempt('parseResponseApdu', () => parseResponseApdu(bytes), [CardProtocolError]);
  if (!(response instanceof Error)) holds(response.data.length === bytes.length - 2 && response.sw === ((bytes[bytes.length - 2]! << 8) | bytes[bytes.length - 1]!), 'response split');
  const cmd = attempt('parseCommandApdu', () => parseCommandApdu(bytes), [ArgumentError]);
  if (cmd instanceof Error) return false;
  never('describeCommandApdu', () => describeCommandApdu(cmd));
  const again = never('encodeCommandApdu', () => encodeCommandApdu({ cla: cmd.cla, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data: cmd.data, ne: cmd.ne, extended: cmd.extended }));
  holds(hex(again.raw) === hex(bytes), () => `encode(parse(b)) ≠ b: ${hex(again.raw)} vs ${hex(bytes)}`);
  holds(again.case === cmd.case, `case ${again.case} vs ${cmd.case}`);
  return true;
}

function checkFields(f: ApduFields): boolean {
  const data = new Uint8Array(f.nc).map((_v, i) => (i * 7 + f.ins) & 0xff);
  const cmd = never('encodeCommandApdu', () => encodeCommandApdu({ cla: f.cla, ins: f.ins, p1: f.p1, p2: f.p2, data, ne: f.ne, extended: f.extended }));
  const back = never('parseCommandApdu of an encoded APDU', () => parseCommandApdu(cmd.raw));
  same({ cla: back.cla, ins: back.ins, p1: back.p1, p2: back.p2, nc: back.data.length, ne: back.ne, case: back.case }, { cla: f.cla, ins: f.ins, p1: f.p1, p2: f.p2, nc: f.nc, ne: f.ne, case: cmd.case }, 'fields → encode → parse');
  const ext = f.nc > 255 || f.ne > 256 || (f.extended && (f.nc > 0 || f.ne > 0));
  const expected = f.nc === 0 && f.ne === 0 ? '1' : `${f.nc === 0 ? 2 : f.ne === 0 ? 3 : 4}${ext ? 'E' : 'S'}`;
  holds(cmd.case === expected, `case ${cmd.case}, ISO/IEC 7816-4 §5.1 says ${expected}`);
  return true;
}

function check(input: ApduInput): boolean {
  return input.kind === 'bytes' ? checkBytes(input.bytes) : checkFields(input.fields);
}

const byte = fc.nat(255);
const fields: fc.Arbitrary<ApduFields> = fc.record({
  cla: byte,
  ins: byte,
  p1: byte,
  p2: byte,
  nc: fc.oneof(fc.constantFrom(0, 1, 255, 256, 65535), fc.nat(300)),
  ne: fc.oneof(fc.constantFrom(0, 1, 255, 256, 257, 65535, 65536), fc.nat(300)),
  extended: fc.boolean(),
});

function arbitrary(): fc.Arbitrary<ApduInput> {
  const encoded = fields.filter((f) => f.nc < 1000).map((f) => encodeCommandApdu({ cla: f.cla, ins: f.ins, p1: f.p1, p2: f.p2, data: new Uint8Array(f.nc), ne: f.ne, extended: f.extended }).raw);
  const edited = fc.tuple(encoded, fc.array(fc.record({ at: fc.nat(), value: byte }), { minLength: 1, maxLength: 2 }), fc.option(fc.nat(), { nil: undefined })).map(([b, edits, cut]) => {
    const out = b.slice(0, cut === undefined ? undefined : cut % (b.length + 1));
    for (const e of edits) if (out.length > 0) out[e.at % out.length] = e.value;
    return out;
  });
  return fc.oneof(
    fields.map((f) => ({ kind: 'fields' as const, fields: f })),
    fc.oneof(encoded, edited, fc.uint8Array({ maxLength: 20 })).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  );
}

function mutate(rng: Prng): ApduInput {
  const nc = rng.pick([0, 1, 2, 255, 256, 300]);
  const ne = rng.pick([0, 1, 256, 257, 65536]);
  const seed = encodeCommandApdu({ cla: rng.int(256), ins: rng.int(256), p1: 0, p2: 0, data: rng.bytes(nc), ne, extended: rng.chance(0.3) }).raw;
  return { kind: 'bytes', bytes: mutateBytes(seed, rng, { maxLength: 600, maxStack: 2 }) };
}

/** The `apdu` target. */
export function apduTarget(): FuzzTarget<ApduInput> {
  return {
    name: 'apdu',
    description: 'parseCommandApdu only ArgumentError, parseResponseApdu only CardProtocolError; parse → encode = bytes; fields → encode → parse with the §5.1 case',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
