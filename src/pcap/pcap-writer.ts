/**
 * A classic pcap stream writer (little-endian, microsecond timestamps): the file header
 * once, then one record per packet, each handed to a byte sink as one `Uint8Array` chunk.
 * It knows nothing about files (the Node helper `src/cli/capture-node.ts` writes the
 * chunks to disk; a browser can collect them into a `Blob`).
 *
 * Format: 24-byte header (magic 0xA1B2C3D4, version 2.4, thiszone 0, sigfigs 0, snaplen,
 * link type), then per packet a 16-byte record header (ts_sec, ts_usec, incl_len,
 * orig_len) and the packet bytes.
 */
import { ArgumentError } from '../errors.ts';
import { LINKTYPE_USB_LINUX_MMAPPED, USBMON_HEADER_LENGTH, writeUsbmonHeader, type UsbmonHeader } from './usbmon.ts';

/** pcap magic number for microsecond timestamps. */
export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
/** pcap magic number for nanosecond timestamps. */
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
/** Size of the pcap file header. */
export const PCAP_FILE_HEADER_LENGTH = 24;
/** Size of a pcap record header. */
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** Default snapshot length: libpcap's MAXIMUM_SNAPLEN. */
export const DEFAULT_SNAPLEN = 262144;

/** Receives the bytes of the capture, chunk by chunk, in order. */
export type ByteSink = (chunk: Uint8Array) => void;

/** Options of {@link PcapWriter}. */
export interface PcapWriterOptions {
  /** Link type of every record. @default 220 (LINKTYPE_USB_LINUX_MMAPPED) */
  readonly linkType?: number;
  /** Snapshot length written in the header; longer packets are truncated. @default 262144 */
  readonly snapLen?: number;
}

/** Anything that takes usbmon packets: a {@link PcapWriter}, or a test's array. */
export interface UsbmonSink {
  /** Records one usbmon event: its header and the data bytes that follow it. */
  packet(header: UsbmonHeader, data: Uint8Array): void;
}

/** The 24-byte pcap file header (little-endian, microseconds). */
export function pcapFileHeader(linkType: number, snapLen = DEFAULT_SNAPLEN): Uint8Array {
  const out = new Uint8Array(PCAP_FILE_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint32(0, PCAP_MAGIC_MICROS, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, snapLen, true);
  v.setUint32(20, linkType, true);
  return out;
}

/**
 * One pcap record: header and bytes, truncated to `snapLen` (`orig_len` keeps the
 * untruncated size).
 */
export function pcapRecord(tsSec: number, tsUsec: number, bytes: Uint8Array, snapLen = DEFAULT_SNAPLEN): Uint8Array {
  const kept = Math.min(bytes.length, snapLen);
  const out = new Uint8Array(PCAP_RECORD_HEADER_LENGTH + kept);
  const v = new DataView(out.buffer);
  v.setUint32(0, tsSec >>> 0, true);
  v.setUint32(4, tsUsec, true);
  v.setUint32(8, kept, true);
  v.setUint32(12, bytes.length, true);
  out.set(bytes.subarray(0, kept), PCAP_RECORD_HEADER_LENGTH);
  return out;
}

/**
 * Writes a pcap stream to `sink`: the file header immediately (so even a capture with no
 * packets is a valid file), then one chunk per packet.
 *
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * const writer = new PcapWriter((c) => chunks.push(c));
 * const device = captureDevice(usbDevice, writer);
 * ```
 */
export class PcapWriter implements UsbmonSink {
  /** Link type written in the header. */
  readonly linkType: number;
  /** Snapshot length written in the header. */
  readonly snapLen: number;
  /** Number of records written so far. */
  packets = 0;
  readonly #sink: ByteSink;

  constructor(sink: ByteSink, options: PcapWriterOptions = {}) {
    this.linkType = options.linkType ?? LINKTYPE_USB_LINUX_MMAPPED;
    this.snapLen = options.snapLen ?? DEFAULT_SNAPLEN;
    if (!Number.isInteger(this.snapLen) || this.snapLen < 1 || this.snapLen > 0x7fffffff) {
      throw new ArgumentError(`pcap snapshot length ${this.snapLen} is out of range`);
    }
    this.#sink = sink;
    sink(pcapFileHeader(this.linkType, this.snapLen));
  }

  /** Writes one record of raw link-layer bytes. */
  record(tsSec: number, tsUsec: number, bytes: Uint8Array): void {
    this.packets++;
    this.#sink(pcapRecord(tsSec, tsUsec, bytes, this.snapLen));
  }

  /**
   * Writes one usbmon event (64-byte header + data) with the header's timestamp.
   * @throws {ArgumentError} when the writer's link type is not 220.
   */
  packet(header: UsbmonHeader, data: Uint8Array): void {
    if (this.linkType !== LINKTYPE_USB_LINUX_MMAPPED) throw new ArgumentError(`usbmon packets need link type 220, not ${this.linkType}`);
    // One buffer per record (record header, usbmon header, data): a capture is written on
    // every transfer, so it should cost one allocation.
    const length = USBMON_HEADER_LENGTH + data.length;
    const kept = Math.min(length, this.snapLen);
    const out = new Uint8Array(PCAP_RECORD_HEADER_LENGTH + Math.max(kept, USBMON_HEADER_LENGTH));
    const v = new DataView(out.buffer);
    v.setUint32(0, header.tsSec >>> 0, true);
    v.setUint32(4, header.tsUsec, true);
    v.setUint32(8, kept, true);
    v.setUint32(12, length, true);
    writeUsbmonHeader(header, out, PCAP_RECORD_HEADER_LENGTH, true);
    if (kept > USBMON_HEADER_LENGTH) out.set(data.subarray(0, kept - USBMON_HEADER_LENGTH), PCAP_RECORD_HEADER_LENGTH + USBMON_HEADER_LENGTH);
    this.packets++;
    this.#sink(kept < USBMON_HEADER_LENGTH ? out.subarray(0, PCAP_RECORD_HEADER_LENGTH + kept) : out);
  }
}
