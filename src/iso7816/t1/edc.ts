/**
 * The epilogue of a T=1 block (ISO/IEC 7816-3:2006 §11.4.4): one LRC byte (the default)
 * or two CRC bytes, chosen by bit 1 of the first TC for T=1 in the ATR.
 */

/** Error detection code of a T=1 block: `'lrc'` (TC3 b1 = 0, the default) or `'crc'`. */
export type T1Edc = 'lrc' | 'crc';

/** Length in bytes of the epilogue field. */
export function edcLength(edc: T1Edc): 1 | 2 {
  return edc === 'crc' ? 2 : 1;
}

/** LRC: exclusive-or of all the bytes (§11.4.4). */
export function lrc(bytes: Uint8Array, end = bytes.length): number {
  let value = 0;
  for (let i = 0; i < end; i++) value ^= bytes[i]!;
  return value;
}

// CRC-16 of ISO/IEC 13239 (polynomial x^16 + x^12 + x^5 + 1) processed LSB first, i.e.
// with the reflected polynomial 0x8408, starting from FFFF without final inversion and
// sent most significant byte first. This is the form deployed T=1 stacks use (OpenCT and
// libccid's checksum.c), so it is the one that interoperates with real CRC cards.
const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC of the bytes (see the note above on the exact variant), as a 16-bit number. */
export function crc16(bytes: Uint8Array, end = bytes.length): number {
  let value = 0xffff;
  for (let i = 0; i < end; i++) value = (value >>> 8) ^ CRC_TABLE[(value ^ bytes[i]!) & 0xff]!;
  return value;
}

/** Writes the EDC of `block[0, end)` at `block[end]` (and `block[end + 1]` for CRC). */
export function writeEdc(block: Uint8Array, end: number, edc: T1Edc): void {
  if (edc === 'crc') {
    const value = crc16(block, end);
    block[end] = value >> 8;
    block[end + 1] = value & 0xff;
  } else {
    block[end] = lrc(block, end);
  }
}

/** True when the last one or two bytes of `block` are the EDC of the bytes before them. */
export function checkEdc(block: Uint8Array, edc: T1Edc): boolean {
  const end = block.length - edcLength(edc);
  if (end < 0) return false;
  if (edc === 'crc') return crc16(block, end) === ((block[end]! << 8) | block[end + 1]!);
  return lrc(block, end) === block[end];
}
