/**
 * Reader quirks as data: what a reader does that the CCID 1.1 specification does not
 * let a driver expect, and what the library does about it. The table lives in
 * `readers/quirks.ts` (facts gathered from libccid's reader-specific code, QEMU's
 * `usb-ccid` device and real captures); this module only defines its shape.
 *
 * Each kind below documents what the library must do when a reader has it. Nothing in
 * the library compares a VID:PID: the engine and the ISO 7816 glue ask
 * {@link quirksFor} and act on the kinds they get. Every quirk carries a `reason`
 * (the reader behaviour, in plain words) and, where it came from another project, a
 * `source` naming the file or commit that states the fact.
 */

import type { ExchangeLevel } from '../descriptors/features.ts';

/** CCID 1.1 §5.1 dwFeatures bits 16..18: the level at which the reader exchanges (the descriptor module's type). */
export type { ExchangeLevel };

/** What every quirk carries. */
interface QuirkBase {
  /** The reader behaviour that makes the quirk necessary, in plain words. */
  readonly reason: string;
  /** Where the fact comes from (libccid file and function, commit, capture...). */
  readonly source?: string;
}

/**
 * The reader does not exchange at the level dwFeatures announces. The library uses
 * `level` instead of the descriptor's (only when the descriptor announces `onlyFrom`,
 * if given) to choose TPDU/APDU handling, chaining and the maximum APDU size.
 */
export interface ExchangeLevelQuirk extends QuirkBase {
  readonly kind: 'exchangeLevel';
  readonly level: ExchangeLevel;
  readonly onlyFrom?: ExchangeLevel;
}

/**
 * bPINSupport is wrong or the PIN pad is unsafe: treat bPINSupport as 0 (no
 * PC_to_RDR_Secure, no PIN pad feature offered to callers).
 */
export interface DisablePinPadQuirk extends QuirkBase {
  readonly kind: 'disablePinPad';
}

/** The firmware needs time after the interface is claimed: wait `ms` before the first command. */
export interface OpenDelayQuirk extends QuirkBase {
  readonly kind: 'openDelay';
  readonly ms: number;
}

/**
 * The reader answers slowly: wait at least `ms` for a response (bulk-IN) before
 * declaring a timeout. `phase: 'open'` applies to the commands sent while opening the
 * reader (GetSlotStatus of each slot); `'always'` to every command.
 */
export interface ResponseTimeoutQuirk extends QuirkBase {
  readonly kind: 'responseTimeout';
  readonly ms: number;
  readonly phase: 'open' | 'always';
}

/** Add `ms` to the card-derived timeout of every exchange (under `protocol` only, if given). */
export interface ExtraCardTimeoutQuirk extends QuirkBase {
  readonly kind: 'extraCardTimeout';
  readonly ms: number;
  readonly protocol?: 'T=0' | 'T=1';
}

/**
 * The reader cannot use every data rate its descriptor allows: cap dwMaxDataRate at
 * `maxBps` and, when `rates` is given, use only those rates (PPS / SetParameters
 * choose among them). `slots: 'secondary'` limits slots 1..bMaxSlotIndex only.
 */
export interface DataRateLimitQuirk extends QuirkBase {
  readonly kind: 'dataRateLimit';
  readonly maxBps: number;
  readonly rates?: readonly number[];
  readonly slots: 'all' | 'secondary';
}

/** dwMaxIFSD is wrong: use `value` as the IFSD offered to T=1 cards (ISO 7816-3 §11.4.2). */
export interface MaxIfsdQuirk extends QuirkBase {
  readonly kind: 'maxIfsd';
  readonly value: number;
}

/**
 * The reader (or its firmware) fails on the T=1 S(IFS request) the host sends at
 * start-up: behave as if dwFeatures had "automatic IFSD exchange" (0x00000400), i.e.
 * do not send it.
 */
export interface SkipIfsdNegotiationQuirk extends QuirkBase {
  readonly kind: 'skipIfsdNegotiation';
}

/**
 * The CCID class descriptor (type 0x21) follows the interface's endpoint descriptors
 * instead of the interface descriptor. The descriptor parser finds it there anyway;
 * the quirk documents that this is expected for the reader (not a malformed device).
 */
export interface ClassDescriptorAfterEndpointsQuirk extends QuirkBase {
  readonly kind: 'classDescriptorAfterEndpoints';
}

/** bMaxCCIDBusySlots is bogus (0, or more than the slot count): use `value`. */
export interface BusySlotsQuirk extends QuirkBase {
  readonly kind: 'busySlots';
  readonly value: number;
}

/**
 * dwMaxCCIDMessageLength is wrong: use `value` (only when the descriptor announces
 * `announced`, if given) to bound commands and responses.
 */
export interface MaxMessageLengthQuirk extends QuirkBase {
  readonly kind: 'maxMessageLength';
  readonly value: number;
  readonly announced?: number;
}

/**
 * This firmware (the entry's bcdDevice condition) is known not to work: the reader is
 * not used unless the caller explicitly allows bogus firmware; `reason` says what breaks.
 */
export interface BogusFirmwareQuirk extends QuirkBase {
  readonly kind: 'bogusFirmware';
}

/**
 * Zero-length packets on bulk-IN that are not part of a message. `'stray'`: ZLPs
 * may arrive between messages at any time; `'afterFullPacketMessage'`: a ZLP follows
 * a message whose length is a multiple of wMaxPacketSize when the host reads one
 * packet at a time. The bulk-IN reassembler must skip a ZLP received between
 * messages, never treat it as a message or an error.
 */
export interface ZeroLengthPacketsQuirk extends QuirkBase {
  readonly kind: 'zeroLengthPackets';
  readonly habit: 'stray' | 'afterFullPacketMessage';
}

/**
 * The reader mishandles a bulk-OUT message whose length is a multiple of
 * wMaxPacketSize (the transfer then ends with a zero-length packet): at character
 * level, split the exchange so that no command has such a length.
 */
export interface AvoidFullPacketCommandsQuirk extends QuirkBase {
  readonly kind: 'avoidFullPacketCommands';
}

/**
 * The reader returns one RDR_to_PC message in several bulk-IN transfers (short
 * packets in the middle): keep reading until 10 + dwLength bytes arrived. The
 * reassembler always does this; the quirk records that it happens on this reader.
 */
export interface FragmentedResponsesQuirk extends QuirkBase {
  readonly kind: 'fragmentedResponses';
}

/**
 * The device has several CCID interfaces that must not work at the same time: one
 * command in flight across all of them, with one bSeq counter for the device.
 */
export interface SerializeInterfacesQuirk extends QuirkBase {
  readonly kind: 'serializeInterfaces';
}

/**
 * The reader reports a present card as active (bmICCStatus 0) before any
 * PC_to_RDR_IccPowerOn: the library must not take "active" at open as "powered by
 * us"; it powers the card on (or off then on) before the first exchange.
 */
export interface CardActiveBeforePowerOnQuirk extends QuirkBase {
  readonly kind: 'cardActiveBeforePowerOn';
}

/** Do not send PPS: keep the card's default protocol and Fi/Di (ISO 7816-3 §9). */
export interface NoPpsQuirk extends QuirkBase {
  readonly kind: 'noPps';
}

/** Send PC_to_RDR_IccPowerOff before every PC_to_RDR_IccPowerOn (cold reset from scratch). */
export interface PowerOffBeforePowerOnQuirk extends QuirkBase {
  readonly kind: 'powerOffBeforePowerOn';
}

/**
 * When PC_to_RDR_IccPowerOn fails with bError `bError`, send PC_to_RDR_Escape with
 * `escape` (hex) and retry the power-on once.
 */
export interface PowerOnRetryEscapeQuirk extends QuirkBase {
  readonly kind: 'powerOnRetryEscape';
  readonly bError: number;
  readonly escape: string;
}

/**
 * When PC_to_RDR_SetParameters fails for T=1, reset the card twice (cold, then warm)
 * and continue without SetParameters instead of failing.
 */
export interface SetParametersFallbackQuirk extends QuirkBase {
  readonly kind: 'setParametersFallback';
}

/**
 * PC_to_RDR_GetSlotStatus does not report card presence reliably: assume a card is
 * present until a power-on fails, then report it absent.
 */
export interface NoSlotStatusQuirk extends QuirkBase {
  readonly kind: 'noSlotStatus';
}

/** USB autosuspend breaks the reader: the udev rule must not enable autosuspend for it. */
export interface KeepAutosuspendOffQuirk extends QuirkBase {
  readonly kind: 'keepAutosuspendOff';
}

/** The device first appears in another mode and needs a vendor mode switch to show its CCID interface. */
export interface ModeSwitchQuirk extends QuirkBase {
  readonly kind: 'modeSwitch';
}

/** Force bEntryValidationCondition (PC_to_RDR_Secure, CCID 1.1 §6.1.11) to `value`. */
export interface PinEntryValidationQuirk extends QuirkBase {
  readonly kind: 'pinEntryValidation';
  readonly value: number;
}

/**
 * Rewrite bNumberMessage of a PIN `operation` (CCID 1.1 §6.1.11.7/8) to `value`
 * (only when the caller gave `onlyWhen`, if set). `zeroMessageIndexes` sends all three
 * bMsgIndex fields as 0. `frameValue` is what goes in the CCID frame afterwards
 * (`'original'`: the caller's value), when it differs from `value`.
 */
export interface PinMessageCountQuirk extends QuirkBase {
  readonly kind: 'pinMessageCount';
  readonly operation: 'verify' | 'modify';
  readonly value: number;
  readonly onlyWhen?: number;
  readonly zeroMessageIndexes?: boolean;
  readonly frameValue?: number | 'original';
}

/** Wait `ms` before each PIN verification (the Enter key may still be pressed). */
export interface PinDelayQuirk extends QuirkBase {
  readonly kind: 'pinDelay';
  readonly ms: number;
}

/** The two bytes of wPINMaxExtraDigit are swapped by the firmware: send them swapped. */
export interface PinSwapMaxExtraDigitQuirk extends QuirkBase {
  readonly kind: 'pinSwapMaxExtraDigit';
}

/**
 * Before a PIN verification of a case 1 APDU with bmPINBlockString 0, send
 * PC_to_RDR_Escape `escape` (hex) so that the PIN is appended without padding.
 */
export interface PinCase1EscapeQuirk extends QuirkBase {
  readonly kind: 'pinCase1Escape';
  readonly escape: string;
}

/** PIN properties to report (PC/SC v2 part 10 GET_TLV_PROPERTIES / IFD_PIN_PROPERTIES). */
export interface PinPropertiesQuirk extends QuirkBase {
  readonly kind: 'pinProperties';
  readonly minPinSize?: number;
  readonly maxPinSize?: number;
  readonly entryValidation?: number;
}

/**
 * PC_to_RDR_Escape commands that may be sent without the caller's explicit
 * opt-in. `commands`: hex patterns, `XX` any byte; absent: any escape command.
 */
export interface EscapeAllowedQuirk extends QuirkBase {
  readonly kind: 'escapeAllowed';
  readonly commands?: readonly string[];
}

/**
 * A vendor initialisation to run after open: `gemaltoFirmwareFeatures` sends escape
 * 0x6A (GET_FIRMWARE_FEATURES) and keeps the answer (PIN sizes, validation
 * conditions, fixed bugs); `gemaltoPinpadStrings` loads the localized PIN-pad
 * prompts (escape B2 A0 00 4D 4C + ten 16-character strings, after a 1 s pause).
 */
export interface VendorInitQuirk extends QuirkBase {
  readonly kind: 'vendorInit';
  readonly procedure: 'gemaltoFirmwareFeatures' | 'gemaltoPinpadStrings';
}

/** The reader accepts MCT universal commands (PC/SC v2 part 10 FEATURE_MCT_READER_DIRECT). */
export interface MctReaderDirectQuirk extends QuirkBase {
  readonly kind: 'mctReaderDirect';
}

/** One reader quirk. Discriminated by `kind`; see each member for what the library does. */
export type Quirk =
  | ExchangeLevelQuirk
  | DisablePinPadQuirk
  | OpenDelayQuirk
  | ResponseTimeoutQuirk
  | ExtraCardTimeoutQuirk
  | DataRateLimitQuirk
  | MaxIfsdQuirk
  | SkipIfsdNegotiationQuirk
  | ClassDescriptorAfterEndpointsQuirk
  | BusySlotsQuirk
  | MaxMessageLengthQuirk
  | BogusFirmwareQuirk
  | ZeroLengthPacketsQuirk
  | AvoidFullPacketCommandsQuirk
  | FragmentedResponsesQuirk
  | SerializeInterfacesQuirk
  | CardActiveBeforePowerOnQuirk
  | NoPpsQuirk
  | PowerOffBeforePowerOnQuirk
  | PowerOnRetryEscapeQuirk
  | SetParametersFallbackQuirk
  | NoSlotStatusQuirk
  | KeepAutosuspendOffQuirk
  | ModeSwitchQuirk
  | PinEntryValidationQuirk
  | PinMessageCountQuirk
  | PinDelayQuirk
  | PinSwapMaxExtraDigitQuirk
  | PinCase1EscapeQuirk
  | PinPropertiesQuirk
  | EscapeAllowedQuirk
  | VendorInitQuirk
  | MctReaderDirectQuirk;

/** The `kind` of any quirk. */
export type QuirkKind = Quirk['kind'];

/**
 * Which devices an entry applies to: a vendor (every product when `pid` is absent), a
 * product, and optionally a firmware (bcdDevice, BCD as in the device descriptor:
 * 0x0200 is 2.00) exactly or below a version.
 */
export interface QuirkMatch {
  /** idVendor. */
  readonly vid: number;
  /** idProduct; absent: every product of the vendor. */
  readonly pid?: number;
  /** bcdDevice: exactly this value, or any value below `below`. */
  readonly bcdDevice?: number | { readonly below: number };
}

/** One entry of the quirk table: a match, a human label, and the quirks it gives. */
export interface QuirkEntry {
  readonly match: QuirkMatch;
  /** Reader model (and libccid's identifier for it, where it has one). */
  readonly label: string;
  readonly quirks: readonly Quirk[];
}
