/**
 * Little-endian field readers over descriptor bytes, bounds-checked so that a short
 * descriptor becomes a {@link DescriptorError} at the offset where it ends, never an
 * `undefined` read deep inside a decoder.
 */
import { DescriptorError } from '../errors.ts';

/** A `CCID_ERR_DESCRIPTOR_MALFORMED` error at `offset` (in the descriptor set being parsed). */
export function malformed(message: string, offset: number): DescriptorError {
  return new DescriptorError('CCID_ERR_DESCRIPTOR_MALFORMED', `${message} (offset ${offset})`, { offset });
}

/** Throws unless `bytes` holds at least `length` bytes from `offset`. */
export function need(bytes: Uint8Array, offset: number, length: number, what: string, base = 0): void {
  if (offset < 0 || offset + length > bytes.length) {
    throw malformed(`${what}: needs ${length} bytes, ${Math.max(0, bytes.length - offset)} left`, base + offset);
  }
}

/** Unsigned byte at `offset` (the caller checked the bounds with {@link need}). */
export function u8(bytes: Uint8Array, offset: number): number {
  return bytes[offset]!;
}

/** Unsigned 16-bit little-endian at `offset`. */
export function u16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

/** Unsigned 32-bit little-endian at `offset`. */
export function u32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/** A copy of `bytes[start, end)`, so decoded values never alias a caller's buffer. */
export function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return bytes.slice(start, end);
}
