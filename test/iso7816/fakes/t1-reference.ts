/**
 * A slow, obvious T=1 block codec for the card-side fakes and for checking the driver's
 * codec against (STYLE practice 11). Written from ISO/IEC 7816-3 §11.3–11.4 without
 * looking at src/iso7816/t1: bitwise CRC, explicit field extraction.
 */

export type Edc = 'lrc' | 'crc';

/** CRC-16, polynomial 0x1021 processed LSB first (reflected 0x8408), init FFFF, no final xor, MSB first on the wire. */
export function referenceCrc(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) {
      if (crc & 1) crc = (crc >>> 1) ^ 0x8408;
      else crc >>>= 1;
    }
  }
  return crc;
}

export function referenceLrc(bytes: ArrayLike<number>): number {
  let x = 0;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i]!;
  return x;
}

/** NAD PCB LEN INF EDC. */
export function refBuild(nad: number, pcb: number, inf: ArrayLike<number>, edc: Edc): Uint8Array {
  const body = [nad, pcb, inf.length, ...Array.from(inf)];
  if (edc === 'lrc') return Uint8Array.from([...body, referenceLrc(body)]);
  const crc = referenceCrc(body);
  return Uint8Array.from([...body, crc >> 8, crc & 0xff]);
}

export type RefBlock =
  | { type: 'I'; ns: number; more: boolean; inf: number[] }
  | { type: 'R'; nr: number; err: number }
  | { type: 'S'; op: number; response: boolean; inf: number[] }
  | { type: 'bad'; edcError: boolean };

/** Parses a block; anything wrong (length, EDC, PCB coding) is `bad`. */
export function refParse(bytes: Uint8Array, edc: Edc): RefBlock {
  const edcLen = edc === 'lrc' ? 1 : 2;
  if (bytes.length < 3 + edcLen) return { type: 'bad', edcError: false };
  const body = Array.from(bytes.subarray(0, bytes.length - edcLen));
  const trailer = Array.from(bytes.subarray(bytes.length - edcLen));
  const ok =
    edc === 'lrc'
      ? referenceLrc(body) === trailer[0]
      : referenceCrc(body) === (trailer[0]! << 8) + trailer[1]!;
  if (!ok) return { type: 'bad', edcError: true };
  const pcb = body[1]!;
  const len = body[2]!;
  if (len !== body.length - 3 || len === 255) return { type: 'bad', edcError: false };
  const inf = body.slice(3);
  const b8 = (pcb >> 7) & 1;
  const b7 = (pcb >> 6) & 1;
  if (b8 === 0) {
    if ((pcb & 0b11111) !== 0) return { type: 'bad', edcError: false };
    return { type: 'I', ns: b7, more: ((pcb >> 5) & 1) === 1, inf };
  }
  if (b7 === 0) {
    if ((pcb >> 5) & 1 || len !== 0 || (pcb & 0x0f) > 2) return { type: 'bad', edcError: false };
    return { type: 'R', nr: (pcb >> 4) & 1, err: pcb & 0x0f };
  }
  const op = pcb & 0b11111;
  if (op > 3) return { type: 'bad', edcError: false };
  const wantLen = op === 1 || op === 3 ? 1 : 0;
  if (len !== wantLen) return { type: 'bad', edcError: false };
  return { type: 'S', op, response: ((pcb >> 5) & 1) === 1, inf };
}

export const S_RESYNCH = 0;
export const S_IFS = 1;
export const S_ABORT = 2;
export const S_WTX = 3;

export function refI(ns: number, more: boolean, inf: ArrayLike<number>, edc: Edc, nad = 0): Uint8Array {
  return refBuild(nad, (ns << 6) | (more ? 0x20 : 0), inf, edc);
}
export function refR(nr: number, err: number, edc: Edc, nad = 0): Uint8Array {
  return refBuild(nad, 0x80 | (nr << 4) | err, [], edc);
}
export function refS(op: number, response: boolean, inf: number[], edc: Edc, nad = 0): Uint8Array {
  return refBuild(nad, 0xc0 | (response ? 0x20 : 0) | op, inf, edc);
}
