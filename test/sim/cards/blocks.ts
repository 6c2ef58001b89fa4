/**
 * Test-side T=1 helpers written independently of the card code: a byte-by-byte LRC, a
 * CRC computed MSB-first on bit-reversed bytes (the same CRC reached by another route),
 * a block builder and a block reader.
 */

/** Bit-reverses a byte. */
function reverse8(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 1 << (7 - i);
  return r;
}

/** CRC-16, polynomial 0x1021 MSB-first on reflected input, init FFFF, reflected output. */
export function refCrc(bytes: Uint8Array): number {
  let crc = 0xffff;
  // The reflected register starts as FFFF either way (FFFF is its own bit reversal).
  for (const byte of bytes) {
    crc ^= reverse8(byte) << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return reverse8(crc >> 8) | (reverse8(crc & 0xff) << 8);
}

/** Exclusive-or of all bytes. */
export function refLrc(bytes: Uint8Array): number {
  return bytes.reduce((x, b) => x ^ b, 0);
}

/** NAD PCB LEN INF EDC, built by hand. */
export function block(pcb: number, inf: ArrayLike<number> = [], edc: 'lrc' | 'crc' = 'lrc', nad = 0): Uint8Array {
  const body = Uint8Array.from([nad, pcb, inf.length, ...Array.from(inf)]);
  if (edc === 'lrc') return Uint8Array.from([...body, refLrc(body)]);
  const c = refCrc(body);
  return Uint8Array.from([...body, c >> 8, c & 0xff]);
}

/** A block read back; throws (test failure) when the card's block is malformed. */
export interface ReadBlock {
  nad: number;
  pcb: number;
  inf: Uint8Array;
  kind: 'I' | 'R' | 'S';
}

/** Reads a block from the card and checks its LEN and EDC. */
export function readBlock(bytes: Uint8Array, edc: 'lrc' | 'crc' = 'lrc'): ReadBlock {
  const edcLen = edc === 'lrc' ? 1 : 2;
  if (bytes.length < 3 + edcLen) throw new Error(`short block ${bytes.length}`);
  const len = bytes[2]!;
  if (bytes.length !== 3 + len + edcLen) throw new Error(`LEN ${len} but ${bytes.length} bytes`);
  const body = bytes.subarray(0, 3 + len);
  if (edc === 'lrc') {
    if (refLrc(body) !== bytes[3 + len]) throw new Error('bad LRC from card');
  } else {
    const c = refCrc(body);
    if (bytes[3 + len] !== c >> 8 || bytes[4 + len] !== (c & 0xff)) throw new Error('bad CRC from card');
  }
  const pcb = bytes[1]!;
  const kind = (pcb & 0x80) === 0 ? 'I' : (pcb & 0x40) === 0 ? 'R' : 'S';
  return { nad: bytes[0]!, pcb, inf: bytes.slice(3, 3 + len), kind };
}
