/**
 * The USB and CCID descriptor layer: reading a reader's descriptors over control
 * transfers, parsing them (device, configuration, interfaces, endpoints, the 54-byte CCID
 * class descriptor with every dwFeatures bit), finding the CCID/ICCD interfaces despite
 * the known descriptor oddities of real readers, and printing them in libccid's `parse`
 * layout.
 *
 * @example
 * ```ts
 * import { describeDevice, formatLibccidParse } from './descriptors/index.ts';
 * const desc = await describeDevice(device, { signal });
 * const [itf] = desc.interfaces; // slotCount, maxBusySlots, exchangeLevel, endpoints...
 * console.log(formatLibccidParse(desc).join('\n'));
 * ```
 * @packageDocumentation
 */
export { describeDevice, type DescribeOptions } from './read.ts';
export {
  parseDescriptorSet,
  stringEntryOf,
  usedStringIndexes,
  type DescriptorSetInput,
  type DeviceDescription,
  type DeviceStrings,
} from './description.ts';
export {
  describeCcidInterface,
  findCcidInterfaces,
  summarizeInterface,
  type CcidEndpoint,
  type CcidEndpoints,
  type CcidInterfaceCandidate,
  type CcidInterfaceDescription,
  type ClassDescriptorPlacement,
  type InterfaceKind,
  type StringEntry,
} from './ccid-interface.ts';
export {
  isCcidClassDescriptor,
  parseCcidClassDescriptor,
  type CcidClassDescriptor,
  type LcdLayout,
  type Mechanical,
  type PinSupport,
  type ProtocolSupport,
  type SynchProtocols,
  type VoltageSupport,
} from './ccid-class.ts';
export { decodeFeatures, EXCHANGE_LEVEL_MASK, FEATURE_BITS, type CcidFeatures, type ExchangeLevel, type FeatureBit, type FeatureFlag } from './features.ts';
export { formatBcd, parseDeviceDescriptor, type DeviceDescriptor } from './device.ts';
export {
  parseConfiguration,
  type ConfigurationDescriptor,
  type ConfigurationWalk,
  type EndpointDescriptor,
  type InterfaceDescriptor,
  type RawDescriptor,
  type TransferType,
} from './configuration.ts';
export {
  CLASS_REQUEST_MAX_VALUES,
  decodeClassAnswer,
  failureReasonOfText,
  TEXT_EMPTY,
  TEXT_STALL,
  TEXT_TIMEOUT,
  type ClassRequestAnswer,
  type ClassRequestResult,
  type FailureReason,
} from './class-requests.ts';
export { formatLibccidInterface, formatLibccidParse } from './libccid-format.ts';
export { descriptionToJson, type JsonValue } from './json.ts';
export { toDescriptorFixture } from './fixture.ts';
export * from './constants.ts';
