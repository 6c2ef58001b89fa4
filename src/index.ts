/**
 * **ccid**: a userspace USB CCID smart-card reader driver. This is the library's single
 * entry point, browser-safe (no Node built-ins); Node's USB backend is in `ccid/node`.
 *
 * - The slot API: {@link openReader}, {@link Reader}, {@link Slot}, {@link watchReaders}.
 * - Errors: one taxonomy, {@link CcidError} with a stable `code` (see `ERROR_CODES`).
 * - Descriptors, the reader list and quirks, ATR / APDU / status-word helpers.
 * - USB capture to pcap and capture decoding.
 * - `sim`: the CCID reader emulator and its virtual cards.
 * - `ccid`: the CCID message codec and engine, for tools that work below the slot API.
 *
 * @example
 * ```ts
 * import { openReader, hex, toHex, sim } from 'ccid';
 * const emulated = sim.createEmulatedReader('sysmoOCTSIM');
 * emulated.slots[0].insert(sim.helloWorldCard());
 * const reader = await openReader(emulated.device);
 * const slot = reader.slots[0];
 * await slot.powerOn();
 * await slot.transmit(hex`00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01`);
 * const { data, sw } = await slot.transmit(hex`00 00 00 00`);
 * console.log(new TextDecoder().decode(data), sw.toString(16)); // Hello world! 9000
 * await reader.close();
 * ```
 * @packageDocumentation
 */

// The slot API.
export * from './reader/index.ts';

// Errors.
export * from './errors.ts';

// Hex helpers (hex, fromHex, toHex, hexByte come with the slot API).
export { vidPid } from './util/hex.ts';

// The USB contract and the WebUSB backend (browsers).
export type {
  UsbControlSetup,
  UsbDevice,
  UsbDirection,
  UsbHost,
  UsbHostEvent,
  UsbInTransferResult,
  UsbOutTransferResult,
  UsbTransferStatus,
} from './usb/transport.ts';
export { transferBytes } from './usb/transport.ts';
export { webUsbHost, WebUsbDevice, type WebUsbHost, type WebUsbDeviceFilter } from './usb/web/index.ts';

// Descriptors.
export {
  describeDevice,
  descriptionToJson,
  decodeFeatures,
  formatLibccidParse,
  parseDescriptorSet,
  summarizeInterface,
  type CcidClassDescriptor,
  type CcidFeatures,
  type CcidInterfaceDescription,
  type DescribeOptions,
  type DeviceDescription,
  type ExchangeLevel,
} from './descriptors/index.ts';
export { parseDescriptorFixture, formatDescriptorFixture, type DescriptorFixture } from './fixtures/desc-file.ts';

// The reader list and quirks.
export { assessReader, describeQuirk, listedReaders, lookupReader, quirksFor, type ListStatus, type ListedReader, type Quirk, type QuirkKind, type ReaderAssessment, type ReaderListing } from './readers/index.ts';

// ISO/IEC 7816: ATR, APDUs, status words, timing.
export { assertValidAtr, atrSummary, describeAtr, identifyAtr, parseAtr, parseAtrList, type Atr, type AtrSummary } from './iso7816/atr/index.ts';
export {
  describeCommandApdu,
  encodeCommandApdu,
  parseCommandApdu,
  parseResponseApdu,
  responseApdu,
  type ApduCase,
  type CommandApdu,
  type CommandApduFields,
  type ResponseApdu,
} from './iso7816/apdu.ts';
export { describeStatusWord, statusWordInfo, type StatusCategory, type StatusWordInfo } from './iso7816/status-words.ts';
export { cardTiming, readTimeoutMs, type CardTiming, type LinkTiming } from './iso7816/timeouts.ts';

// USB capture (pcap) and capture decoding.
export * from './pcap/index.ts';

// Lower layers and the emulator, as namespaces.
export * as ccid from './ccid/index.ts';
export * as sim from './sim/index.ts';
