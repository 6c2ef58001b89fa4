/**
 * Hex helpers for the slot API, which accepts and returns `Uint8Array` only:
 * `hex\`00 A4 04 00\`` for literals in code, `fromHex` for strings at run time, `toHex` to
 * print (upper case, bytes separated by spaces).
 */
import { fromHex } from '../util/hex.ts';

export { fromHex, toHex, hexByte } from '../util/hex.ts';

/**
 * Bytes from a hex literal, as a template tag or a plain call; spaces, colons and `0x`
 * prefixes are ignored, `${}` values are inserted as hex text.
 * @example hex`00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01` // Uint8Array(15)
 * @throws {ArgumentError} on an odd number of digits or a non-hex character.
 */
export function hex(text: TemplateStringsArray | string, ...values: unknown[]): Uint8Array {
  if (typeof text === 'string') return fromHex(text);
  let joined = text[0] ?? '';
  for (let i = 0; i < values.length; i++) joined += String(values[i]) + (text[i + 1] ?? '');
  return fromHex(joined);
}
