/**
 * The USBPcap packet header (Windows, LINKTYPE_USBPCAP = 249), always little-endian:
 *
 * offset: field — 0 headerLen (u16), 2 irpId (u64), 10 status (USBD_STATUS, u32),
 * 14 function (URB function, u16), 16 info (bit 0: PDO→FDO, i.e. the completion on its
 * way back to the host), 17 bus (u16), 19 device (u16), 21 endpoint (address, bit 7 = IN),
 * 22 transfer (0 iso, 1 interrupt, 2 control, 3 bulk, 0xFE IRP info, 0xFF unknown),
 * 23 dataLength (u32). Control transfers add 27 stage (0 setup, 1 data, 2 status,
 * 3 complete); isochronous ones add start frame, packet count, error count and one
 * 12-byte descriptor per packet. Data starts at headerLen.
 *
 * Unlike usbmon, USBPcap records a control transfer in stages: the SETUP record carries
 * the 8-byte setup packet as its data, and the DATA or COMPLETE record carries the data.
 */
import { CaptureError } from '../errors.ts';

/** Size of the fixed part of the USBPcap header. */
export const USBPCAP_BASE_HEADER_LENGTH = 27;
/** `info` bit: the IRP is on its way from the device (completion). */
export const USBPCAP_INFO_PDO_TO_FDO = 0x01;
/** `transfer` of IRP-information records (no USB traffic). */
export const USBPCAP_TRANSFER_IRP_INFO = 0xfe;
/** Control stage: the setup packet. */
export const USBPCAP_CONTROL_STAGE_SETUP = 0;
/** Control stage: the data stage. */
export const USBPCAP_CONTROL_STAGE_DATA = 1;
/** Control stage: the status stage. */
export const USBPCAP_CONTROL_STAGE_STATUS = 2;
/** Control stage: the transfer's completion. */
export const USBPCAP_CONTROL_STAGE_COMPLETE = 3;

/** One decoded USBPcap header and its data. */
export interface UsbpcapPacket {
  /** `headerLen`. */
  readonly headerLength: number;
  /** `irpId`: pairs a request with its completion (0 for USBPcap's own descriptor reads). */
  readonly irpId: bigint;
  /** `status`: USBD_STATUS (0 = success; bits 31..30 = 11 for an error). */
  readonly status: number;
  /** `function`: the URB function (URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER = 9...). */
  readonly urbFunction: number;
  /** `info`: bit 0 = {@link USBPCAP_INFO_PDO_TO_FDO}. */
  readonly info: number;
  /** `bus`: root hub number. */
  readonly bus: number;
  /** `device`: device address. */
  readonly device: number;
  /** `endpoint`: endpoint address, bit 7 set for IN. */
  readonly endpoint: number;
  /** `transfer`: 0 iso, 1 interrupt, 2 control, 3 bulk. */
  readonly transferType: number;
  /** `dataLength` as announced in the header. */
  readonly dataLength: number;
  /** Control transfers: the stage ({@link USBPCAP_CONTROL_STAGE_SETUP}...). */
  readonly stage?: number;
  /** The data after the header (possibly truncated by the capture's snaplen). */
  readonly data: Uint8Array;
}

/** USBD_SUCCESS: bits 31..30 are 00 (success) or 01 (pending). */
export function usbdSuccess(status: number): boolean {
  return status >>> 30 <= 1;
}

/**
 * Decodes one USBPcap packet.
 * @throws {CaptureError} when the header is shorter than 27 bytes, its length field is out
 *   of range, or a control header has no stage byte.
 */
export function decodeUsbpcapPacket(bytes: Uint8Array): UsbpcapPacket {
  if (bytes.length < USBPCAP_BASE_HEADER_LENGTH) throw new CaptureError(`USBPcap packet of ${bytes.length} bytes is shorter than its 27-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = v.getUint16(0, true);
  if (headerLength < USBPCAP_BASE_HEADER_LENGTH || headerLength > bytes.length) {
    throw new CaptureError(`USBPcap header length ${headerLength} is out of range (27..${bytes.length})`);
  }
  const transferType = v.getUint8(22);
  let stage: number | undefined;
  if (transferType === 2) {
    if (headerLength < USBPCAP_BASE_HEADER_LENGTH + 1) throw new CaptureError('USBPcap control header has no stage byte');
    stage = v.getUint8(27);
  }
  const dataLength = v.getUint32(23, true);
  const available = bytes.length - headerLength;
  return {
    headerLength,
    irpId: v.getBigUint64(2, true),
    status: v.getUint32(10, true),
    urbFunction: v.getUint16(14, true),
    info: v.getUint8(16),
    bus: v.getUint16(17, true),
    device: v.getUint16(19, true),
    endpoint: v.getUint8(21),
    transferType,
    dataLength,
    ...(stage === undefined ? {} : { stage }),
    data: bytes.subarray(headerLength, headerLength + Math.min(dataLength, available)),
  };
}
