/**
 * dwFeatures of the CCID class descriptor (CCID 1.1 §5.1, Table 5.1-1, offset 40), every
 * bit decoded, and the exchange level it implies: what the host sends in
 * PC_to_RDR_XfrBlock (characters, TPDUs, or short/extended APDUs).
 */

/** The level at which the reader exchanges data with the host (dwFeatures bits 16..18). */
export type ExchangeLevel = 'character' | 'tpdu' | 'short-apdu' | 'extended-apdu';

/** One defined dwFeatures bit. */
export interface FeatureBit {
  /** The bit's value, e.g. 0x00000002. */
  readonly mask: number;
  /** The field of {@link CcidFeatures} it sets. */
  readonly key: FeatureFlag;
  /** The spec's wording (CCID 1.1 Table 5.1-1; ICCD 1.0 §4.1 for the token bit). */
  readonly description: string;
}

/** Names of the boolean flags of {@link CcidFeatures}. */
export type FeatureFlag =
  | 'automaticParameterConfiguration'
  | 'automaticActivation'
  | 'automaticVoltageSelection'
  | 'automaticClockChange'
  | 'automaticBaudRateChange'
  | 'automaticParameterNegotiation'
  | 'automaticPps'
  | 'clockStop'
  | 'nadOtherThanZero'
  | 'automaticIfsdExchange'
  | 'iccdToken'
  | 'tpduLevel'
  | 'shortApduLevel'
  | 'extendedApduLevel'
  | 'usbWakeUp';

/** The defined bits, in bit order. */
export const FEATURE_BITS: readonly FeatureBit[] = [
  { mask: 0x00000002, key: 'automaticParameterConfiguration', description: 'Automatic parameter configuration based on ATR data' },
  { mask: 0x00000004, key: 'automaticActivation', description: 'Automatic activation of ICC on inserting' },
  { mask: 0x00000008, key: 'automaticVoltageSelection', description: 'Automatic ICC voltage selection' },
  { mask: 0x00000010, key: 'automaticClockChange', description: 'Automatic ICC clock frequency change according to active parameters' },
  { mask: 0x00000020, key: 'automaticBaudRateChange', description: 'Automatic baud rate change according to active parameters' },
  { mask: 0x00000040, key: 'automaticParameterNegotiation', description: 'Automatic parameters negotiation made by the CCID' },
  { mask: 0x00000080, key: 'automaticPps', description: 'Automatic PPS made by the CCID according to the active parameters' },
  { mask: 0x00000100, key: 'clockStop', description: 'CCID can set ICC in clock stop mode' },
  { mask: 0x00000200, key: 'nadOtherThanZero', description: 'NAD value other than 00 accepted (T=1 protocol in use)' },
  { mask: 0x00000400, key: 'automaticIfsdExchange', description: 'Automatic IFSD exchange as first exchange (T=1 protocol in use)' },
  { mask: 0x00000800, key: 'iccdToken', description: 'ICCD token (USB-ICC, no card insertion or removal)' },
  { mask: 0x00010000, key: 'tpduLevel', description: 'TPDU level exchanges with CCID' },
  { mask: 0x00020000, key: 'shortApduLevel', description: 'Short APDU level exchange with CCID' },
  { mask: 0x00040000, key: 'extendedApduLevel', description: 'Short and Extended APDU level exchange with CCID' },
  { mask: 0x00100000, key: 'usbWakeUp', description: 'USB Wake up signaling supported on card insertion and removal' },
];

/** dwFeatures bits 16..18: the exchange level field (libccid's CCID_CLASS_EXCHANGE_MASK). */
export const EXCHANGE_LEVEL_MASK = 0x00070000;

const DEFINED_MASK = FEATURE_BITS.reduce((acc, bit) => acc | bit.mask, 0);

/** dwFeatures, decoded. */
export type CcidFeatures = { readonly [K in FeatureFlag]: boolean } & {
  /** dwFeatures as a 32-bit unsigned number. */
  readonly value: number;
  /**
   * The exchange level. No level bit means character level (CCID 1.1 Table 5.1-1: "00000000h
   * Character level exchange"). Several level bits is invalid; the highest level wins and
   * `exchangeLevelAmbiguous` is set.
   */
  readonly exchangeLevel: ExchangeLevel;
  /** True when more than one of the bits 16..18 is set. */
  readonly exchangeLevelAmbiguous: boolean;
  /** Bits set that the spec does not define (bit 0, 12..15, 19, 21..31). */
  readonly reservedBits: number;
};

/** Decodes dwFeatures. */
export function decodeFeatures(dwFeatures: number): CcidFeatures {
  const value = dwFeatures >>> 0;
  const flags = {} as { [K in FeatureFlag]: boolean };
  for (const bit of FEATURE_BITS) flags[bit.key] = (value & bit.mask) !== 0;
  const levelBits = value & EXCHANGE_LEVEL_MASK;
  const exchangeLevel: ExchangeLevel = flags.extendedApduLevel
    ? 'extended-apdu'
    : flags.shortApduLevel
      ? 'short-apdu'
      : flags.tpduLevel
        ? 'tpdu'
        : 'character';
  return {
    ...flags,
    value,
    exchangeLevel,
    exchangeLevelAmbiguous: (levelBits & (levelBits - 1)) !== 0,
    reservedBits: (value & ~DEFINED_MASK) >>> 0,
  };
}
