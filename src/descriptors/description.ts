/**
 * A reader's whole USB description, built from the bytes a host reads: device and
 * configuration descriptors, string descriptors and the two CCID class-request answers.
 * {@link parseDescriptorSet} is the pure core: no I/O, bounded, and it throws only
 * {@link DescriptorError}. {@link describeDevice} (read.ts) feeds it from a live device.
 */
import { parseDeviceDescriptor, type DeviceDescriptor } from './device.ts';
import { parseConfiguration, type ConfigurationDescriptor } from './configuration.ts';
import { describeCcidInterface, findCcidInterfaces, type CcidInterfaceDescription, type StringEntry } from './ccid-interface.ts';
import { decodeClassAnswer, TEXT_STALL, type ClassRequestAnswer } from './class-requests.ts';

/** The bytes and answers a description is built from (what a `.desc` fixture holds). */
export interface DescriptorSetInput {
  /** The 18-byte device descriptor. */
  readonly device: Uint8Array;
  /** The whole configuration descriptor (exactly wTotalLength bytes). */
  readonly configuration: Uint8Array;
  /** String descriptor texts by index (1..255). */
  readonly strings: ReadonlyMap<number, string>;
  /**
   * Why a string could not be read, by index. A used index found in neither map is taken
   * as STALLed (the fixture convention): `LIBUSB_ERROR_PIPE`.
   */
  readonly stringErrors?: ReadonlyMap<number, string>;
  /** The LANGID the strings were read with. */
  readonly languageId?: number;
  /** GET_CLOCK_FREQUENCIES answers by bInterfaceNumber; a missing entry means not requested. */
  readonly clockFrequencies?: ReadonlyMap<number, ClassRequestAnswer>;
  /** GET_DATA_RATES answers by bInterfaceNumber; a missing entry means not requested. */
  readonly dataRates?: ReadonlyMap<number, ClassRequestAnswer>;
}

/** The names of the device, where its string descriptors could be read. */
export interface DeviceStrings {
  /** iManufacturer's text. */
  readonly manufacturer?: string;
  /** iProduct's text. */
  readonly product?: string;
  /** iSerialNumber's text. */
  readonly serialNumber?: string;
}

/** Everything the driver knows about a reader from its descriptors. */
export interface DeviceDescription {
  /** The DEVICE descriptor. */
  readonly device: DeviceDescriptor;
  /** The CONFIGURATION descriptor, raw and walked. */
  readonly configuration: ConfigurationDescriptor;
  /** Manufacturer, product and serial number texts, when read. */
  readonly strings: DeviceStrings;
  /** Every string index the descriptors use (0 excluded), with its text or failure. */
  readonly stringTable: ReadonlyMap<number, StringEntry>;
  /** The LANGID used to read strings, when known. */
  readonly languageId?: number;
  /** The CCID and ICCD interfaces, in configuration order (empty for a non-CCID device). */
  readonly interfaces: readonly CcidInterfaceDescription[];
  /** What is odd about the descriptors (tolerated, not fatal). */
  readonly warnings: readonly string[];
}

/** The string entry for `index` (0 = no string). */
export function stringEntryOf(table: ReadonlyMap<number, StringEntry>, index: number): StringEntry {
  if (index === 0) return { kind: 'none' };
  return table.get(index) ?? { kind: 'error', text: TEXT_STALL };
}

/** The string indexes a device and configuration use, in the order a host reads them. */
export function usedStringIndexes(device: DeviceDescriptor, configuration: ConfigurationDescriptor): number[] {
  const list = [device.manufacturerIndex, device.productIndex, device.serialNumberIndex, configuration.configurationIndex, ...configuration.interfaces.map((i) => i.interfaceIndex)];
  return [...new Set(list.filter((i) => i !== 0))];
}

/**
 * Builds a {@link DeviceDescription} from raw descriptors and answers. Pure and bounded.
 * @throws {DescriptorError} `CCID_ERR_DESCRIPTOR_MALFORMED` (with `offset`) when the device
 *   or configuration descriptor is truncated or has impossible lengths.
 */
export function parseDescriptorSet(input: DescriptorSetInput): DeviceDescription {
  const device = parseDeviceDescriptor(input.device);
  const walk = parseConfiguration(input.configuration);
  const configuration = walk.configuration;
  const warnings = [...walk.warnings];
  const stringTable = new Map<number, StringEntry>();
  for (const index of usedStringIndexes(device, configuration)) {
    const text = input.strings.get(index);
    const error = input.stringErrors?.get(index);
    stringTable.set(index, text !== undefined ? { kind: 'text', text } : { kind: 'error', text: error ?? TEXT_STALL });
  }
  const textOf = (index: number): string | undefined => {
    const entry = stringEntryOf(stringTable, index);
    return entry.kind === 'text' ? entry.text : undefined;
  };
  const strings: DeviceStrings = {
    ...withText('manufacturer', textOf(device.manufacturerIndex)),
    ...withText('product', textOf(device.productIndex)),
    ...withText('serialNumber', textOf(device.serialNumberIndex)),
  };
  const interfaces = findCcidInterfaces(configuration, warnings).map((candidate) => {
    const n = candidate.descriptor.interfaceNumber;
    const description = describeCcidInterface(
      candidate,
      stringEntryOf(stringTable, candidate.descriptor.interfaceIndex),
      decodeClassAnswer(input.clockFrequencies?.get(n)),
      decodeClassAnswer(input.dataRates?.get(n)),
    );
    for (const w of description.warnings) warnings.push(`interface ${n}: ${w}`);
    return description;
  });
  return {
    device,
    configuration,
    strings,
    stringTable,
    ...(input.languageId === undefined ? {} : { languageId: input.languageId }),
    interfaces,
    warnings,
  };
}

function withText<K extends keyof DeviceStrings>(key: K, text: string | undefined): Pick<DeviceStrings, K> {
  return (text === undefined ? {} : { [key]: text }) as Pick<DeviceStrings, K>;
}
