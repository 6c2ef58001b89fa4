/**
 * Finding the CCID and ICCD interfaces of a configuration and describing each one as the
 * driver uses it: which endpoints, how many slots, how many may be busy at once, which
 * exchange level. Real readers break the rules in known ways, handled here by position
 * and by data, never by VID:PID:
 *
 * - bInterfaceClass 0xFF (vendor) with a 54-byte CCID descriptor (pre-standard readers:
 *   Cherry ST-2xxx, SCM SDI011, Gemplus tokens...), accepted like class 0x0B;
 * - the CCID descriptor after the endpoint descriptors instead of after the interface
 *   descriptor (O2Micro OZ776 0B97:7762 and 0B97:7772, Reiner SCT 0C4B:0300, Bludrive II
 *   1B0E:1078): found wherever it is, and the placement reported;
 * - ICCD version A (bInterfaceProtocol 1, control transfers only) and version B (2, with
 *   an optional interrupt-IN);
 * - several CCID interfaces in one device (contact + contactless + SAM);
 * - bMaxCCIDBusySlots of 0 or above the slot count, clamped and flagged.
 */
import { USB_CLASS_CCID, USB_CLASS_VENDOR_SPEC, CCID_DT_PROPRIETARY } from './constants.ts';
import type { ConfigurationDescriptor, EndpointDescriptor, InterfaceDescriptor, RawDescriptor } from './configuration.ts';
import { isCcidClassDescriptor, parseCcidClassDescriptor, type CcidClassDescriptor } from './ccid-class.ts';
import type { ExchangeLevel } from './features.ts';
import type { ClassRequestResult } from './class-requests.ts';

/** The protocol family of an interface, from bInterfaceProtocol (CCID 1.1 §4.3, ICCD 1.0 §4). */
export type InterfaceKind = 'ccid' | 'iccd-a' | 'iccd-b';

/** Where the CCID class descriptor sits in the configuration. */
export type ClassDescriptorPlacement = 'after-interface' | 'after-endpoints';

/** One endpoint as the driver uses it. */
export interface CcidEndpoint {
  /** bEndpointAddress, direction bit included (e.g. 0x81). */
  readonly address: number;
  /** Endpoint number (address & 0x0F): what WebUSB's transfer calls take. */
  readonly number: number;
  /** wMaxPacketSize. */
  readonly maxPacketSize: number;
  /** bInterval. */
  readonly interval: number;
}

/** The three CCID endpoints (CCID 1.1 §3): any may be absent (ICCD, broken readers). */
export interface CcidEndpoints {
  /** Bulk-IN: RDR_to_PC responses. */
  readonly bulkIn?: CcidEndpoint;
  /** Bulk-OUT: PC_to_RDR commands. */
  readonly bulkOut?: CcidEndpoint;
  /** Interrupt-IN: RDR_to_PC_NotifySlotChange and HardwareError. */
  readonly interruptIn?: CcidEndpoint;
}

/** A string descriptor as read: its text, why it could not be read, or no string (index 0). */
export type StringEntry =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'error'; readonly text: string }
  | { readonly kind: 'none' };

/** One CCID or ICCD interface of a device, described for the driver. */
export interface CcidInterfaceDescription {
  /** bInterfaceNumber: what claimInterface takes and what class requests carry in wIndex. */
  readonly interfaceNumber: number;
  /** bAlternateSetting. */
  readonly alternateSetting: number;
  /** bInterfaceClass: 0x0B, or 0xFF for a vendor-class interface with a CCID descriptor. */
  readonly interfaceClass: number;
  /** bInterfaceSubClass (0 for CCID). */
  readonly interfaceSubClass: number;
  /** bInterfaceProtocol: 0 CCID, 1 ICCD-A, 2 ICCD-B. */
  readonly interfaceProtocol: number;
  /** CCID, ICCD version A, or ICCD version B (an unknown bInterfaceProtocol counts as CCID, with a warning). */
  readonly kind: InterfaceKind;
  /** iInterface: the interface's string index (0 = none). */
  readonly interfaceStringIndex: number;
  /** The iInterface string as read. */
  readonly interfaceString: StringEntry;
  /** The interface descriptor itself (raw bytes, offset). */
  readonly descriptor: InterfaceDescriptor;
  /** The CCID class descriptor. */
  readonly ccid: CcidClassDescriptor;
  /** Offset of the CCID class descriptor in the configuration descriptor. */
  readonly classDescriptorOffset: number;
  /** After the interface descriptor (CCID 1.1 §5.1), or after the endpoints (OZ776, Reiner SCT, Bludrive II). */
  readonly classDescriptorPlacement: ClassDescriptorPlacement;
  /** The endpoints the driver uses. */
  readonly endpoints: CcidEndpoints;
  /** GET_CLOCK_FREQUENCIES answer (kHz values) or failure. */
  readonly clockFrequencies: ClassRequestResult;
  /** GET_DATA_RATES answer (bps values) or failure. */
  readonly dataRates: ClassRequestResult;
  /** Number of slots: bMaxSlotIndex + 1. */
  readonly slotCount: number;
  /** bMaxCCIDBusySlots clamped to 1..slotCount: how many slots the driver keeps busy at once. */
  readonly maxBusySlots: number;
  /** True when bMaxCCIDBusySlots was 0 or above the slot count and was clamped. */
  readonly maxBusySlotsClamped: boolean;
  /** The exchange level from dwFeatures. */
  readonly exchangeLevel: ExchangeLevel;
  /** What is odd about this interface (also in the device's warnings). */
  readonly warnings: readonly string[];
}

/** A CCID interface found in a configuration, before strings and class requests are attached. */
export interface CcidInterfaceCandidate {
  /** The interface descriptor (first alternate setting of its number). */
  readonly descriptor: InterfaceDescriptor;
  /** The 54-byte CCID class descriptor found for it. */
  readonly classDescriptor: RawDescriptor;
  /** Where that class descriptor was found. */
  readonly placement: ClassDescriptorPlacement;
}

/**
 * The CCID/ICCD interfaces of a configuration, in configuration order: the first alternate
 * setting of each interface number whose class is 0x0B, or 0xFF with a CCID descriptor.
 * Class-0x0B interfaces without a CCID descriptor are skipped with a warning.
 */
export function findCcidInterfaces(configuration: ConfigurationDescriptor, warnings: string[]): CcidInterfaceCandidate[] {
  const seen = new Set<number>();
  const found: CcidInterfaceCandidate[] = [];
  for (const itf of configuration.interfaces) {
    if (seen.has(itf.interfaceNumber)) {
      if (itf.interfaceClass === USB_CLASS_CCID) warnings.push(`interface ${itf.interfaceNumber}: alternate setting ${itf.alternateSetting} is CCID class; only the first alternate setting is used`);
      continue;
    }
    seen.add(itf.interfaceNumber);
    if (itf.interfaceClass !== USB_CLASS_CCID && itf.interfaceClass !== USB_CLASS_VENDOR_SPEC) continue;
    const inline = itf.extra.find((d) => isCcidClassDescriptor(d.raw));
    if (inline !== undefined) {
      found.push({ descriptor: itf, classDescriptor: inline, placement: 'after-interface' });
      continue;
    }
    // OZ776 and friends put it after their last endpoint; look there (last endpoint first).
    let trailing: RawDescriptor | undefined;
    for (let i = itf.endpoints.length - 1; i >= 0 && trailing === undefined; i--) {
      trailing = itf.endpoints[i]!.extra.find((d) => isCcidClassDescriptor(d.raw));
    }
    if (trailing !== undefined) {
      found.push({ descriptor: itf, classDescriptor: trailing, placement: 'after-endpoints' });
    } else if (itf.interfaceClass === USB_CLASS_CCID) {
      warnings.push(`interface ${itf.interfaceNumber}: class 0x0B without a 54-byte CCID class descriptor; skipped`);
    }
  }
  return found;
}

function endpointOf(list: readonly EndpointDescriptor[], type: 'bulk' | 'interrupt', direction: 'in' | 'out'): CcidEndpoint | undefined {
  const ep = list.find((e) => e.transferType === type && e.direction === direction);
  return ep === undefined ? undefined : { address: ep.address, number: ep.number, maxPacketSize: ep.maxPacketSize, interval: ep.interval };
}

/**
 * Describes one CCID interface candidate.
 * @throws {DescriptorError} only if the class descriptor cannot be parsed (it was checked to be 54 bytes).
 */
export function describeCcidInterface(
  candidate: CcidInterfaceCandidate,
  interfaceString: StringEntry,
  clockFrequencies: ClassRequestResult,
  dataRates: ClassRequestResult,
): CcidInterfaceDescription {
  const itf = candidate.descriptor;
  const ccid = parseCcidClassDescriptor(candidate.classDescriptor.raw, candidate.classDescriptor.offset);
  const warnings: string[] = [];
  const kind: InterfaceKind = itf.interfaceProtocol === 1 ? 'iccd-a' : itf.interfaceProtocol === 2 ? 'iccd-b' : 'ccid';
  if (itf.interfaceProtocol > 2) warnings.push(`bInterfaceProtocol ${itf.interfaceProtocol} is not CCID (0) or ICCD (1, 2); treated as CCID`);
  if (itf.interfaceClass === USB_CLASS_VENDOR_SPEC) warnings.push('bInterfaceClass 0xFF (vendor specific) carrying a CCID class descriptor');
  if (itf.interfaceSubClass !== 0) warnings.push(`bInterfaceSubClass ${itf.interfaceSubClass} (CCID defines 0)`);
  if (ccid.descriptorType === CCID_DT_PROPRIETARY) warnings.push('CCID class descriptor has the proprietary bDescriptorType 0xFF');
  if (candidate.placement === 'after-endpoints') warnings.push('CCID class descriptor follows the endpoint descriptors (not CCID 1.1 §5.1 order)');
  const endpoints: CcidEndpoints = {
    ...optional('bulkIn', endpointOf(itf.endpoints, 'bulk', 'in')),
    ...optional('bulkOut', endpointOf(itf.endpoints, 'bulk', 'out')),
    ...optional('interruptIn', endpointOf(itf.endpoints, 'interrupt', 'in')),
  };
  if (kind === 'ccid' && (endpoints.bulkIn === undefined || endpoints.bulkOut === undefined)) warnings.push('CCID interface without a bulk-IN and a bulk-OUT endpoint');
  if (kind === 'iccd-a' && itf.endpoints.length > 0) warnings.push(`ICCD version A interface with ${itf.endpoints.length} endpoints (control transfers only)`);
  if (kind === 'iccd-b' && itf.endpoints.length > 1) warnings.push(`ICCD version B interface with ${itf.endpoints.length} endpoints (at most an interrupt-IN)`);
  if (ccid.features.exchangeLevelAmbiguous) warnings.push(`dwFeatures 0x${hex8(ccid.features.value)} sets several exchange levels; using ${ccid.features.exchangeLevel}`);
  const slotCount = ccid.maxSlotIndex + 1;
  const maxBusySlots = Math.min(Math.max(ccid.maxCcidBusySlots, 1), slotCount);
  const maxBusySlotsClamped = maxBusySlots !== ccid.maxCcidBusySlots;
  if (maxBusySlotsClamped) warnings.push(`bMaxCCIDBusySlots ${ccid.maxCcidBusySlots} is outside 1..${slotCount}; using ${maxBusySlots}`);
  return {
    interfaceNumber: itf.interfaceNumber,
    alternateSetting: itf.alternateSetting,
    interfaceClass: itf.interfaceClass,
    interfaceSubClass: itf.interfaceSubClass,
    interfaceProtocol: itf.interfaceProtocol,
    kind,
    interfaceStringIndex: itf.interfaceIndex,
    interfaceString,
    descriptor: itf,
    ccid,
    classDescriptorOffset: candidate.classDescriptor.offset,
    classDescriptorPlacement: candidate.placement,
    endpoints,
    clockFrequencies,
    dataRates,
    slotCount,
    maxBusySlots,
    maxBusySlotsClamped,
    exchangeLevel: ccid.features.exchangeLevel,
    warnings,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

const LEVEL_NAMES: Record<ExchangeLevel, string> = { character: 'character', tpdu: 'TPDU', 'short-apdu': 'short APDU', 'extended-apdu': 'extended APDU' };

function endpointText(name: string, ep: CcidEndpoint | undefined): string | undefined {
  return ep === undefined ? undefined : `${name} 0x${ep.address.toString(16).toUpperCase().padStart(2, '0')}/${ep.maxPacketSize}`;
}

/**
 * One line describing an interface, for logs and `ccid list`/`info`:
 * `interface 0 CCID: 8 slots (8 busy), TPDU, bulk-in 0x81/64, bulk-out 0x02/64, interrupt-in 0x83/8`.
 */
export function summarizeInterface(itf: CcidInterfaceDescription): string {
  const kind = itf.kind === 'ccid' ? 'CCID' : itf.kind === 'iccd-a' ? 'ICCD-A' : 'ICCD-B';
  const busy = `${itf.maxBusySlots} busy${itf.maxBusySlotsClamped ? `, bMaxCCIDBusySlots ${itf.ccid.maxCcidBusySlots} clamped` : ''}`;
  const parts = [
    `${itf.slotCount} slot${itf.slotCount === 1 ? '' : 's'} (${busy})`,
    LEVEL_NAMES[itf.exchangeLevel],
    endpointText('bulk-in', itf.endpoints.bulkIn),
    endpointText('bulk-out', itf.endpoints.bulkOut),
    endpointText('interrupt-in', itf.endpoints.interruptIn),
  ].filter((p): p is string => p !== undefined);
  return `interface ${itf.interfaceNumber} ${kind}: ${parts.join(', ')}`;
}
