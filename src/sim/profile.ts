/**
 * A reader profile: what an emulated reader is, taken from a descriptor fixture
 * (`descriptors/*.desc`). The emulator walks the configuration bytes itself (it does not
 * use `src/descriptors/`) and keeps only what it needs to behave: the CCID class
 * descriptor fields (CCID 1.1 §5.1), the endpoints of each CCID interface, and the
 * recorded answers to GET_CLOCK_FREQUENCIES / GET_DATA_RATES.
 */
import { FixtureError } from '../errors.ts';
import type { DescriptorFixture, FixtureAnswer } from '../fixtures/desc-file.ts';
import { FEATURE_LEVEL_EXTENDED_APDU, FEATURE_LEVEL_MASK, FEATURE_LEVEL_SHORT_APDU, FEATURE_LEVEL_TPDU } from './spec.ts';

/** Exchange level of a CCID function, from dwFeatures (CCID 1.1 §5.1). */
export type ExchangeLevel = 'character' | 'tpdu' | 'short-apdu' | 'extended-apdu';

/** The CCID class descriptor fields (CCID 1.1 §5.1, Table 5.1-1), as the device declares them. */
export interface CcidClassFields {
  /** bcdCCID, e.g. 0x0110. */
  readonly bcdCCID: number;
  /** Highest slot index (slots = bMaxSlotIndex + 1). */
  readonly bMaxSlotIndex: number;
  /** Bit 0: 5 V, bit 1: 3 V, bit 2: 1.8 V. */
  readonly bVoltageSupport: number;
  /** Bit 0: T=0, bit 1: T=1. */
  readonly dwProtocols: number;
  /** Default ICC clock, kHz. */
  readonly dwDefaultClock: number;
  /** Maximum ICC clock, kHz. */
  readonly dwMaximumClock: number;
  /** Number of clock frequencies GET_CLOCK_FREQUENCIES lists (0: only the default). */
  readonly bNumClockSupported: number;
  /** Default data rate, bps. */
  readonly dwDataRate: number;
  /** Maximum data rate, bps. */
  readonly dwMaxDataRate: number;
  /** Number of data rates GET_DATA_RATES lists. */
  readonly bNumDataRatesSupported: number;
  /** Maximum IFSD for T=1. */
  readonly dwMaxIFSD: number;
  /** Synchronous protocols supported. */
  readonly dwSynchProtocols: number;
  /** Mechanical features (0: none). */
  readonly dwMechanical: number;
  /** Feature bits, including the exchange level. */
  readonly dwFeatures: number;
  /** Largest bulk message, header included. */
  readonly dwMaxCCIDMessageLength: number;
  /** Class byte of the reader's own GET RESPONSE (0xFF: echoes the APDU class). */
  readonly bClassGetResponse: number;
  /** Class byte of the reader's own ENVELOPE. */
  readonly bClassEnvelope: number;
  /** LCD lines and characters per line (0: no LCD). */
  readonly wLcdLayout: number;
  /** Bit 0: PIN verification, bit 1: PIN modification. */
  readonly bPINSupport: number;
  /** How many slots may be busy at the same time. */
  readonly bMaxCCIDBusySlots: number;
}

/** One endpoint of a CCID interface. */
export interface EndpointInfo {
  /** WebUSB endpoint number (address without the direction bit). */
  readonly number: number;
  /** wMaxPacketSize. */
  readonly maxPacketSize: number;
  /** Byte offset of the endpoint descriptor in the configuration descriptor. */
  readonly offset: number;
}

/** One CCID interface (a "function") of the device. */
export interface CcidFunctionProfile {
  /** bInterfaceNumber. */
  readonly interfaceNumber: number;
  /** bInterfaceClass (0x0B, or 0xFF for readers with a proprietary class). */
  readonly interfaceClass: number;
  /** bInterfaceProtocol: 0 CCID, 1 ICCD version A, 2 ICCD version B. */
  readonly interfaceProtocol: number;
  /** The class descriptor fields. */
  readonly ccid: CcidClassFields;
  /** Slot count (bMaxSlotIndex + 1). */
  readonly slotCount: number;
  /** bMaxCCIDBusySlots clamped to 1..slotCount (a few fixtures declare 0). */
  readonly maxBusySlots: number;
  /** Exchange level from dwFeatures. */
  readonly exchangeLevel: ExchangeLevel;
  /** Bulk-IN endpoint, when present. */
  readonly bulkIn?: EndpointInfo | undefined;
  /** Bulk-OUT endpoint, when present. */
  readonly bulkOut?: EndpointInfo | undefined;
  /** Interrupt-IN endpoint, when present. */
  readonly interruptIn?: EndpointInfo | undefined;
  /** GET_CLOCK_FREQUENCIES answer recorded for this interface (missing: the device STALLs). */
  readonly clockFrequencies?: FixtureAnswer | undefined;
  /** GET_DATA_RATES answer recorded for this interface. */
  readonly dataRates?: FixtureAnswer | undefined;
}

/** A whole emulated device. */
export interface ReaderProfile {
  /** Registry name, or the fixture's first comment when loaded from a fixture. */
  readonly name: string;
  /** The fixture the device serves its descriptors from. */
  readonly fixture: DescriptorFixture;
  /** idVendor. */
  readonly vendorId: number;
  /** idProduct. */
  readonly productId: number;
  /** iManufacturer's text, when the device has one. */
  readonly manufacturerName?: string | undefined;
  /** iProduct's text. */
  readonly productName?: string | undefined;
  /** bConfigurationValue of the (only) configuration. */
  readonly configurationValue: number;
  /** Every interface number in the configuration (CCID or not). */
  readonly interfaceNumbers: readonly number[];
  /** The CCID interfaces, in configuration order. */
  readonly functions: readonly CcidFunctionProfile[];
}

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Reads the 54-byte class descriptor at `o` (offsets as in CCID 1.1 Table 5.1-1). */
function readClassFields(b: Uint8Array, o: number): CcidClassFields {
  return {
    bcdCCID: u16(b, o + 2),
    bMaxSlotIndex: b[o + 4]!,
    bVoltageSupport: b[o + 5]!,
    dwProtocols: u32(b, o + 6),
    dwDefaultClock: u32(b, o + 10),
    dwMaximumClock: u32(b, o + 14),
    bNumClockSupported: b[o + 18]!,
    dwDataRate: u32(b, o + 19),
    dwMaxDataRate: u32(b, o + 23),
    bNumDataRatesSupported: b[o + 27]!,
    dwMaxIFSD: u32(b, o + 28),
    dwSynchProtocols: u32(b, o + 32),
    dwMechanical: u32(b, o + 36),
    dwFeatures: u32(b, o + 40),
    dwMaxCCIDMessageLength: u32(b, o + 44),
    bClassGetResponse: b[o + 48]!,
    bClassEnvelope: b[o + 49]!,
    wLcdLayout: u16(b, o + 50),
    bPINSupport: b[o + 52]!,
    bMaxCCIDBusySlots: b[o + 53]!,
  };
}

/** The exchange level dwFeatures declares (CCID 1.1 §5.1: bits 16..18, none = character). */
export function exchangeLevelOf(dwFeatures: number): ExchangeLevel {
  const level = dwFeatures & FEATURE_LEVEL_MASK;
  if (level & FEATURE_LEVEL_EXTENDED_APDU) return 'extended-apdu';
  if (level & FEATURE_LEVEL_SHORT_APDU) return 'short-apdu';
  if (level & FEATURE_LEVEL_TPDU) return 'tpdu';
  return 'character';
}

interface PendingInterface {
  number: number;
  cls: number;
  protocol: number;
  classOffset: number;
  bulkIn?: EndpointInfo;
  bulkOut?: EndpointInfo;
  interruptIn?: EndpointInfo;
}

/** USB descriptor types (USB 2.0 §9.4, Table 9-5) and the CCID functional descriptor. */
const DT_CONFIGURATION = 2;
const DT_INTERFACE = 4;
const DT_ENDPOINT = 5;
const DT_CCID = 0x21;
/** A few readers (dump: "PROPRIETARY bDescriptorType") give the class descriptor type 0xFF. */
const DT_CCID_PROPRIETARY = 0xff;
const CCID_CLASS_DESCRIPTOR_LENGTH = 0x36;

/**
 * Builds a profile from a fixture: the device identity, and each interface that has a
 * 54-byte CCID class descriptor (anywhere between its interface descriptor and the next
 * one: four readers put it after their endpoints).
 * @throws {FixtureError} when the descriptors cannot be walked or hold no CCID interface.
 */
export function profileFromFixture(fixture: DescriptorFixture, name?: string): ReaderProfile {
  const dev = fixture.device;
  if (dev.length < 18 || dev[1] !== 1) throw new FixtureError('device descriptor is not 18 bytes of type 1');
  const cfg = fixture.configuration;
  if (cfg.length < 9 || cfg[1] !== DT_CONFIGURATION) throw new FixtureError('configuration descriptor does not start with a configuration header');
  const interfaces: PendingInterface[] = [];
  const interfaceNumbers: number[] = [];
  let current: PendingInterface | undefined;
  for (let o = 0; o < cfg.length; ) {
    const len = cfg[o]!;
    if (len < 2 || o + len > cfg.length) throw new FixtureError(`configuration: descriptor at offset ${o} has bad length ${len}`);
    const type = cfg[o + 1]!;
    if (type === DT_INTERFACE && len >= 9) {
      current = { number: cfg[o + 2]!, cls: cfg[o + 5]!, protocol: cfg[o + 7]!, classOffset: -1 };
      interfaces.push(current);
      if (!interfaceNumbers.includes(current.number)) interfaceNumbers.push(current.number);
    } else if ((type === DT_CCID || type === DT_CCID_PROPRIETARY) && len === CCID_CLASS_DESCRIPTOR_LENGTH && current !== undefined) {
      current.classOffset = o;
    } else if (type === DT_ENDPOINT && len >= 7 && current !== undefined) {
      const address = cfg[o + 2]!;
      const info: EndpointInfo = { number: address & 0x0f, maxPacketSize: u16(cfg, o + 4) & 0x7ff, offset: o };
      const transfer = cfg[o + 3]! & 0x03;
      const isIn = (address & 0x80) !== 0;
      if (transfer === 2 && isIn) current.bulkIn ??= info;
      else if (transfer === 2) current.bulkOut ??= info;
      else if (transfer === 3 && isIn) current.interruptIn ??= info;
    }
    o += len;
  }
  const functions: CcidFunctionProfile[] = [];
  for (const itf of interfaces) {
    if (itf.classOffset < 0) continue;
    const ccid = readClassFields(cfg, itf.classOffset);
    const slotCount = ccid.bMaxSlotIndex + 1;
    functions.push({
      interfaceNumber: itf.number,
      interfaceClass: itf.cls,
      interfaceProtocol: itf.protocol,
      ccid,
      slotCount,
      maxBusySlots: Math.min(slotCount, Math.max(1, ccid.bMaxCCIDBusySlots)),
      exchangeLevel: exchangeLevelOf(ccid.dwFeatures),
      bulkIn: itf.bulkIn,
      bulkOut: itf.bulkOut,
      interruptIn: itf.interruptIn,
      clockFrequencies: fixture.clockFrequencies.get(itf.number),
      dataRates: fixture.dataRates.get(itf.number),
    });
  }
  if (functions.length === 0) throw new FixtureError('fixture has no interface with a CCID class descriptor');
  const manufacturerName = dev[14] === 0 ? undefined : fixture.strings.get(dev[14]!);
  const productName = dev[15] === 0 ? undefined : fixture.strings.get(dev[15]!);
  const vendorId = u16(dev, 8);
  const productId = u16(dev, 10);
  const label = name ?? fixture.comments.find((c) => c.startsWith('profile: '))?.slice(9) ?? productName ?? `${vendorId.toString(16).padStart(4, '0')}:${productId.toString(16).padStart(4, '0')}`;
  return { name: label, fixture, vendorId, productId, manufacturerName, productName, configurationValue: cfg[5]!, interfaceNumbers, functions };
}

/** The values of a GET_CLOCK_FREQUENCIES / GET_DATA_RATES answer (4 bytes LE each), when it is data. */
export function answerValues(answer: FixtureAnswer | undefined): number[] {
  if (answer === undefined || answer.kind !== 'data') return [];
  const out: number[] = [];
  for (let o = 0; o + 4 <= answer.bytes.length; o += 4) out.push(u32(answer.bytes, o));
  return out;
}
