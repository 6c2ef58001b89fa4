/**
 * The slot API: what a resource manager uses. {@link openReader} turns a `UsbDevice` into
 * a {@link Reader} whose {@link Slot}s power cards on, send APDUs, and drive PIN pads;
 * {@link watchReaders} does it for every reader of a USB host as they come and go.
 *
 * @example
 * ```ts
 * const reader = await openReader(device);
 * const slot = reader.slots[0];
 * await slot.powerOn();
 * await slot.transmit(hex`00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01`); // sw 0x9000
 * const { data } = await slot.transmit(hex`00 00 00 00`);                  // "Hello world!"
 * await reader.close();
 * ```
 * @packageDocumentation
 */
export { openReader, Reader, type OpenReaderOptions, type ReaderEvents } from './reader.ts';
export { Slot, type ApduResponse, type SlotState, type SlotStatusInfo, type SlotOperationOptions, type TransmitOptions } from './slot.ts';
export type { PowerOnOptions, PowerOnResult } from './power-on.ts';
export type { PpsMode } from './negotiation.ts';
export type { ReaderCapabilities, Voltage } from './capabilities.ts';
export {
  CM_IOCTL_GET_FEATURE_REQUEST,
  FEATURE_CCID_ESC_COMMAND,
  FEATURE_GET_TLV_PROPERTIES,
  FEATURE_IFD_PIN_PROPERTIES,
  FEATURE_MCT_READER_DIRECT,
  FEATURE_MODIFY_PIN_DIRECT,
  FEATURE_VERIFY_PIN_DIRECT,
  featureControlCode,
  type Part10Feature,
  type TlvProperties,
} from './features.ts';
export type { VerifyPinParams, ModifyPinParams, PinOptions } from './pin.ts';
export { watchReaders, type ReaderWatcher, type ReaderWatcherEvents, type ReaderAddedEvent, type ReaderRemovedEvent, type WatchReadersOptions } from './watch.ts';
export { hex, fromHex, toHex, hexByte } from './hex.ts';
