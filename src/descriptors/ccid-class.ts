/**
 * The CCID class descriptor (CCID 1.1 §5.1, Table 5.1-1): 54 bytes, bDescriptorType 0x21
 * (0xFF on a few pre-standard readers), that say how many slots the reader has, which
 * protocols, clocks and data rates it supports, how it exchanges data (dwFeatures) and
 * how long a message may be. All multi-byte fields are little endian.
 */
import { CCID_CLASS_DESCRIPTOR_LENGTH, CCID_DT_FUNCTIONAL, CCID_DT_PROPRIETARY } from './constants.ts';
import { copy, malformed, need, u16, u32, u8 } from './bytes.ts';
import { decodeFeatures, type CcidFeatures } from './features.ts';

/** bVoltageSupport (offset 5): the voltages the reader can apply to the card. */
export interface VoltageSupport {
  /** bVoltageSupport as read. */
  readonly value: number;
  /** 01h: 5.0 V (class A). */
  readonly v5_0: boolean;
  /** 02h: 3.0 V (class B). */
  readonly v3_0: boolean;
  /** 04h: 1.8 V (class C). */
  readonly v1_8: boolean;
}

/** dwProtocols (offset 6): the card protocols the reader supports. */
export interface ProtocolSupport {
  /** dwProtocols as read. */
  readonly value: number;
  /** Bit 0: T=0. */
  readonly t0: boolean;
  /** Bit 1: T=1. */
  readonly t1: boolean;
}

/** dwSynchProtocols (offset 32): synchronous card protocols (CCID 1.1 §5.1; 2-wire, 3-wire, I2C). */
export interface SynchProtocols {
  /** dwSynchProtocols as read. */
  readonly value: number;
  /** Bit 0: 2-wire protocol. */
  readonly twoWire: boolean;
  /** Bit 1: 3-wire protocol. */
  readonly threeWire: boolean;
  /** Bit 2: I2C protocol. */
  readonly i2c: boolean;
}

/** dwMechanical (offset 36): card handling mechanisms. */
export interface Mechanical {
  /** dwMechanical as read. */
  readonly value: number;
  /** 00000001h: card accept mechanism. */
  readonly accept: boolean;
  /** 00000002h: card ejection mechanism. */
  readonly ejection: boolean;
  /** 00000004h: card capture mechanism. */
  readonly capture: boolean;
  /** 00000008h: card lock/unlock mechanism. */
  readonly lockUnlock: boolean;
}

/** wLcdLayout (offset 50): the PIN pad's display, 0 = none. */
export interface LcdLayout {
  /** wLcdLayout as read. */
  readonly value: number;
  /** High byte: number of lines. */
  readonly lines: number;
  /** Low byte: characters per line. */
  readonly charactersPerLine: number;
}

/** bPINSupport (offset 52): secure PIN entry (PC/SC part 10 through PC_to_RDR_Secure). */
export interface PinSupport {
  /** bPINSupport as read. */
  readonly value: number;
  /** 01h: PIN verification supported. */
  readonly verification: boolean;
  /** 02h: PIN modification supported. */
  readonly modification: boolean;
}

/** A parsed CCID class descriptor. Field names are camelCase; each doc gives the raw name. */
export interface CcidClassDescriptor {
  /** The 54 bytes as read. */
  readonly raw: Uint8Array;
  /** bLength: 0x36. */
  readonly length: number;
  /** bDescriptorType: 0x21, or 0xFF on some pre-standard readers. */
  readonly descriptorType: number;
  /** bcdCCID: CCID release in BCD, 0x0110 for CCID 1.1. */
  readonly ccidVersion: number;
  /** bMaxSlotIndex: highest slot number (slots are 0..bMaxSlotIndex). */
  readonly maxSlotIndex: number;
  /** bVoltageSupport. */
  readonly voltageSupport: VoltageSupport;
  /** dwProtocols. */
  readonly protocols: ProtocolSupport;
  /** dwDefaultClock: default ICC clock frequency in kHz. */
  readonly defaultClockKhz: number;
  /** dwMaximumClock: maximum ICC clock frequency in kHz. */
  readonly maximumClockKhz: number;
  /** bNumClockSupported: number of clock frequencies GET_CLOCK_FREQUENCIES returns; 0 = default and maximum only. */
  readonly numClockSupported: number;
  /** dwDataRate: default ICC I/O data rate in bps. */
  readonly dataRate: number;
  /** dwMaxDataRate: maximum ICC I/O data rate in bps. */
  readonly maxDataRate: number;
  /** bNumDataRatesSupported: number of data rates GET_DATA_RATES returns; 0 = any in the range. */
  readonly numDataRatesSupported: number;
  /** dwMaxIFSD: maximum IFSD for T=1. */
  readonly maxIfsd: number;
  /** dwSynchProtocols. */
  readonly synchProtocols: SynchProtocols;
  /** dwMechanical. */
  readonly mechanical: Mechanical;
  /** dwFeatures, every bit decoded. */
  readonly features: CcidFeatures;
  /** dwMaxCCIDMessageLength: largest message (10-byte header + data) in either direction. */
  readonly maxCcidMessageLength: number;
  /** bClassGetResponse: CLA of the GET RESPONSE the reader sends at APDU level; 0xFF = echoes the APDU's class. */
  readonly classGetResponse: number;
  /** bClassEnvelope: CLA of the ENVELOPE the reader sends at APDU level; 0xFF = echoes the APDU's class. */
  readonly classEnvelope: number;
  /** wLcdLayout. */
  readonly lcdLayout: LcdLayout;
  /** bPINSupport. */
  readonly pinSupport: PinSupport;
  /** bMaxCCIDBusySlots: how many slots may have a command in progress at once (as stated, unclamped). */
  readonly maxCcidBusySlots: number;
}

/** True when `raw` looks like a CCID class descriptor: 54 bytes, type 0x21 or 0xFF. */
export function isCcidClassDescriptor(raw: Uint8Array): boolean {
  return raw.length === CCID_CLASS_DESCRIPTOR_LENGTH && raw[0] === CCID_CLASS_DESCRIPTOR_LENGTH && (raw[1] === CCID_DT_FUNCTIONAL || raw[1] === CCID_DT_PROPRIETARY);
}

/**
 * Parses the 54-byte CCID class descriptor (byte offsets as in CCID 1.1 Table 5.1-1).
 * @param base offset of the descriptor in the configuration, for error messages.
 * @throws {DescriptorError} `CCID_ERR_DESCRIPTOR_MALFORMED` when it is not 54 bytes or
 *   bLength is not 0x36.
 */
export function parseCcidClassDescriptor(bytes: Uint8Array, base = 0): CcidClassDescriptor {
  need(bytes, 0, CCID_CLASS_DESCRIPTOR_LENGTH, 'CCID class descriptor', base);
  if (u8(bytes, 0) !== CCID_CLASS_DESCRIPTOR_LENGTH) throw malformed(`CCID class descriptor: bLength ${u8(bytes, 0)} is not 54`, base);
  const voltage = u8(bytes, 5);
  const protocols = u32(bytes, 6);
  const synch = u32(bytes, 32);
  const mechanical = u32(bytes, 36);
  const lcd = u16(bytes, 50);
  const pin = u8(bytes, 52);
  return {
    raw: copy(bytes, 0, CCID_CLASS_DESCRIPTOR_LENGTH),
    length: u8(bytes, 0),
    descriptorType: u8(bytes, 1),
    ccidVersion: u16(bytes, 2),
    maxSlotIndex: u8(bytes, 4),
    voltageSupport: { value: voltage, v5_0: (voltage & 0x01) !== 0, v3_0: (voltage & 0x02) !== 0, v1_8: (voltage & 0x04) !== 0 },
    protocols: { value: protocols, t0: (protocols & 0x01) !== 0, t1: (protocols & 0x02) !== 0 },
    defaultClockKhz: u32(bytes, 10),
    maximumClockKhz: u32(bytes, 14),
    numClockSupported: u8(bytes, 18),
    dataRate: u32(bytes, 19),
    maxDataRate: u32(bytes, 23),
    numDataRatesSupported: u8(bytes, 27),
    maxIfsd: u32(bytes, 28),
    synchProtocols: { value: synch, twoWire: (synch & 0x01) !== 0, threeWire: (synch & 0x02) !== 0, i2c: (synch & 0x04) !== 0 },
    mechanical: {
      value: mechanical,
      accept: (mechanical & 0x01) !== 0,
      ejection: (mechanical & 0x02) !== 0,
      capture: (mechanical & 0x04) !== 0,
      lockUnlock: (mechanical & 0x08) !== 0,
    },
    features: decodeFeatures(u32(bytes, 40)),
    maxCcidMessageLength: u32(bytes, 44),
    classGetResponse: u8(bytes, 48),
    classEnvelope: u8(bytes, 49),
    lcdLayout: { value: lcd, lines: lcd >> 8, charactersPerLine: lcd & 0xff },
    pinSupport: { value: pin, verification: (pin & 0x01) !== 0, modification: (pin & 0x02) !== 0 },
    maxCcidBusySlots: u8(bytes, 53),
  };
}
