/**
 * Applying quirks: the reader parameters the engine uses after the quirks that
 * override descriptor values, a one-line description of every quirk, and the verdict
 * whether a reader is used by default.
 *
 * Quirks that change behaviour rather than a value (power-on retries, PIN structure
 * fixes, ZLP habits...) are not applied here: the engine and the ISO 7816 glue look
 * for their kind in the list {@link quirksFor} returns.
 */
import type { CcidInterfaceDescription } from '../descriptors/ccid-interface.ts';
import type { ExchangeLevel, Quirk } from './quirk.ts';
import { lookupReader, type ReaderListing } from './list.ts';
import { quirksFor } from './quirks.ts';

/** The descriptor values that quirks may override (CCID 1.1 §5.1). */
export interface ReaderParameters {
  /** Exchange level from dwFeatures bits 16..18. */
  readonly exchangeLevel: ExchangeLevel;
  /** bPINSupport: bit 0 PIN verification, bit 1 PIN modification. */
  readonly pinSupport: number;
  /** dwMaxDataRate, in bps. */
  readonly maxDataRate: number;
  /** The GET_DATA_RATES answer in bps, when the reader gave one. */
  readonly dataRates?: readonly number[] | undefined;
  /** dwMaxIFSD, in bytes. */
  readonly maxIfsd: number;
  /** dwFeatures 0x00000400: automatic IFSD exchange as first T=1 exchange. */
  readonly autoIfsdExchange: boolean;
  /** bMaxCCIDBusySlots. */
  readonly maxBusySlots: number;
  /** dwMaxCCIDMessageLength, in bytes (header included). */
  readonly maxMessageLength: number;
}

/** The parameters an interface's descriptors state (bMaxCCIDBusySlots as clamped by the descriptor layer). */
export function parametersFromInterface(itf: CcidInterfaceDescription): ReaderParameters {
  return {
    exchangeLevel: itf.exchangeLevel,
    pinSupport: itf.ccid.pinSupport.value,
    maxDataRate: itf.ccid.maxDataRate,
    dataRates: itf.dataRates.kind === 'values' ? itf.dataRates.values : undefined,
    maxIfsd: itf.ccid.maxIfsd,
    autoIfsdExchange: itf.ccid.features.automaticIfsdExchange,
    maxBusySlots: itf.maxBusySlots,
    maxMessageLength: itf.ccid.maxCcidMessageLength,
  };
}

/** One change a quirk made to the parameters. */
export interface ParameterChange {
  readonly quirk: Quirk;
  /** What changed, e.g. `exchange level TPDU → short APDU`. */
  readonly description: string;
}

const LEVEL_NAMES: Readonly<Record<ExchangeLevel, string>> = {
  character: 'character',
  tpdu: 'TPDU',
  'short-apdu': 'short APDU',
  'extended-apdu': 'extended APDU',
};

/** Human name of an exchange level (`TPDU`, `short APDU`...). */
export function exchangeLevelName(level: ExchangeLevel): string {
  return LEVEL_NAMES[level];
}

/**
 * The parameters for one slot after the value-overriding quirks (`exchangeLevel`,
 * `disablePinPad`, `dataRateLimit`, `maxIfsd`, `skipIfsdNegotiation`, `busySlots`,
 * `maxMessageLength`), with the list of changes made. `slot` matters for
 * `dataRateLimit` quirks that concern the secondary slots only (default slot 0).
 */
export function applyQuirks(
  parameters: ReaderParameters,
  quirks: readonly Quirk[],
  slot = 0,
): { parameters: ReaderParameters; changes: ParameterChange[] } {
  let p: ReaderParameters = parameters;
  const changes: ParameterChange[] = [];
  const change = (quirk: Quirk, next: ReaderParameters, description: string) => {
    p = next;
    changes.push({ quirk, description });
  };
  for (const quirk of quirks) {
    switch (quirk.kind) {
      case 'exchangeLevel':
        if (quirk.onlyFrom !== undefined && quirk.onlyFrom !== p.exchangeLevel) break;
        if (quirk.level === p.exchangeLevel) break;
        change(quirk, { ...p, exchangeLevel: quirk.level }, `exchange level ${exchangeLevelName(p.exchangeLevel)} → ${exchangeLevelName(quirk.level)}`);
        break;
      case 'disablePinPad':
        if (p.pinSupport === 0) break;
        change(quirk, { ...p, pinSupport: 0 }, `bPINSupport 0x${p.pinSupport.toString(16).padStart(2, '0').toUpperCase()} → 0x00 (no PIN pad)`);
        break;
      case 'dataRateLimit': {
        if (quirk.slots === 'secondary' && slot === 0) break;
        const maxDataRate = Math.min(p.maxDataRate, quirk.maxBps);
        const source = quirk.rates ?? p.dataRates;
        const dataRates = source?.filter((rate) => rate <= maxDataRate);
        const ratesChanged = dataRates !== undefined && (p.dataRates === undefined || dataRates.length !== p.dataRates.length || dataRates.some((r, i) => r !== p.dataRates![i]));
        if (maxDataRate === p.maxDataRate && !ratesChanged) break;
        change(quirk, { ...p, maxDataRate, dataRates }, `dwMaxDataRate ${p.maxDataRate} → ${maxDataRate} bps${ratesChanged ? ` (rates: ${dataRates!.join(', ') || 'none'})` : ''}`);
        break;
      }
      case 'maxIfsd':
        if (quirk.value === p.maxIfsd) break;
        change(quirk, { ...p, maxIfsd: quirk.value }, `dwMaxIFSD ${p.maxIfsd} → ${quirk.value}`);
        break;
      case 'skipIfsdNegotiation':
        if (p.autoIfsdExchange) break;
        change(quirk, { ...p, autoIfsdExchange: true }, 'no T=1 IFSD negotiation (as if dwFeatures had 0x00000400)');
        break;
      case 'busySlots':
        if (quirk.value === p.maxBusySlots) break;
        change(quirk, { ...p, maxBusySlots: quirk.value }, `bMaxCCIDBusySlots ${p.maxBusySlots} → ${quirk.value}`);
        break;
      case 'maxMessageLength':
        if (quirk.announced !== undefined && quirk.announced !== p.maxMessageLength) break;
        if (quirk.value === p.maxMessageLength) break;
        change(quirk, { ...p, maxMessageLength: quirk.value }, `dwMaxCCIDMessageLength ${p.maxMessageLength} → ${quirk.value}`);
        break;
      default:
        break;
    }
  }
  return { parameters: p, changes };
}

const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

/** What a quirk makes the library do, in a few words (no reason): for `ccid info` and logs. */
export function describeQuirk(quirk: Quirk): string {
  switch (quirk.kind) {
    case 'exchangeLevel':
      return `use ${exchangeLevelName(quirk.level)} level${quirk.onlyFrom === undefined ? '' : ` when ${exchangeLevelName(quirk.onlyFrom)} is announced`}`;
    case 'disablePinPad':
      return 'PIN pad disabled';
    case 'openDelay':
      return `wait ${quirk.ms} ms after open`;
    case 'responseTimeout':
      return `response timeout at least ${quirk.ms} ms${quirk.phase === 'open' ? ' while opening' : ''}`;
    case 'extraCardTimeout':
      return `${quirk.ms} ms added to card timeouts${quirk.protocol === undefined ? '' : ` (${quirk.protocol})`}`;
    case 'dataRateLimit':
      return `data rate at most ${quirk.maxBps} bps${quirk.rates === undefined ? '' : ` (${quirk.rates.join(', ')})`}${quirk.slots === 'secondary' ? ' on slots 1 and up' : ''}`;
    case 'maxIfsd':
      return `IFSD ${quirk.value}`;
    case 'skipIfsdNegotiation':
      return 'no T=1 IFSD negotiation';
    case 'classDescriptorAfterEndpoints':
      return 'CCID class descriptor after the endpoints (expected)';
    case 'busySlots':
      return `bMaxCCIDBusySlots taken as ${quirk.value}`;
    case 'maxMessageLength':
      return `dwMaxCCIDMessageLength taken as ${quirk.value}${quirk.announced === undefined ? '' : ` when ${quirk.announced} is announced`}`;
    case 'bogusFirmware':
      return 'bogus firmware: not used unless allowed';
    case 'zeroLengthPackets':
      return quirk.habit === 'stray' ? 'stray zero-length packets skipped' : 'zero-length packet after full-packet responses skipped';
    case 'avoidFullPacketCommands':
      return 'no command of a multiple of wMaxPacketSize';
    case 'fragmentedResponses':
      return 'responses split over several transfers (reassembled)';
    case 'serializeInterfaces':
      return 'one command at a time across the CCID interfaces';
    case 'cardActiveBeforePowerOn':
      return 'card reported active before power-on: power cycle before use';
    case 'noPps':
      return 'no PPS';
    case 'powerOffBeforePowerOn':
      return 'power off before each power on';
    case 'powerOnRetryEscape':
      return `on power-on bError ${hex(quirk.bError)}: escape ${quirk.escape}, retry`;
    case 'setParametersFallback':
      return 'SetParameters failure: reset twice and continue';
    case 'noSlotStatus':
      return 'card presence assumed until power-on fails';
    case 'keepAutosuspendOff':
      return 'USB autosuspend must stay off';
    case 'modeSwitch':
      return 'needs a vendor mode switch';
    case 'pinEntryValidation':
      return `bEntryValidationCondition forced to ${hex(quirk.value)}`;
    case 'pinMessageCount':
      return `PIN ${quirk.operation}: bNumberMessage ${quirk.onlyWhen === undefined ? '' : `${hex(quirk.onlyWhen)} `}→ ${hex(quirk.value)}`;
    case 'pinDelay':
      return `wait ${quirk.ms} ms before PIN entry`;
    case 'pinSwapMaxExtraDigit':
      return 'wPINMaxExtraDigit bytes swapped';
    case 'pinCase1Escape':
      return `escape ${quirk.escape} before case 1 PIN verification`;
    case 'pinProperties': {
      const parts: string[] = [];
      if (quirk.minPinSize !== undefined || quirk.maxPinSize !== undefined) parts.push(`PIN ${quirk.minPinSize ?? '?'}..${quirk.maxPinSize ?? '?'} digits`);
      if (quirk.entryValidation !== undefined) parts.push(`validation ${hex(quirk.entryValidation)}`);
      return `PIN properties: ${parts.join(', ')}`;
    }
    case 'escapeAllowed':
      return quirk.commands === undefined ? 'escape commands allowed' : `escape allowed: ${quirk.commands.join(' | ')}`;
    case 'vendorInit':
      return `vendor init: ${quirk.procedure}`;
    case 'mctReaderDirect':
      return 'MCT universal commands (FEATURE_MCT_READER_DIRECT)';
  }
}

/** What the library decides about a reader before using it. */
export interface ReaderAssessment {
  readonly listing: ReaderListing;
  readonly quirks: readonly Quirk[];
  /**
   * Why the reader is not used by default (listed unsupported, or bogus firmware);
   * absent when it is used. Such a reader is used only when the caller asks for it.
   */
  readonly notUsedBecause?: string;
}

/** Looks a reader up in the list and the quirk table and decides whether it is used by default. */
export function assessReader(vendorId: number, productId: number, bcdDevice?: number): ReaderAssessment {
  const listing = lookupReader(vendorId, productId);
  const quirks = quirksFor(vendorId, productId, bcdDevice);
  const bogus = quirks.find((q) => q.kind === 'bogusFirmware');
  if (bogus !== undefined) return { listing, quirks, notUsedBecause: bogus.reason };
  if (listing.status === 'unsupported') return { listing, quirks, notUsedBecause: listing.reason ?? 'listed as unsupported' };
  return { listing, quirks };
}
