/**
 * One USB event of a capture, whatever recorded it (Linux usbmon, Windows USBPcap) and
 * whatever the container (pcap, pcapng): the common view the conversation extractor
 * works on. OUT data travels in submissions, IN data in completions, on both systems.
 */
import { CaptureError } from '../errors.ts';
import { isPcap, readPcap, type CaptureRecord } from './pcap-reader.ts';
import { isPcapng, readPcapng } from './pcapng-reader.ts';
import {
  LINKTYPE_USBPCAP,
  LINKTYPE_USB_LINUX,
  LINKTYPE_USB_LINUX_MMAPPED,
  USBMON_FLAG_PRESENT,
  USBMON_HEADER_LENGTH,
  USBMON_LEGACY_HEADER_LENGTH,
  USB_ERRNO,
  URB_CONTROL,
  URB_ISOCHRONOUS,
  decodeUsbmonHeader,
} from './usbmon.ts';
import { USBPCAP_CONTROL_STAGE_SETUP, USBPCAP_INFO_PDO_TO_FDO, USBPCAP_TRANSFER_IRP_INFO, decodeUsbpcapPacket, usbdSuccess } from './usbpcap.ts';

/** Transfer types, by name. */
export type UsbTransferKind = 'isochronous' | 'interrupt' | 'control' | 'bulk' | 'other';

const KINDS: readonly UsbTransferKind[] = ['isochronous', 'interrupt', 'control', 'bulk'];

/** One USB event of a capture. */
export interface UsbPacket {
  /** 1-based frame number in the capture file (as Wireshark numbers frames). */
  readonly frame: number;
  /** Timestamp: seconds since the epoch. */
  readonly tsSec: number;
  /** Timestamp: nanoseconds within the second. */
  readonly tsNsec: number;
  /** Link type the event came from (220, 189 or 249). */
  readonly linkType: number;
  /** Submission (host → controller), completion (back to the host), or submission error. */
  readonly event: 'submit' | 'complete' | 'error';
  /** URB id (usbmon) or IRP id (USBPcap): pairs a submission with its completion. */
  readonly urbId: bigint;
  readonly bus: number;
  /** Device address on the bus. */
  readonly device: number;
  /** Endpoint address, bit 7 set for IN. */
  readonly endpoint: number;
  readonly transfer: UsbTransferKind;
  /** usbmon: 0 or a negative errno; USBPcap: the USBD_STATUS. */
  readonly status: number;
  /** False for failed completions (stall, unplug, cancel) and submission errors. */
  readonly ok: boolean;
  /** The 8-byte setup packet, on control submissions (usbmon) or SETUP stages (USBPcap). */
  readonly setup?: Uint8Array;
  /** The transfer data carried by this event (possibly empty). */
  readonly data: Uint8Array;
}

function kind(type: number): UsbTransferKind {
  return KINDS[type] ?? 'other';
}

function fromUsbmon(record: CaptureRecord, headerLength: 48 | 64): UsbPacket {
  const h = decodeUsbmonHeader(record.data, record.littleEndian, headerLength);
  // ISO descriptors (16 bytes each) sit between the mmapped header and the data.
  const isoBytes = headerLength === USBMON_HEADER_LENGTH && h.transferType === URB_ISOCHRONOUS ? h.ndesc * 16 : 0;
  const start = Math.min(record.data.length, headerLength + isoBytes);
  const data = record.data.subarray(start, start + Math.min(h.dataLength, record.data.length - start));
  const event = h.eventType === 'S' ? 'submit' : h.eventType === 'C' ? 'complete' : 'error';
  const ok = event === 'submit' || (event === 'complete' && (h.status === 0 || h.status === -USB_ERRNO.EREMOTEIO));
  const hasSetup = h.transferType === URB_CONTROL && h.setupFlag === USBMON_FLAG_PRESENT && event === 'submit';
  return {
    frame: record.frame,
    tsSec: record.tsSec,
    tsNsec: record.tsNsec,
    linkType: record.linkType,
    event,
    urbId: h.urbId,
    bus: h.bus,
    device: h.device,
    endpoint: h.endpoint,
    transfer: kind(h.transferType),
    status: h.status,
    ok,
    ...(hasSetup ? { setup: h.setup } : {}),
    data,
  };
}

function fromUsbpcap(record: CaptureRecord): UsbPacket | undefined {
  const p = decodeUsbpcapPacket(record.data);
  if (p.transferType === USBPCAP_TRANSFER_IRP_INFO) return undefined;
  const event = (p.info & USBPCAP_INFO_PDO_TO_FDO) !== 0 ? 'complete' : 'submit';
  const isSetup = p.stage === USBPCAP_CONTROL_STAGE_SETUP && p.data.length >= 8;
  return {
    frame: record.frame,
    tsSec: record.tsSec,
    tsNsec: record.tsNsec,
    linkType: record.linkType,
    event,
    urbId: p.irpId,
    bus: p.bus,
    device: p.device,
    endpoint: p.endpoint,
    transfer: kind(p.transferType),
    status: p.status,
    ok: usbdSuccess(p.status),
    ...(isSetup ? { setup: p.data.subarray(0, 8) } : {}),
    data: isSetup ? p.data.subarray(8) : p.data,
  };
}

/**
 * The USB event in one capture record; `undefined` for link types that are not USB and
 * for USBPcap's IRP-information records.
 * @throws {CaptureError} when the usbmon or USBPcap header is malformed (the message
 *   names the frame).
 */
export function decodeUsbPacket(record: CaptureRecord): UsbPacket | undefined {
  try {
    switch (record.linkType) {
      case LINKTYPE_USB_LINUX_MMAPPED:
        return fromUsbmon(record, USBMON_HEADER_LENGTH);
      case LINKTYPE_USB_LINUX:
        return fromUsbmon(record, USBMON_LEGACY_HEADER_LENGTH);
      case LINKTYPE_USBPCAP:
        return fromUsbpcap(record);
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof CaptureError) throw new CaptureError(`frame ${record.frame}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The records of a pcap or pcapng file (chosen by its magic number).
 * @throws {CaptureError} when the bytes are neither, or (while iterating) malformed.
 */
export function readCaptureRecords(bytes: Uint8Array): Generator<CaptureRecord, void, undefined> {
  if (isPcapng(bytes)) return readPcapng(bytes);
  if (isPcap(bytes)) return readPcap(bytes);
  throw new CaptureError('not a pcap or pcapng file (unknown magic number)');
}

/**
 * The USB events of a pcap or pcapng capture, in file order; records of other link
 * types are skipped.
 * @throws {CaptureError} (while iterating) on a malformed file or USB header.
 */
export function* readUsbPackets(bytes: Uint8Array): Generator<UsbPacket, void, undefined> {
  for (const record of readCaptureRecords(bytes)) {
    const packet = decodeUsbPacket(record);
    if (packet !== undefined) yield packet;
  }
}
