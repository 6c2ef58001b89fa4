/**
 * Reader of classic pcap files: both byte orders, microsecond (0xA1B2C3D4) and
 * nanosecond (0xA1B23C4D) timestamps. Records are views into the input (no copy), so
 * memory stays bounded by the file itself; a truncated or inconsistent file raises a
 * {@link CaptureError} at the record where it goes wrong, after yielding the good ones.
 */
import { CaptureError } from '../errors.ts';
import { PCAP_FILE_HEADER_LENGTH, PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS, PCAP_RECORD_HEADER_LENGTH } from './pcap-writer.ts';

/** One packet of a capture file, whatever the container. */
export interface CaptureRecord {
  /** 1-based packet number, counted as Wireshark counts frames. */
  readonly frame: number;
  /** Link type of the packet (220 usbmon, 189 usbmon 48-byte, 249 USBPcap...). */
  readonly linkType: number;
  /** Timestamp: seconds since the epoch. */
  readonly tsSec: number;
  /** Timestamp: nanoseconds within the second. */
  readonly tsNsec: number;
  /** The captured bytes (a view into the file). */
  readonly data: Uint8Array;
  /** Length of the packet on the wire (≥ `data.length` when the capture truncated it). */
  readonly originalLength: number;
  /** Byte order of the file (usbmon headers follow it). */
  readonly littleEndian: boolean;
}

/** Header fields of a pcap file. */
export interface PcapHeader {
  readonly littleEndian: boolean;
  /** True for nanosecond timestamps (magic 0xA1B23C4D). */
  readonly nanos: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snapLen: number;
  /** `network` with the FCS bits masked off. */
  readonly linkType: number;
}

/** True when `bytes` starts with a pcap magic number (either byte order). */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const le = v.getUint32(0, true);
  const be = v.getUint32(0, false);
  return le === PCAP_MAGIC_MICROS || le === PCAP_MAGIC_NANOS || be === PCAP_MAGIC_MICROS || be === PCAP_MAGIC_NANOS;
}

/**
 * Decodes the 24-byte pcap file header.
 * @throws {CaptureError} on a short file or an unknown magic number.
 */
export function readPcapHeader(bytes: Uint8Array): PcapHeader {
  if (bytes.length < PCAP_FILE_HEADER_LENGTH) throw new CaptureError(`pcap file of ${bytes.length} bytes is shorter than its 24-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, PCAP_FILE_HEADER_LENGTH);
  let littleEndian: boolean;
  let nanos: boolean;
  const magicLe = v.getUint32(0, true);
  const magicBe = v.getUint32(0, false);
  if (magicLe === PCAP_MAGIC_MICROS || magicLe === PCAP_MAGIC_NANOS) {
    littleEndian = true;
    nanos = magicLe === PCAP_MAGIC_NANOS;
  } else if (magicBe === PCAP_MAGIC_MICROS || magicBe === PCAP_MAGIC_NANOS) {
    littleEndian = false;
    nanos = magicBe === PCAP_MAGIC_NANOS;
  } else {
    throw new CaptureError(`not a pcap file (magic 0x${magicBe.toString(16).padStart(8, '0')})`);
  }
  return {
    littleEndian,
    nanos,
    versionMajor: v.getUint16(4, littleEndian),
    versionMinor: v.getUint16(6, littleEndian),
    snapLen: v.getUint32(16, littleEndian),
    linkType: v.getUint32(20, littleEndian) & 0x0fffffff,
  };
}

/**
 * Iterates over the records of a pcap file.
 * @throws {CaptureError} (while iterating) on a bad header, a truncated record, or a
 *   sub-second timestamp field out of range.
 */
export function* readPcap(bytes: Uint8Array): Generator<CaptureRecord, void, undefined> {
  const header = readPcapHeader(bytes);
  const { littleEndian, nanos, linkType } = header;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fracLimit = nanos ? 1_000_000_000 : 1_000_000;
  let offset = PCAP_FILE_HEADER_LENGTH;
  let frame = 0;
  while (offset < bytes.length) {
    frame++;
    if (bytes.length - offset < PCAP_RECORD_HEADER_LENGTH) {
      throw new CaptureError(`pcap record ${frame} at offset ${offset}: file ends inside the record header`);
    }
    const tsSec = v.getUint32(offset, littleEndian);
    const frac = v.getUint32(offset + 4, littleEndian);
    const inclLen = v.getUint32(offset + 8, littleEndian);
    const origLen = v.getUint32(offset + 12, littleEndian);
    if (frac >= fracLimit) throw new CaptureError(`pcap record ${frame} at offset ${offset}: sub-second timestamp ${frac} is out of range`);
    const start = offset + PCAP_RECORD_HEADER_LENGTH;
    if (inclLen > bytes.length - start) {
      throw new CaptureError(`pcap record ${frame} at offset ${offset}: ${inclLen} bytes announced, ${bytes.length - start} left in the file`);
    }
    yield {
      frame,
      linkType,
      tsSec,
      tsNsec: nanos ? frac : frac * 1000,
      data: bytes.subarray(start, start + inclLen),
      originalLength: Math.max(origLen, inclLen),
      littleEndian,
    };
    offset = start + inclLen;
  }
}
