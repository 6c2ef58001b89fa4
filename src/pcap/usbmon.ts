/**
 * The Linux usbmon packet header, as libpcap stores it in a capture file: 64 bytes for
 * LINKTYPE_USB_LINUX_MMAPPED (220, `pcap_usb_header_mmapped`), or its first 48 bytes for
 * LINKTYPE_USB_LINUX (189, `pcap_usb_header`). The header is in the byte order of the
 * machine that captured, which is also the byte order of the capture file's own headers,
 * so callers pass the file's endianness. The 8-byte setup packet is USB wire order
 * (little-endian) whatever the host.
 *
 * Layout (offset: field): 0 urb id (u64), 8 event type ('S' submit, 'C' complete,
 * 'E' submission error), 9 transfer type (0 iso, 1 interrupt, 2 control, 3 bulk),
 * 10 endpoint address (bit 7 = IN), 11 device number, 12 bus number (u16), 14 setup flag
 * (0 = setup packet present, '-' otherwise), 15 data flag (0 = data present, '<' or '>'
 * when not captured), 16 seconds (i64), 24 microseconds (i32), 28 status (negative errno,
 * -EINPROGRESS on submission), 32 URB length, 36 captured data length, 40 setup packet or
 * ISO error count + descriptor count, 48 interval, 52 start frame, 56 copy of
 * URB transfer_flags, 60 number of ISO descriptors. Data (and ISO descriptors) follow.
 */
import { CaptureError } from '../errors.ts';

/** LINKTYPE_USB_LINUX: usbmon with the 48-byte header. */
export const LINKTYPE_USB_LINUX = 189;
/** LINKTYPE_USB_LINUX_MMAPPED: usbmon with the 64-byte header (what `--capture` writes). */
export const LINKTYPE_USB_LINUX_MMAPPED = 220;
/** LINKTYPE_USBPCAP: Windows USBPcap. */
export const LINKTYPE_USBPCAP = 249;

/** Size of the mmapped usbmon header (link type 220). */
export const USBMON_HEADER_LENGTH = 64;
/** Size of the legacy usbmon header (link type 189). */
export const USBMON_LEGACY_HEADER_LENGTH = 48;

/** usbmon transfer types (`xfer_type`), the same numbers as USB's bmAttributes bits 1..0. */
export const URB_ISOCHRONOUS = 0;
/** Interrupt transfer. */
export const URB_INTERRUPT = 1;
/** Control transfer. */
export const URB_CONTROL = 2;
/** Bulk transfer. */
export const URB_BULK = 3;

/** Linux errno values that usbmon reports as URB status (negated). */
export const USB_ERRNO = {
  /** URB unlinked synchronously (usb_kill_urb: interface released, device closed). */
  ENOENT: 2,
  /** No such device (submission on a device that is gone). */
  ENODEV: 19,
  /** Endpoint stalled. */
  EPIPE: 32,
  /** Protocol error (CRC, bit stuffing: often a device being unplugged). */
  EPROTO: 71,
  /** Babble: the device sent more than asked. */
  EOVERFLOW: 75,
  /** URB unlinked asynchronously. */
  ECONNRESET: 104,
  /** Host controller or device shut down (unplugged). */
  ESHUTDOWN: 108,
  /** Timed out. */
  ETIMEDOUT: 110,
  /** The status of every submission event: the URB is in flight. */
  EINPROGRESS: 115,
  /** Short read with URB_SHORT_NOT_OK: the data received is still valid. */
  EREMOTEIO: 121,
} as const;

/** `flag_setup` / `flag_data` value meaning "present". */
export const USBMON_FLAG_PRESENT = 0;
/** `flag_setup` when the event has no setup packet: `'-'`. */
export const USBMON_SETUP_ABSENT = 0x2d;
/** `flag_data` of an IN submission (no data yet): `'<'`. */
export const USBMON_DATA_IN_PENDING = 0x3c;
/** `flag_data` of an OUT completion (data already shown at submission): `'>'`. */
export const USBMON_DATA_OUT_DONE = 0x3e;

/** usbmon event types. */
export type UsbmonEventType = 'S' | 'C' | 'E';

/** One decoded usbmon header. */
export interface UsbmonHeader {
  /** `id`: URB identifier (the kernel's URB pointer); pairs a submission with its completion. */
  readonly urbId: bigint;
  /** `type`: 'S' submission, 'C' completion, 'E' submission error. */
  readonly eventType: UsbmonEventType;
  /** `xfer_type`: {@link URB_ISOCHRONOUS}, {@link URB_INTERRUPT}, {@link URB_CONTROL}, {@link URB_BULK}. */
  readonly transferType: number;
  /** `epnum`: endpoint address, bit 7 set for IN (control: the data stage's direction). */
  readonly endpoint: number;
  /** `devnum`: USB device address. */
  readonly device: number;
  /** `busnum`: USB bus number. */
  readonly bus: number;
  /** `flag_setup`: {@link USBMON_FLAG_PRESENT} when `setup` holds a setup packet. */
  readonly setupFlag: number;
  /** `flag_data`: {@link USBMON_FLAG_PRESENT} when data follows, else `'<'`/`'>'`. */
  readonly dataFlag: number;
  /** `ts_sec`: seconds since the epoch. */
  readonly tsSec: number;
  /** `ts_usec`: microseconds. */
  readonly tsUsec: number;
  /** `status`: 0, or a negative errno ({@link USB_ERRNO}); -EINPROGRESS on submissions. */
  readonly status: number;
  /** `length`: URB length (requested on submission, actual on completion). */
  readonly urbLength: number;
  /** `len_cap`: number of data bytes that follow the header. */
  readonly dataLength: number;
  /** `s.setup`: the 8-byte setup packet (or ISO error count and descriptor count). */
  readonly setup: Uint8Array;
  /** `interval`: polling interval of interrupt and ISO endpoints (mmapped header only). */
  readonly interval: number;
  /** `start_frame`: ISO start frame (mmapped header only). */
  readonly startFrame: number;
  /** `xfer_flags`: copy of the URB's transfer_flags (mmapped header only). */
  readonly xferFlags: number;
  /** `ndesc`: number of ISO descriptors that follow (mmapped header only). */
  readonly ndesc: number;
}

const EVENT_TYPES: Record<number, UsbmonEventType> = { 0x53: 'S', 0x43: 'C', 0x45: 'E' };

/**
 * Encodes a 64-byte usbmon header (link type 220).
 * @param littleEndian byte order of the capture file (default little-endian).
 */
export function encodeUsbmonHeader(header: UsbmonHeader, littleEndian = true): Uint8Array {
  const out = new Uint8Array(USBMON_HEADER_LENGTH);
  writeUsbmonHeader(header, out, 0, littleEndian);
  return out;
}

/** Writes a 64-byte usbmon header into `target` at `offset` (no allocation). */
export function writeUsbmonHeader(header: UsbmonHeader, target: Uint8Array, offset: number, littleEndian = true): void {
  const v = new DataView(target.buffer, target.byteOffset + offset, USBMON_HEADER_LENGTH);
  v.setBigUint64(0, BigInt.asUintN(64, header.urbId), littleEndian);
  v.setUint8(8, header.eventType.charCodeAt(0));
  v.setUint8(9, header.transferType);
  v.setUint8(10, header.endpoint);
  v.setUint8(11, header.device);
  v.setUint16(12, header.bus, littleEndian);
  v.setUint8(14, header.setupFlag);
  v.setUint8(15, header.dataFlag);
  v.setBigInt64(16, BigInt(Math.trunc(header.tsSec)), littleEndian);
  v.setInt32(24, header.tsUsec, littleEndian);
  v.setInt32(28, header.status, littleEndian);
  v.setUint32(32, header.urbLength, littleEndian);
  v.setUint32(36, header.dataLength, littleEndian);
  target.set(header.setup.subarray(0, 8), offset + 40);
  v.setInt32(48, header.interval, littleEndian);
  v.setInt32(52, header.startFrame, littleEndian);
  v.setUint32(56, header.xferFlags, littleEndian);
  v.setUint32(60, header.ndesc, littleEndian);
}

/**
 * Decodes a usbmon header from the start of `bytes`.
 * @param headerLength 64 (link type 220) or 48 (link type 189; the last four fields are 0).
 * @throws {CaptureError} when `bytes` is shorter than the header or the event type is unknown.
 */
export function decodeUsbmonHeader(bytes: Uint8Array, littleEndian = true, headerLength: 48 | 64 = USBMON_HEADER_LENGTH): UsbmonHeader {
  if (bytes.length < headerLength) throw new CaptureError(`usbmon packet of ${bytes.length} bytes is shorter than its ${headerLength}-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const eventType = EVENT_TYPES[v.getUint8(8)];
  if (eventType === undefined) throw new CaptureError(`usbmon event type 0x${v.getUint8(8).toString(16)} is not 'S', 'C' or 'E'`);
  const mmapped = headerLength === USBMON_HEADER_LENGTH;
  return {
    urbId: v.getBigUint64(0, littleEndian),
    eventType,
    transferType: v.getUint8(9),
    endpoint: v.getUint8(10),
    device: v.getUint8(11),
    bus: v.getUint16(12, littleEndian),
    setupFlag: v.getUint8(14),
    dataFlag: v.getUint8(15),
    tsSec: Number(v.getBigInt64(16, littleEndian)),
    tsUsec: v.getInt32(24, littleEndian),
    status: v.getInt32(28, littleEndian),
    urbLength: v.getUint32(32, littleEndian),
    dataLength: v.getUint32(36, littleEndian),
    setup: bytes.slice(40, 48),
    interval: mmapped ? v.getInt32(48, littleEndian) : 0,
    startFrame: mmapped ? v.getInt32(52, littleEndian) : 0,
    xferFlags: mmapped ? v.getUint32(56, littleEndian) : 0,
    ndesc: mmapped ? v.getUint32(60, littleEndian) : 0,
  };
}
