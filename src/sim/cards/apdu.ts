/**
 * Command and response APDUs as the card sees them (ISO/IEC 7816-4 §5.1, §5.6): the
 * card's own parser, independent of the driver's APDU code.
 */

/** A parsed command APDU. */
export interface CommandApdu {
  /** Class byte. */
  readonly cla: number;
  /** Instruction byte. */
  readonly ins: number;
  /** Parameter 1. */
  readonly p1: number;
  /** Parameter 2. */
  readonly p2: number;
  /** Command data field (Nc bytes). */
  readonly data: Uint8Array;
  /**
   * Ne, the maximum number of response bytes: Le with 00 → 256 (short) or 0000 → 65536
   * (extended). When Le is absent the card still answers up to the maximum of the form
   * (256 short, 65536 extended), as JavaCard does, so case-1 commands such as the hello
   * world's `00 00 00 00` get their data back.
   */
  readonly ne: number;
  /** Whether the Le field was present. */
  readonly hasLe: boolean;
  /** Extended length form (Lc and/or Le on 2 bytes, §5.1). */
  readonly extended: boolean;
}

/** What an applet answers: data and a status word, plus optional extra processing time. */
export interface Reply {
  readonly data: Uint8Array;
  /** SW1SW2 as a 16-bit number. */
  readonly sw: number;
  /** Extra card processing time for this command, in ms (long commands, WTX tests). */
  readonly extraMs?: number;
}

/** Status words used by the card (ISO/IEC 7816-4 §5.6, Tables 5 and 6). */
export const SW = {
  OK: 0x9000,
  /** 61XX: XX more bytes available through GET RESPONSE. */
  MORE_DATA: 0x6100,
  /** 6282: end of file reached before reading Ne bytes. */
  END_OF_FILE: 0x6282,
  /** 63CX: verification failed, X tries left. */
  VERIFY_FAILED: 0x63c0,
  WRONG_LENGTH: 0x6700,
  LOGICAL_CHANNEL_NOT_SUPPORTED: 0x6881,
  SECURE_MESSAGING_NOT_SUPPORTED: 0x6882,
  CHAINING_NOT_SUPPORTED: 0x6884,
  INCOMPATIBLE_FILE_STRUCTURE: 0x6981,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_CURRENT_EF: 0x6986,
  WRONG_DATA: 0x6a80,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  INCORRECT_P1P2: 0x6a86,
  REFERENCE_NOT_FOUND: 0x6a88,
  WRONG_P1P2: 0x6b00,
  /** 6CXX: wrong Le, XX = the exact length available. */
  WRONG_LE: 0x6c00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_DIAGNOSIS: 0x6f00,
} as const;

/** INS codes the card's transport layer itself handles (ISO/IEC 7816-4 §7.6 / Table 4). */
export const INS_GET_RESPONSE = 0xc0;
/** ENVELOPE: carries an APDU (or part of it) that T=0 cannot carry (ISO/IEC 7816-4). */
export const INS_ENVELOPE = 0xc2;

/** A reply with only a status word. */
export function status(sw: number): Reply {
  return { data: new Uint8Array(0), sw };
}

/** A reply with data and 90 00 (or `sw`). */
export function dataReply(data: Uint8Array, sw: number = SW.OK): Reply {
  return { data, sw };
}

/** Response bytes `data SW1 SW2`. */
export function responseBytes(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = (sw >> 8) & 0xff;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/**
 * Parses a command APDU, short or extended (ISO/IEC 7816-4 §5.1). `undefined` when the
 * bytes fit none of the seven cases (the card answers 67 00).
 */
export function parseCommandApdu(bytes: Uint8Array): CommandApdu | undefined {
  const n = bytes.length;
  if (n < 4) return undefined;
  const header = { cla: bytes[0]!, ins: bytes[1]!, p1: bytes[2]!, p2: bytes[3]! };
  const empty = new Uint8Array(0);
  if (n === 4) return { ...header, data: empty, ne: 256, hasLe: false, extended: false };
  const b4 = bytes[4]!;
  if (n === 5) return { ...header, data: empty, ne: b4 === 0 ? 256 : b4, hasLe: true, extended: false };
  if (b4 !== 0) {
    // Short Lc = b4: case 3S is 5 + Lc bytes, case 4S adds one Le byte.
    if (n === 5 + b4) return { ...header, data: bytes.slice(5), ne: 256, hasLe: false, extended: false };
    if (n === 6 + b4) {
      const le = bytes[n - 1]!;
      return { ...header, data: bytes.slice(5, n - 1), ne: le === 0 ? 256 : le, hasLe: true, extended: false };
    }
    return undefined;
  }
  // b4 = 00 and more than 5 bytes: extended form.
  if (n === 7) {
    const le = (bytes[5]! << 8) | bytes[6]!;
    return { ...header, data: empty, ne: le === 0 ? 65536 : le, hasLe: true, extended: true };
  }
  if (n < 8) return undefined;
  const lc = (bytes[5]! << 8) | bytes[6]!;
  if (lc === 0) return undefined;
  if (n === 7 + lc) return { ...header, data: bytes.slice(7), ne: 65536, hasLe: false, extended: true };
  if (n === 9 + lc) {
    const le = (bytes[n - 2]! << 8) | bytes[n - 1]!;
    return { ...header, data: bytes.slice(7, n - 2), ne: le === 0 ? 65536 : le, hasLe: true, extended: true };
  }
  return undefined;
}

/** True when `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
