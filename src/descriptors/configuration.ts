/**
 * The CONFIGURATION descriptor and everything that follows it (USB 2.0 §9.6.3, §9.6.5,
 * §9.6.6): a walk over the `wTotalLength` bytes that groups each INTERFACE descriptor with
 * the class-specific descriptors after it and its ENDPOINT descriptors, and each endpoint
 * with the descriptors after it (where the four readers of libccid's O2MICRO_OZ776_PATCH
 * put their CCID descriptor).
 *
 * The walk is bounded: every step advances by a bLength of at least 2 that stays inside
 * the buffer, or it stops with a {@link DescriptorError}.
 */
import {
  USB_DT_CONFIG,
  USB_DT_CONFIG_SIZE,
  USB_DT_ENDPOINT,
  USB_DT_ENDPOINT_SIZE,
  USB_DT_INTERFACE,
  USB_DT_INTERFACE_SIZE,
} from './constants.ts';
import { copy, malformed, need, u16, u8 } from './bytes.ts';

/** Any descriptor kept as bytes: class-specific, vendor, or one the walk does not decode. */
export interface RawDescriptor {
  /** Offset in the configuration descriptor. */
  readonly offset: number;
  /** bDescriptorType. */
  readonly type: number;
  /** The descriptor's bLength bytes. */
  readonly raw: Uint8Array;
}

/** USB transfer type of an endpoint (bmAttributes bits 1..0, USB 2.0 Table 9-13). */
export type TransferType = 'control' | 'isochronous' | 'bulk' | 'interrupt';

/** An ENDPOINT descriptor (USB 2.0 §9.6.6, Table 9-13). */
export interface EndpointDescriptor {
  /** The descriptor's bytes. */
  readonly raw: Uint8Array;
  /** Offset in the configuration descriptor. */
  readonly offset: number;
  /** bEndpointAddress: number in bits 3..0, direction in bit 7 (1 = IN). */
  readonly address: number;
  /** Endpoint number (address & 0x0F): what WebUSB's `transferIn/Out` take. */
  readonly number: number;
  /** Direction from bit 7 of bEndpointAddress. */
  readonly direction: 'in' | 'out';
  /** bmAttributes. */
  readonly attributes: number;
  /** Transfer type from bmAttributes. */
  readonly transferType: TransferType;
  /** wMaxPacketSize bits 10..0 (bits 12..11 are high-bandwidth transactions). */
  readonly maxPacketSize: number;
  /** bInterval: polling interval (frames or microframes, depending on speed). */
  readonly interval: number;
  /** Descriptors that follow this endpoint, up to the next interface or endpoint. */
  readonly extra: readonly RawDescriptor[];
}

/** An INTERFACE descriptor (one alternate setting; USB 2.0 §9.6.5, Table 9-12). */
export interface InterfaceDescriptor {
  /** The descriptor's bytes. */
  readonly raw: Uint8Array;
  /** Offset in the configuration descriptor. */
  readonly offset: number;
  /** bInterfaceNumber. */
  readonly interfaceNumber: number;
  /** bAlternateSetting. */
  readonly alternateSetting: number;
  /** bNumEndpoints: endpoints besides endpoint 0, as the descriptor states. */
  readonly numEndpoints: number;
  /** bInterfaceClass: 0x0B for CCID (CCID 1.1 §4.3). */
  readonly interfaceClass: number;
  /** bInterfaceSubClass: 0 for CCID. */
  readonly interfaceSubClass: number;
  /** bInterfaceProtocol: 0 CCID, 1 ICCD version A, 2 ICCD version B (CCID 1.1 §4.3, ICCD §4). */
  readonly interfaceProtocol: number;
  /** iInterface: string index, 0 = none. */
  readonly interfaceIndex: number;
  /** Descriptors between this interface descriptor and its first endpoint (class-specific ones). */
  readonly extra: readonly RawDescriptor[];
  /** The ENDPOINT descriptors that follow, in order. */
  readonly endpoints: readonly EndpointDescriptor[];
}

/** A CONFIGURATION descriptor with its interfaces (USB 2.0 §9.6.3, Table 9-10). */
export interface ConfigurationDescriptor {
  /** The whole configuration descriptor, wTotalLength bytes. */
  readonly raw: Uint8Array;
  /** wTotalLength. */
  readonly totalLength: number;
  /** bNumInterfaces, as the descriptor states. */
  readonly numInterfaces: number;
  /** bConfigurationValue: the value SET_CONFIGURATION takes. */
  readonly configurationValue: number;
  /** iConfiguration: string index, 0 = none. */
  readonly configurationIndex: number;
  /** bmAttributes: bit 6 self-powered, bit 5 remote wakeup. */
  readonly attributes: number;
  /** bmAttributes bit 6. */
  readonly selfPowered: boolean;
  /** bmAttributes bit 5. */
  readonly remoteWakeup: boolean;
  /** bMaxPower in mA (the descriptor counts 2 mA units). */
  readonly maxPowerMilliamps: number;
  /** Descriptors before the first interface (e.g. an interface association). */
  readonly extra: readonly RawDescriptor[];
  /** Every interface descriptor (each alternate setting), in configuration order. */
  readonly interfaces: readonly InterfaceDescriptor[];
}

/** What {@link parseConfiguration} found, with the oddities it tolerated. */
export interface ConfigurationWalk {
  /** The parsed configuration. */
  readonly configuration: ConfigurationDescriptor;
  /** Inconsistencies that were tolerated (bNumEndpoints or bNumInterfaces not matching what follows...). */
  readonly warnings: string[];
}

const TRANSFER_TYPES: readonly TransferType[] = ['control', 'isochronous', 'bulk', 'interrupt'];

interface MutableInterface extends Omit<InterfaceDescriptor, 'extra' | 'endpoints'> {
  extra: RawDescriptor[];
  endpoints: (Omit<EndpointDescriptor, 'extra'> & { extra: RawDescriptor[] })[];
}

/**
 * Walks a whole configuration descriptor.
 * @throws {DescriptorError} `CCID_ERR_DESCRIPTOR_MALFORMED` (with `offset`) when the header
 *   is short or not a CONFIGURATION descriptor, when `wTotalLength` differs from the number
 *   of bytes given, when a bLength is below 2 (the walk would never advance) or runs past
 *   the end, or when an interface or endpoint descriptor is shorter than its fixed size.
 */
export function parseConfiguration(bytes: Uint8Array): ConfigurationWalk {
  need(bytes, 0, USB_DT_CONFIG_SIZE, 'configuration descriptor');
  const length = u8(bytes, 0);
  if (length < USB_DT_CONFIG_SIZE) throw malformed(`configuration descriptor: bLength ${length} is below ${USB_DT_CONFIG_SIZE}`, 0);
  if (u8(bytes, 1) !== USB_DT_CONFIG) throw malformed(`configuration descriptor: bDescriptorType 0x${u8(bytes, 1).toString(16)} is not CONFIGURATION`, 1);
  const totalLength = u16(bytes, 2);
  if (totalLength !== bytes.length) {
    throw malformed(`configuration descriptor: wTotalLength ${totalLength} but ${bytes.length} bytes were read`, 2);
  }
  if (length > totalLength) throw malformed(`configuration descriptor: bLength ${length} exceeds wTotalLength ${totalLength}`, 0);
  const warnings: string[] = [];
  const extra: RawDescriptor[] = [];
  const interfaces: MutableInterface[] = [];
  let offset = length;
  while (offset < totalLength) {
    need(bytes, offset, 2, 'descriptor header');
    const bLength = u8(bytes, offset);
    const type = u8(bytes, offset + 1);
    if (bLength < 2) throw malformed(`descriptor bLength ${bLength} (must be at least 2)`, offset);
    if (offset + bLength > totalLength) {
      throw malformed(`descriptor of type 0x${type.toString(16)} with bLength ${bLength} runs past wTotalLength ${totalLength}`, offset);
    }
    const raw = copy(bytes, offset, offset + bLength);
    const current = interfaces[interfaces.length - 1];
    if (type === USB_DT_INTERFACE) {
      if (bLength < USB_DT_INTERFACE_SIZE) throw malformed(`interface descriptor bLength ${bLength} is below ${USB_DT_INTERFACE_SIZE}`, offset);
      interfaces.push({
        raw,
        offset,
        interfaceNumber: raw[2]!,
        alternateSetting: raw[3]!,
        numEndpoints: raw[4]!,
        interfaceClass: raw[5]!,
        interfaceSubClass: raw[6]!,
        interfaceProtocol: raw[7]!,
        interfaceIndex: raw[8]!,
        extra: [],
        endpoints: [],
      });
    } else if (type === USB_DT_ENDPOINT) {
      if (bLength < USB_DT_ENDPOINT_SIZE) throw malformed(`endpoint descriptor bLength ${bLength} is below ${USB_DT_ENDPOINT_SIZE}`, offset);
      const address = raw[2]!;
      const attributes = raw[3]!;
      const endpoint = {
        raw,
        offset,
        address,
        number: address & 0x0f,
        direction: address & 0x80 ? ('in' as const) : ('out' as const),
        attributes,
        transferType: TRANSFER_TYPES[attributes & 0x03]!,
        maxPacketSize: u16(raw, 4) & 0x07ff,
        interval: raw[6]!,
        extra: [],
      };
      if (current === undefined) warnings.push(`endpoint 0x${hex2(address)} at offset ${offset} precedes every interface; ignored`);
      else current.endpoints.push(endpoint);
    } else {
      const descriptor: RawDescriptor = { offset, type, raw };
      const lastEndpoint = current?.endpoints[current.endpoints.length - 1];
      if (lastEndpoint !== undefined) lastEndpoint.extra.push(descriptor);
      else if (current !== undefined) current.extra.push(descriptor);
      else extra.push(descriptor);
    }
    offset += bLength;
  }
  for (const itf of interfaces) {
    if (itf.endpoints.length !== itf.numEndpoints) {
      warnings.push(`interface ${itf.interfaceNumber} (alternate ${itf.alternateSetting}): bNumEndpoints is ${itf.numEndpoints} but ${itf.endpoints.length} endpoint descriptors follow`);
    }
  }
  const numInterfaces = u8(bytes, 4);
  const distinct = new Set(interfaces.map((i) => i.interfaceNumber)).size;
  if (distinct !== numInterfaces) warnings.push(`bNumInterfaces is ${numInterfaces} but ${distinct} interfaces are described`);
  const attributes = u8(bytes, 7);
  return {
    configuration: {
      raw: copy(bytes, 0, totalLength),
      totalLength,
      numInterfaces,
      configurationValue: u8(bytes, 5),
      configurationIndex: u8(bytes, 6),
      attributes,
      selfPowered: (attributes & 0x40) !== 0,
      remoteWakeup: (attributes & 0x20) !== 0,
      maxPowerMilliamps: u8(bytes, 8) * 2,
      extra,
      interfaces,
    },
    warnings,
  };
}

function hex2(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
