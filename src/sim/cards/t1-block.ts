/**
 * T=1 block format as the card builds and checks it (ISO/IEC 7816-3 §11.3, §11.4.4):
 * prologue NAD PCB LEN, information field INF (LEN bytes, LEN ≠ FF), epilogue EDC
 * (LRC: 1 byte; CRC: 2 bytes).
 *
 * PCB (§11.3.2.2):
 * - I-block `0 N(S) M 0 0000`: N(S) send sequence number, M more data (chaining);
 * - R-block `1 0 0 N(R) 00EE`: N(R) expected sequence number, EE 0 OK, 1 EDC/parity
 *   error, 2 other error;
 * - S-block `1 1 R TTTTT`: R = 1 response; T 0 RESYNCH, 1 IFS, 2 ABORT, 3 WTX.
 */

/** Error detection code of the ATR (TC for T=1, b1). */
export type Edc = 'lrc' | 'crc';

/** S-block types (b5-b1 of PCB), ISO/IEC 7816-3 §11.3.2.2. */
export const S_RESYNCH = 0x00;
/** S(IFS …): the sender's maximum information field size. */
export const S_IFS = 0x01;
/** S(ABORT …): abort a chain. */
export const S_ABORT = 0x02;
/** S(WTX …): waiting time extension, requested by the card. */
export const S_WTX = 0x03;
/** PCB of an S-block request of type `t`. */
export const sRequest = (t: number): number => 0xc0 | t;
/** PCB of an S-block response of type `t`. */
export const sResponse = (t: number): number => 0xe0 | t;
/** PCB of an R-block with N(R) = `nr` and error code `error` (0, 1 or 2). */
export const rBlockPcb = (nr: number, error: 0 | 1 | 2): number => 0x80 | ((nr & 1) << 4) | error;
/** PCB of an I-block with N(S) = `ns` and the more-data bit. */
export const iBlockPcb = (ns: number, more: boolean): number => ((ns & 1) << 6) | (more ? 0x20 : 0);

/** LRC: exclusive-or of all bytes (§11.4.4). */
export function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i]!;
  return x;
}

/**
 * CRC of ISO/IEC 7816-3 §11.4.4 (ISO/IEC 13239 polynomial x^16 + x^12 + x^5 + 1),
 * bit-reflected, initial value FFFF, no final inversion; sent high byte first. This is
 * the variant in use with CCID readers (OpenCT / libccid T=1 code);
 * "123456789" gives 6F 91.
 */
export function crc16(bytes: Uint8Array): number {
  let v = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    v ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) v = v & 1 ? (v >>> 1) ^ 0x8408 : v >>> 1;
  }
  return v;
}

/** Length of the EDC field. */
export function edcLength(edc: Edc): number {
  return edc === 'crc' ? 2 : 1;
}

/** A block with its EDC appended. */
export function encodeBlock(nad: number, pcb: number, inf: Uint8Array, edc: Edc): Uint8Array {
  const n = 3 + inf.length;
  const out = new Uint8Array(n + edcLength(edc));
  out[0] = nad;
  out[1] = pcb;
  out[2] = inf.length;
  out.set(inf, 3);
  const body = out.subarray(0, n);
  if (edc === 'lrc') {
    out[n] = lrc(body);
  } else {
    const c = crc16(body);
    out[n] = c >> 8;
    out[n + 1] = c & 0xff;
  }
  return out;
}

/** A block that passed the framing and EDC checks. */
export interface RawBlock {
  /** Node address byte. */
  readonly nad: number;
  /** Protocol control byte. */
  readonly pcb: number;
  /** Information field (a copy). */
  readonly inf: Uint8Array;
}

/** Why a block was rejected: 1 = EDC error, 2 = other error (the R-block error codes). */
export type BlockFault = 1 | 2;

/** Checks framing and EDC; returns the block or the R-block error code to answer with. */
export function checkBlock(bytes: Uint8Array, edc: Edc): RawBlock | BlockFault {
  const edcLen = edcLength(edc);
  if (bytes.length < 3 + edcLen) return 2;
  const len = bytes[2]!;
  if (len === 0xff || bytes.length !== 3 + len + edcLen) return 2;
  const body = bytes.subarray(0, 3 + len);
  if (edc === 'lrc') {
    if (lrc(body) !== bytes[3 + len]) return 1;
  } else {
    const c = crc16(body);
    if (bytes[3 + len] !== c >> 8 || bytes[4 + len] !== (c & 0xff)) return 1;
  }
  return { nad: bytes[0]!, pcb: bytes[1]!, inf: bytes.slice(3, 3 + len) };
}
