/**
 * What a reader can do, in one plain object: the CCID class descriptor (CCID 1.1 §5.1,
 * Table 5.1-1) after the reader quirks that override its values, with the two class
 * requests' answers (GET_CLOCK_FREQUENCIES, GET_DATA_RATES, §5.3.2–§5.3.3) folded in.
 * This is what a resource manager shows and decides on; the raw descriptor stays
 * available as `reader.ccidInterface.ccid`.
 */
import type { CcidInterfaceDescription } from '../descriptors/ccid-interface.ts';
import type { CcidFeatures, ExchangeLevel } from '../descriptors/features.ts';
import type { ReaderParameters } from '../readers/apply.ts';
import type { Part10Feature } from './features.ts';

/** A supply voltage a reader can apply to the card, in volts (ISO/IEC 7816-3 classes A, B, C). */
export type Voltage = 5 | 3 | 1.8;

/** What a reader can do. */
export interface ReaderCapabilities {
  /** Number of slots: bMaxSlotIndex + 1. */
  readonly slots: number;
  /** How many slots may have a command in progress at once: bMaxCCIDBusySlots (clamped, after quirks). */
  readonly simultaneous: number;
  /** dwMaxCCIDMessageLength (after quirks): the largest CCID message, 10-byte header included. */
  readonly maxMessageLength: number;
  /** The exchange level in use (dwFeatures bits 16..18, after quirks). */
  readonly exchangeLevel: ExchangeLevel;
  /** bVoltageSupport: the voltages the reader can apply, highest first. */
  readonly voltages: readonly Voltage[];
  /** dwFeatures 0x08: the reader selects the voltage itself. */
  readonly automaticVoltage: boolean;
  /** dwProtocols: T=0 and/or T=1. */
  readonly protocols: readonly (0 | 1)[];
  /** Clock frequencies in kHz: dwDefaultClock, dwMaximumClock and the GET_CLOCK_FREQUENCIES list (empty when none). */
  readonly clocks: { readonly defaultKhz: number; readonly maximumKhz: number; readonly listKhz: readonly number[] };
  /** Data rates in bps: dwDataRate, dwMaxDataRate (after quirks) and the GET_DATA_RATES list (after quirks; empty = any up to the maximum). */
  readonly rates: { readonly defaultBps: number; readonly maximumBps: number; readonly listBps: readonly number[] };
  /** dwMaxIFSD (after quirks): the largest IFSD offered to T=1 cards. */
  readonly maxIfsd: number;
  /** bPINSupport (after quirks): PC_to_RDR_Secure PIN verification and modification. */
  readonly pinSupport: { readonly verify: boolean; readonly modify: boolean };
  /** wLcdLayout: the PIN pad's display, absent when it has none. */
  readonly lcd?: { readonly lines: number; readonly charactersPerLine: number };
  /** dwFeatures, every bit decoded (the descriptor's value, before quirks). */
  readonly dwFeatures: CcidFeatures;
  /** The PC/SC v2 part 10 features the reader offers (see `features.ts`). */
  readonly features: readonly Part10Feature[];
}

/** The voltages of bVoltageSupport, highest first (5 V → 3 V → 1.8 V, the class selection order). */
export function voltagesOf(itf: CcidInterfaceDescription): Voltage[] {
  const v = itf.ccid.voltageSupport;
  const out: Voltage[] = [];
  if (v.v5_0) out.push(5);
  if (v.v3_0) out.push(3);
  if (v.v1_8) out.push(1.8);
  return out;
}

/** The protocols of dwProtocols (a reader that announces none is taken as T=0, as libccid does). */
export function protocolsOf(itf: CcidInterfaceDescription): (0 | 1)[] {
  const p = itf.ccid.protocols;
  const out: (0 | 1)[] = [];
  if (p.t0) out.push(0);
  if (p.t1) out.push(1);
  return out.length === 0 ? [0] : out;
}

/** Builds the capabilities from the interface, the parameters after quirks, the class-request answers and the features. */
export function capabilitiesOf(
  itf: CcidInterfaceDescription,
  parameters: ReaderParameters,
  clocksKhz: readonly number[],
  features: readonly Part10Feature[],
): ReaderCapabilities {
  const ccid = itf.ccid;
  const lcd = ccid.lcdLayout.value === 0 ? undefined : { lines: ccid.lcdLayout.lines, charactersPerLine: ccid.lcdLayout.charactersPerLine };
  return {
    slots: itf.slotCount,
    simultaneous: Math.min(Math.max(parameters.maxBusySlots, 1), itf.slotCount),
    maxMessageLength: parameters.maxMessageLength,
    exchangeLevel: parameters.exchangeLevel,
    voltages: voltagesOf(itf),
    automaticVoltage: ccid.features.automaticVoltageSelection,
    protocols: protocolsOf(itf),
    clocks: { defaultKhz: ccid.defaultClockKhz, maximumKhz: ccid.maximumClockKhz, listKhz: [...clocksKhz] },
    rates: { defaultBps: ccid.dataRate, maximumBps: parameters.maxDataRate, listBps: [...(parameters.dataRates ?? [])] },
    maxIfsd: parameters.maxIfsd,
    pinSupport: { verify: (parameters.pinSupport & 0x01) !== 0, modify: (parameters.pinSupport & 0x02) !== 0 },
    ...(lcd === undefined ? {} : { lcd }),
    dwFeatures: ccid.features,
    features,
  };
}
