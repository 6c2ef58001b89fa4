/**
 * T=1 blocks (ISO/IEC 7816-3:2006 §11.3): prologue NAD PCB LEN, information field INF
 * (0–254 bytes), epilogue EDC. PCB codings (§11.3.2.2, Tables 16–18):
 *
 * | block | PCB bits 8..1 | fields                                                        |
 * |-------|---------------|---------------------------------------------------------------|
 * | I     | 0 N M 00000   | N = N(S) send sequence number, M = more data (chaining)       |
 * | R     | 10 0 N 00EE   | N = N(R), EE = 00 error-free, 01 EDC/parity error, 10 other error |
 * | S     | 11 R 000TT    | R = response, TT = 00 RESYNCH, 01 IFS, 10 ABORT, 11 WTX       |
 *
 * {@link decodeT1Block} never throws: a block that breaks the codings is reported as
 * `invalid` with the R-block error class it calls for (§11.6.3: EDC vs other error), which
 * is what the session's error recovery needs. {@link parseT1Block} is the throwing form.
 */
import { ArgumentError, CardProtocolError } from '../../errors.ts';
import { hexByte, toHex } from '../../util/hex.ts';
import { checkEdc, edcLength, writeEdc, type T1Edc } from './edc.ts';

/** PCB of an I-block: bit 7 is N(S). */
export const PCB_I_NS = 0x40;
/** PCB of an I-block: bit 6 is M, the more-data bit. */
export const PCB_I_M = 0x20;
/** PCB of an R-block: bits 8–7 = 10. */
export const PCB_R = 0x80;
/** PCB of an R-block: bit 5 is N(R). */
export const PCB_R_NR = 0x10;
/** PCB of an S-block: bits 8–7 = 11. */
export const PCB_S = 0xc0;
/** PCB of an S-block: bit 6 set in a response. */
export const PCB_S_RESPONSE = 0x20;
/** LEN FF is reserved (§11.3.2.3). */
export const LEN_RESERVED = 0xff;
/** Largest INF: IFSC and IFSD range over 1–254 (§11.4.2). */
export const INF_MAX = 254;

/** S-block kinds by PCB bits 2–1 (§11.3.2.2 Table 18). */
export const S_BLOCK_TYPES = ['RESYNCH', 'IFS', 'ABORT', 'WTX'] as const;
/** The kind of an S-block. */
export type SBlockType = (typeof S_BLOCK_TYPES)[number];
/** The error field of an R-block: none, EDC/parity error, other error. */
export type RBlockError = 'none' | 'edc' | 'other';
const R_ERROR_BITS: Readonly<Record<RBlockError, number>> = { none: 0x00, edc: 0x01, other: 0x02 };

/** Framing of a T=1 link: the EDC kind and the NAD this side sends. */
export interface T1Framing {
  readonly edc: T1Edc;
  /** NAD sent in every block (SAD in bits 3–1, DAD in bits 7–5). Default 0. */
  readonly nad?: number;
}

/** An information block. */
export interface T1IBlock {
  readonly kind: 'I';
  readonly nad: number;
  /** N(S), the send sequence number. */
  readonly ns: 0 | 1;
  /** M, more data follows in the next I-block (chaining). */
  readonly more: boolean;
  readonly inf: Uint8Array;
  readonly raw: Uint8Array;
}

/** A receive-ready block: acknowledges a chained I-block or asks for a retransmission. */
export interface T1RBlock {
  readonly kind: 'R';
  readonly nad: number;
  /** N(R), the N(S) of the I-block expected next. */
  readonly nr: 0 | 1;
  readonly error: RBlockError;
  readonly raw: Uint8Array;
}

/** A supervisory block. */
export interface T1SBlock {
  readonly kind: 'S';
  readonly nad: number;
  readonly type: SBlockType;
  readonly response: boolean;
  /** One byte for IFS (the new size) and WTX (the multiplier), empty otherwise. */
  readonly inf: Uint8Array;
  readonly raw: Uint8Array;
}

/** A well-formed T=1 block. */
export type T1Block = T1IBlock | T1RBlock | T1SBlock;

/** Bytes that are not a well-formed block, with the R-block error class they call for. */
export interface T1InvalidBlock {
  readonly kind: 'invalid';
  /** `edc`: the epilogue does not match; `other`: any other error (§11.6.3). */
  readonly error: 'edc' | 'other';
  readonly reason: string;
  readonly raw: Uint8Array;
}

function frame(framing: T1Framing, pcb: number, inf: Uint8Array): Uint8Array {
  if (inf.length > INF_MAX) throw new ArgumentError(`T=1 INF of ${inf.length} bytes exceeds ${INF_MAX} (ISO/IEC 7816-3 §11.4.2)`);
  const n = edcLength(framing.edc);
  const block = new Uint8Array(3 + inf.length + n);
  block[0] = (framing.nad ?? 0) & 0xff;
  block[1] = pcb;
  block[2] = inf.length;
  block.set(inf, 3);
  writeEdc(block, 3 + inf.length, framing.edc);
  return block;
}

/** Encodes an I-block. */
export function encodeIBlock(framing: T1Framing, ns: 0 | 1, more: boolean, inf: Uint8Array): Uint8Array {
  return frame(framing, (ns ? PCB_I_NS : 0) | (more ? PCB_I_M : 0), inf);
}

/** Encodes an R-block. */
export function encodeRBlock(framing: T1Framing, nr: 0 | 1, error: RBlockError = 'none'): Uint8Array {
  return frame(framing, PCB_R | (nr ? PCB_R_NR : 0) | R_ERROR_BITS[error], new Uint8Array(0));
}

/** Encodes an S-block; `value` is the INF byte of IFS and WTX. */
export function encodeSBlock(framing: T1Framing, type: SBlockType, response: boolean, value?: number): Uint8Array {
  const pcb = PCB_S | (response ? PCB_S_RESPONSE : 0) | S_BLOCK_TYPES.indexOf(type);
  return frame(framing, pcb, value === undefined ? new Uint8Array(0) : Uint8Array.of(value));
}

function invalid(raw: Uint8Array, error: 'edc' | 'other', reason: string): T1InvalidBlock {
  return { kind: 'invalid', error, reason, raw };
}

/** Decodes one block received with the given EDC; never throws. */
export function decodeT1Block(bytes: Uint8Array, edc: T1Edc): T1Block | T1InvalidBlock {
  const raw = bytes.slice();
  const n = edcLength(edc);
  if (raw.length < 3 + n) return invalid(raw, 'other', `${raw.length} byte(s), shorter than prologue and epilogue (${3 + n})`);
  if (!checkEdc(raw, edc)) return invalid(raw, 'edc', `${edc.toUpperCase()} does not match`);
  const nad = raw[0]!;
  const pcb = raw[1]!;
  const len = raw[2]!;
  if (len === LEN_RESERVED) return invalid(raw, 'other', 'LEN = FF is reserved');
  if (len !== raw.length - 3 - n) return invalid(raw, 'other', `LEN = ${len} but ${raw.length - 3 - n} INF byte(s) received`);
  const inf = raw.slice(3, 3 + len);
  if ((pcb & 0x80) === 0) {
    if ((pcb & 0x1f) !== 0) return invalid(raw, 'other', `I-block PCB ${hexByte(pcb)} has reserved bits set`);
    return { kind: 'I', nad, ns: pcb & PCB_I_NS ? 1 : 0, more: (pcb & PCB_I_M) !== 0, inf, raw };
  }
  if ((pcb & 0xc0) === PCB_R) {
    const bits = pcb & 0x0f;
    const error: RBlockError | undefined = bits === 0 ? 'none' : bits === 1 ? 'edc' : bits === 2 ? 'other' : undefined;
    if ((pcb & 0x20) !== 0 || error === undefined) return invalid(raw, 'other', `R-block PCB ${hexByte(pcb)} is not a valid coding`);
    if (len !== 0) return invalid(raw, 'other', `R-block with LEN = ${len}`);
    return { kind: 'R', nad, nr: pcb & PCB_R_NR ? 1 : 0, error, raw };
  }
  const code = pcb & 0x1f;
  const type = S_BLOCK_TYPES[code];
  if (type === undefined) return invalid(raw, 'other', `S-block PCB ${hexByte(pcb)} names no known request`);
  const expected = type === 'IFS' || type === 'WTX' ? 1 : 0;
  if (len !== expected) return invalid(raw, 'other', `S(${type}) with LEN = ${len}, expected ${expected}`);
  if (type === 'IFS' && (inf[0] === 0 || inf[0] === LEN_RESERVED)) {
    return invalid(raw, 'other', `S(IFS) with size ${inf[0]}, outside 1–254`);
  }
  if (type === 'WTX' && inf[0] === 0) return invalid(raw, 'other', 'S(WTX) with multiplier 0');
  return { kind: 'S', nad, type, response: (pcb & PCB_S_RESPONSE) !== 0, inf, raw };
}

/**
 * Parses one block.
 * @throws {CardProtocolError} `CCID_ERR_CARD_PROTOCOL` naming what is wrong.
 */
export function parseT1Block(bytes: Uint8Array, edc: T1Edc): T1Block {
  const block = decodeT1Block(bytes, edc);
  if (block.kind === 'invalid') {
    throw new CardProtocolError('CCID_ERR_CARD_PROTOCOL', `invalid T=1 block ${toHex(block.raw)}: ${block.reason} (ISO/IEC 7816-3 §11.3)`);
  }
  return block;
}

/** One-line description: `I(N(S)=1, M) 32 bytes`, `R(N(R)=0) EDC error`, `S(WTX request) 0A`. */
export function describeT1Block(block: T1Block | T1InvalidBlock): string {
  switch (block.kind) {
    case 'I':
      return `I(N(S)=${block.ns}${block.more ? ', M' : ''}) ${block.inf.length} byte(s)`;
    case 'R':
      return `R(N(R)=${block.nr})${block.error === 'none' ? '' : block.error === 'edc' ? ' EDC error' : ' other error'}`;
    case 'S':
      return `S(${block.type} ${block.response ? 'response' : 'request'})${block.inf.length ? ` ${toHex(block.inf)}` : ''}`;
    case 'invalid':
      return `invalid block (${block.reason})`;
  }
}
