/**
 * Reader of pcapng files (draft-ietf-opsawg-pcapng): Section Header Blocks in either
 * byte order (several sections per file allowed), Interface Description Blocks (link
 * type, snaplen, `if_tsresol`, `if_tsoffset`), Enhanced, Simple and the obsolete Packet
 * Blocks. Other blocks (name resolution, statistics, custom...) are skipped.
 *
 * Bounded: every length is checked against the block and the file before use, the
 * records are views into the input, and a malformed file raises a {@link CaptureError}
 * at the block where it goes wrong (after yielding the packets before it).
 */
import { CaptureError } from '../errors.ts';
import type { CaptureRecord } from './pcap-reader.ts';

/** Block type of a Section Header Block (a palindrome: the same in both byte orders). */
export const PCAPNG_SHB = 0x0a0d0d0a;
/** Interface Description Block. */
export const PCAPNG_IDB = 0x00000001;
/** Obsolete Packet Block. */
export const PCAPNG_PB = 0x00000002;
/** Simple Packet Block. */
export const PCAPNG_SPB = 0x00000003;
/** Enhanced Packet Block. */
export const PCAPNG_EPB = 0x00000006;
/** The SHB's byte-order magic. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface Interface {
  readonly linkType: number;
  readonly snapLen: number;
  /** Timestamp units per second. */
  readonly unitsPerSecond: bigint;
  /** `if_tsoffset`: seconds added to every timestamp. */
  readonly offsetSec: bigint;
}

/** True when `bytes` starts with a pcapng Section Header Block. */
export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

function parseInterface(v: DataView, body: number, end: number, le: boolean, where: string): Interface {
  if (end - body < 8) throw new CaptureError(`${where}: interface description block is too short`);
  const linkType = v.getUint16(body, le);
  const snapLen = v.getUint32(body + 4, le);
  let unitsPerSecond = 1_000_000n;
  let offsetSec = 0n;
  let p = body + 8;
  while (end - p >= 4) {
    const code = v.getUint16(p, le);
    const length = v.getUint16(p + 2, le);
    if (code === OPT_ENDOFOPT) break;
    const value = p + 4;
    if (length > end - value) throw new CaptureError(`${where}: option ${code} of ${length} bytes overruns the block`);
    if (code === IF_TSRESOL && length >= 1) {
      const r = v.getUint8(value);
      // Bit 7 clear: resolution 10^-n seconds; set: 2^-n (pcapng §4.2, if_tsresol).
      const exponent = BigInt(r & 0x7f);
      unitsPerSecond = (r & 0x80) === 0 ? 10n ** exponent : 1n << exponent;
    } else if (code === IF_TSOFFSET && length >= 8) {
      offsetSec = v.getBigInt64(value, le);
    }
    p = value + ((length + 3) & ~3);
  }
  return { linkType, snapLen, unitsPerSecond, offsetSec };
}

function timestamp(iface: Interface, high: number, low: number): { tsSec: number; tsNsec: number } {
  const units = (BigInt(high) << 32n) | BigInt(low);
  const sec = units / iface.unitsPerSecond;
  const nsec = ((units % iface.unitsPerSecond) * 1_000_000_000n) / iface.unitsPerSecond;
  return { tsSec: Number(sec + iface.offsetSec), tsNsec: Number(nsec) };
}

/**
 * Iterates over the packets of a pcapng file.
 * @throws {CaptureError} (while iterating) on a bad section header, a block length that
 *   is not a multiple of 4 or overruns the file, mismatched trailing length, a packet
 *   referring to an undeclared interface, or packet data overrunning its block.
 */
export function* readPcapng(bytes: Uint8Array): Generator<CaptureRecord, void, undefined> {
  if (!isPcapng(bytes)) throw new CaptureError('not a pcapng file (no section header block at the start)');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  let interfaces: Interface[] = [];
  let offset = 0;
  let frame = 0;
  while (offset < bytes.length) {
    const where = `pcapng block at offset ${offset}`;
    if (bytes.length - offset < 12) throw new CaptureError(`${where}: file ends inside a block header`);
    const rawType = v.getUint32(offset, le);
    if (rawType === PCAPNG_SHB) {
      const magic = v.getUint32(offset + 8, true);
      if (magic === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (v.getUint32(offset + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else throw new CaptureError(`${where}: section header has no byte-order magic`);
      interfaces = [];
    }
    const type = v.getUint32(offset, le);
    const total = v.getUint32(offset + 4, le);
    if (total < 12 || total % 4 !== 0) throw new CaptureError(`${where}: block length ${total} is not a multiple of 4 of at least 12`);
    if (total > bytes.length - offset) throw new CaptureError(`${where}: block of ${total} bytes overruns the file (${bytes.length - offset} left)`);
    const end = offset + total - 4;
    if (v.getUint32(end, le) !== total) throw new CaptureError(`${where}: trailing block length differs from the leading one`);
    const body = offset + 8;
    if (type === PCAPNG_SHB) {
      if (end - body < 16) throw new CaptureError(`${where}: section header block is too short`);
      const major = v.getUint16(body + 4, le);
      if (major !== 1) throw new CaptureError(`${where}: pcapng major version ${major} is not supported`);
    } else if (type === PCAPNG_IDB) {
      interfaces.push(parseInterface(v, body, end, le, where));
    } else if (type === PCAPNG_EPB || type === PCAPNG_PB) {
      if (end - body < 20) throw new CaptureError(`${where}: packet block is too short`);
      const id = type === PCAPNG_EPB ? v.getUint32(body, le) : v.getUint16(body, le);
      const iface = interfaces[id];
      if (iface === undefined) throw new CaptureError(`${where}: packet on interface ${id}, which no interface description block declared`);
      const captured = v.getUint32(body + 12, le);
      const original = v.getUint32(body + 16, le);
      const data = body + 20;
      if (captured > end - data) throw new CaptureError(`${where}: ${captured} packet bytes overrun the block`);
      frame++;
      yield {
        frame,
        linkType: iface.linkType,
        ...timestamp(iface, v.getUint32(body + 4, le), v.getUint32(body + 8, le)),
        data: bytes.subarray(data, data + captured),
        originalLength: Math.max(original, captured),
        littleEndian: le,
      };
    } else if (type === PCAPNG_SPB) {
      if (end - body < 4) throw new CaptureError(`${where}: simple packet block is too short`);
      const iface = interfaces[0];
      if (iface === undefined) throw new CaptureError(`${where}: simple packet block before any interface description block`);
      const original = v.getUint32(body, le);
      const data = body + 4;
      // SPB has no captured length: min(original length, snaplen, room in the block).
      let captured = Math.min(original, end - data);
      if (iface.snapLen > 0) captured = Math.min(captured, iface.snapLen);
      frame++;
      yield { frame, linkType: iface.linkType, tsSec: 0, tsNsec: 0, data: bytes.subarray(data, data + captured), originalLength: Math.max(original, captured), littleEndian: le };
    }
    offset += total;
  }
}
