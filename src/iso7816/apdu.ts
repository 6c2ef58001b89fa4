/**
 * Command and response APDUs (ISO/IEC 7816-4:2013 §5.1): the model, the encoder and a
 * parser that tells the case (1, 2S, 3S, 4S, 2E, 3E, 4E) from the bytes.
 *
 * Nc is the length of the command data field (0–65535), Ne the maximum number of response
 * data bytes expected (0 = no Le field, 1–256 short, up to 65536 extended). The Lc/Le
 * field encodings, from §5.1 (Table 1 and the case list):
 *
 * | case | bytes after the header                   | Nc        | Ne                 |
 * |------|------------------------------------------|-----------|--------------------|
 * | 1    | —                                        | 0         | 0                  |
 * | 2S   | Le (00 = 256)                            | 0         | 1–256              |
 * | 3S   | Lc data (Lc ≠ 00)                        | 1–255     | 0                  |
 * | 4S   | Lc data Le                               | 1–255     | 1–256              |
 * | 2E   | 00 Le1 Le2 (0000 = 65536)                | 0         | 1–65536            |
 * | 3E   | 00 Lc1 Lc2 data (Lc ≠ 0000)              | 1–65535   | 0                  |
 * | 4E   | 00 Lc1 Lc2 data Le1 Le2 (0000 = 65536)   | 1–65535   | 1–65536            |
 */
import { ArgumentError, CardProtocolError } from '../errors.ts';
import { hexByte } from '../util/hex.ts';

/** The seven command-response cases of ISO/IEC 7816-4 §5.1. */
export type ApduCase = '1' | '2S' | '3S' | '4S' | '2E' | '3E' | '4E';

/** Largest Nc a short Lc field can carry. */
export const SHORT_NC_MAX = 255;
/** Largest Ne a short Le field can carry (Le = 00). */
export const SHORT_NE_MAX = 256;
/** Largest Nc an extended Lc field can carry. */
export const EXTENDED_NC_MAX = 65535;
/** Largest Ne an extended Le field can carry (Le = 0000). */
export const EXTENDED_NE_MAX = 65536;

/** The fields a caller gives to build a command APDU. */
export interface CommandApduFields {
  /** CLA, class byte. */
  readonly cla: number;
  /** INS, instruction byte. */
  readonly ins: number;
  /** P1, first parameter byte. */
  readonly p1: number;
  /** P2, second parameter byte. */
  readonly p2: number;
  /** Command data field; its length is Nc. Default empty. */
  readonly data?: Uint8Array;
  /** Ne, the maximum number of response data bytes expected; 0 (default) = no Le field. */
  readonly ne?: number;
  /** Force extended length fields even when Nc and Ne fit in short ones. Default false. */
  readonly extended?: boolean;
}

/** A decoded command APDU; `raw` is its exact encoding. */
export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /**
   * Command data field (Nc = `data.length`), a copy apart from `raw`: a view into a fresh
   * small copy would make V8 move its bytes off-heap, about 1 µs per parse (issue 6 bench).
   */
  readonly data: Uint8Array;
  /** Ne: 0 when the Le field is absent, else 1–256 (short) or 1–65536 (extended). */
  readonly ne: number;
  /** The case of ISO/IEC 7816-4 §5.1. */
  readonly case: ApduCase;
  /** True for cases 2E, 3E and 4E. */
  readonly extended: boolean;
  /** The encoded bytes. */
  readonly raw: Uint8Array;
}

/** A response APDU: data field then the trailer SW1 SW2 (ISO/IEC 7816-4 §5.1). */
export interface ResponseApdu {
  /** Response data field (a copy apart from `raw`, see {@link CommandApdu.data}). */
  readonly data: Uint8Array;
  /** SW1SW2 as one 16-bit number, e.g. 0x9000. */
  readonly sw: number;
  /** The whole response: data then SW1 SW2. */
  readonly raw: Uint8Array;
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new ArgumentError(`${name} must be a byte (0–255), got ${value}`);
  }
}

function caseOf(nc: number, ne: number, extended: boolean): ApduCase {
  const suffix = extended ? 'E' : 'S';
  if (nc === 0 && ne === 0) return '1';
  if (nc === 0) return `2${suffix}`;
  if (ne === 0) return `3${suffix}`;
  return `4${suffix}`;
}

/**
 * Encodes a command APDU. Short length fields are used when Nc ≤ 255 and Ne ≤ 256
 * (unless `extended` is set), extended ones otherwise (ISO/IEC 7816-4 §5.1).
 *
 * @example
 * encodeCommandApdu({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, ne: 256 }) // 00 B0 00 00 00
 * @throws {ArgumentError} when a byte is out of range, Nc > 65535 or Ne > 65536.
 */
export function encodeCommandApdu(fields: CommandApduFields): CommandApdu {
  const { cla, ins, p1, p2 } = fields;
  checkByte('CLA', cla);
  checkByte('INS', ins);
  checkByte('P1', p1);
  checkByte('P2', p2);
  const data = fields.data ?? new Uint8Array(0);
  const ne = fields.ne ?? 0;
  const nc = data.length;
  if (nc > EXTENDED_NC_MAX) throw new ArgumentError(`Nc = ${nc} exceeds ${EXTENDED_NC_MAX}, the largest extended Lc`);
  if (!Number.isInteger(ne) || ne < 0 || ne > EXTENDED_NE_MAX) {
    throw new ArgumentError(`Ne = ${ne} is not in 0–${EXTENDED_NE_MAX}`);
  }
  const extended =
    nc === 0 && ne === 0 ? false : (fields.extended ?? false) || nc > SHORT_NC_MAX || ne > SHORT_NE_MAX;
  const lcLength = nc === 0 ? 0 : extended ? 3 : 1;
  // An extended Le after an extended Lc has two bytes; without Lc it carries the leading 00.
  const leLength = ne === 0 ? 0 : extended ? (nc === 0 ? 3 : 2) : 1;
  const raw = new Uint8Array(4 + lcLength + nc + leLength);
  raw[0] = cla;
  raw[1] = ins;
  raw[2] = p1;
  raw[3] = p2;
  let at = 4;
  if (nc > 0) {
    if (extended) {
      raw[at++] = 0x00;
      raw[at++] = nc >> 8;
      raw[at++] = nc & 0xff;
    } else {
      raw[at++] = nc;
    }
    raw.set(data, at);
    at += nc;
  }
  if (ne > 0) {
    if (extended) {
      if (nc === 0) raw[at++] = 0x00;
      const le = ne === EXTENDED_NE_MAX ? 0 : ne;
      raw[at++] = le >> 8;
      raw[at++] = le & 0xff;
    } else {
      raw[at++] = ne === SHORT_NE_MAX ? 0 : ne;
    }
  }
  return { cla, ins, p1, p2, data: data.slice(), ne, case: caseOf(nc, ne, extended), extended, raw };
}

/** One object shape for every case (no spreads, no closures): parsing runs several times per APDU. */
function parsed(raw: Uint8Array, data: Uint8Array, ne: number, apduCase: ApduCase, extended: boolean): CommandApdu {
  return { cla: raw[0]!, ins: raw[1]!, p1: raw[2]!, p2: raw[3]!, data, ne, case: apduCase, extended, raw };
}

function malformed(bytes: Uint8Array, why: string): ArgumentError {
  return new ArgumentError(`malformed command APDU (${bytes.length} bytes): ${why} (ISO/IEC 7816-4 §5.1)`);
}

/**
 * Parses command APDU bytes and tells their case (ISO/IEC 7816-4 §5.1). Byte 5 = 00 with
 * more than 5 bytes introduces extended length fields; otherwise a lone byte 5 is a short
 * Le and a non-zero byte 5 followed by data is a short Lc.
 *
 * @example
 * parseCommandApdu(fromHex('00 A4 04 00 02 3F 00 00')).case // '4S'
 * @throws {ArgumentError} naming the inconsistency (too short, Lc vs length...).
 */
export function parseCommandApdu(bytes: Uint8Array): CommandApdu {
  const n = bytes.length;
  if (n < 4) throw malformed(bytes, 'shorter than the 4-byte header CLA INS P1 P2');
  // Copies, not views (the caller's array may change afterwards). Not `subarray` either:
  // a view into a small fresh array makes V8 move that array off its heap (~1 µs, more
  // than the whole parse).
  const raw = new Uint8Array(bytes);
  if (n === 4) return parsed(raw, bytes.slice(4, 4), 0, '1', false);
  const b5 = raw[4]!;
  if (n === 5) return parsed(raw, bytes.slice(5, 5), b5 === 0 ? 256 : b5, '2S', false);
  if (b5 !== 0) {
    const nc = b5;
    if (n === 5 + nc) return parsed(raw, bytes.slice(5, 5 + nc), 0, '3S', false);
    if (n === 6 + nc) {
      const le = raw[5 + nc]!;
      return parsed(raw, bytes.slice(5, 5 + nc), le === 0 ? 256 : le, '4S', false);
    }
    throw malformed(bytes, `short Lc = ${nc} needs ${5 + nc} or ${6 + nc} bytes`);
  }
  // b5 = 00 and more bytes follow: extended length fields.
  if (n < 7) throw malformed(bytes, 'extended length field 00 needs two more bytes');
  const w = (raw[5]! << 8) | raw[6]!;
  if (n === 7) return parsed(raw, bytes.slice(7, 7), w === 0 ? 65536 : w, '2E', true);
  if (w === 0) throw malformed(bytes, 'extended Lc = 0000 followed by more bytes');
  const nc = w;
  if (n === 7 + nc) return parsed(raw, bytes.slice(7, 7 + nc), 0, '3E', true);
  if (n === 9 + nc) {
    const le = (raw[7 + nc]! << 8) | raw[8 + nc]!;
    return parsed(raw, bytes.slice(7, 7 + nc), le === 0 ? 65536 : le, '4E', true);
  }
  throw malformed(bytes, `extended Lc = ${nc} needs ${7 + nc} or ${9 + nc} bytes`);
}

/**
 * Splits response bytes into data and SW1 SW2.
 * @throws {CardProtocolError} `CCID_ERR_CARD_PROTOCOL` when fewer than 2 bytes came back.
 */
export function parseResponseApdu(bytes: Uint8Array): ResponseApdu {
  return ownedResponseApdu(new Uint8Array(bytes));
}

/**
 * {@link parseResponseApdu} for bytes the caller hands over and never touches again (the
 * driver's freshly decoded answers): no copy, the data is a view into them.
 * @throws {CardProtocolError} `CCID_ERR_CARD_PROTOCOL` when fewer than 2 bytes came back.
 */
export function ownedResponseApdu(raw: Uint8Array): ResponseApdu {
  const n = raw.length;
  if (n < 2) {
    throw new CardProtocolError('CCID_ERR_CARD_PROTOCOL', `response of ${n} byte(s) has no status word SW1 SW2 (ISO/IEC 7816-4 §5.1)`);
  }
  return { data: raw.subarray(0, n - 2), sw: (raw[n - 2]! << 8) | raw[n - 1]!, raw };
}

/** Builds a response APDU from data and SW1SW2. */
export function responseApdu(data: Uint8Array, sw: number): ResponseApdu {
  const raw = new Uint8Array(data.length + 2);
  raw.set(data, 0);
  raw[data.length] = (sw >> 8) & 0xff;
  raw[data.length + 1] = sw & 0xff;
  return { data: data.slice(), sw: sw & 0xffff, raw };
}

/** One-line description of a command APDU: `case 4S CLA=00 INS=A4 P1=04 P2=00 Nc=2 Ne=256`. */
export function describeCommandApdu(apdu: CommandApdu): string {
  return (
    `case ${apdu.case} CLA=${hexByte(apdu.cla)} INS=${hexByte(apdu.ins)} P1=${hexByte(apdu.p1)} ` +
    `P2=${hexByte(apdu.p2)} Nc=${apdu.data.length} Ne=${apdu.ne}`
  );
}
