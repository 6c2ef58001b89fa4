import { ArgumentError } from '../errors.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** Bytes as upper-case hex, bytes separated by `separator` (default one space): `3B 65 00`. */
export function toHex(bytes: Uint8Array, separator = ' '): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += separator;
    out += HEX[bytes[i]!];
  }
  return out;
}

/**
 * Parses hex into bytes. Accepts upper or lower case, with or without spaces, colons
 * or `0x` prefixes between bytes (`"3B 65"`, `"3b65"`, `"0x3B,0x65"`).
 * @throws {ArgumentError} on an odd number of digits or a non-hex character.
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,_-]/g, '');
  if (clean.length % 2 !== 0) throw new ArgumentError(`hex string has an odd number of digits: "${text}"`);
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new ArgumentError(`not a hex string: "${text}"`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Two-digit upper-case hex of one byte: `0x1A` → `"1A"`. */
export function hexByte(value: number): string {
  return HEX[value & 0xff]!;
}

/** `0xVVVV:0xPPPP`-free form used everywhere: `1d50:6141`. */
export function vidPid(vendorId: number, productId: number): string {
  return `${vendorId.toString(16).padStart(4, '0')}:${productId.toString(16).padStart(4, '0')}`;
}
