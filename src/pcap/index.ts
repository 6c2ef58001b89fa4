/**
 * USB traffic capture and capture decoding, with no Node built-ins (runs in browsers):
 *
 * - {@link captureDevice} wraps a `UsbDevice` and records every transfer as Linux usbmon
 *   events; {@link PcapWriter} turns them into a pcap stream (link type 220) that
 *   Wireshark and tshark decode as USB CCID with no options.
 * - {@link readUsbPackets} reads pcap or pcapng captures (usbmon 220/189, USBPcap 249);
 *   {@link CcidConversation} / {@link extractConversation} turn them into CCID messages,
 *   responses reassembled across transfers.
 *
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * const device = captureDevice(usbDevice, new PcapWriter((c) => chunks.push(c)));
 * // ... run a session on `device`, then save new Blob(chunks) as session.pcap
 * for (const m of extractConversation(readUsbPackets(bytes))) console.log(m.type, m.slot, m.seq);
 * ```
 * @packageDocumentation
 */
export { CapturingUsbDevice, captureDevice, captureHost, encodeSetupPacket, errorErrno, type CaptureOptions } from './capture.ts';
export {
  CcidConversation,
  DEFAULT_MAX_DW_LENGTH,
  ccidEndpoints,
  extractConversation,
  type CaptureDeviceId,
  type ConversationMessage,
  type ConversationOptions,
} from './conversation.ts';
export { isPcap, readPcap, readPcapHeader, type CaptureRecord, type PcapHeader } from './pcap-reader.ts';
export { DEFAULT_SNAPLEN, PcapWriter, pcapFileHeader, pcapRecord, type ByteSink, type PcapWriterOptions, type UsbmonSink } from './pcap-writer.ts';
export { isPcapng, readPcapng } from './pcapng-reader.ts';
export { decodeUsbPacket, readCaptureRecords, readUsbPackets, type UsbPacket, type UsbTransferKind } from './usb-packet.ts';
export {
  LINKTYPE_USBPCAP,
  LINKTYPE_USB_LINUX,
  LINKTYPE_USB_LINUX_MMAPPED,
  USB_ERRNO,
  decodeUsbmonHeader,
  encodeUsbmonHeader,
  type UsbmonEventType,
  type UsbmonHeader,
} from './usbmon.ts';
export { decodeUsbpcapPacket, type UsbpcapPacket } from './usbpcap.ts';
