/**
 * Options of a virtual card, with units and defaults, and their resolution into the
 * values the card runs with.
 */

import { ArgumentError } from '../../errors.ts';
import { fromHex } from '../../util/hex.ts';
import type { AppletFactory } from './applet.ts';
import type { ClockStop, Voltage } from './atr.ts';
import type { PpsPolicy } from './pps.ts';
import type { Edc } from './t1-block.ts';

/** A built-in applet by name, or a factory for your own (see `applet.ts`). */
export type AppletSpec = 'hello-world' | 'usim' | 'test-commands' | AppletFactory;

/** Everything that can be configured on a virtual card. */
export interface CardOptions {
  /** Label for logs and the demo. @default derived from the applets and protocols */
  readonly label?: string;
  /** Protocols offered in the ATR. @default 'both' */
  readonly protocol?: 0 | 1 | 'both';
  /** TA1 Fi (a value of ISO/IEC 7816-3 Table 7: 372, 512, 558...). TA1 is present when `fi` or `di` is set. @default 372 */
  readonly fi?: number;
  /** TA1 Di (a value of Table 8: 1, 2, 4 ... 64, 12, 20). @default 1 */
  readonly di?: number;
  /** TC1: extra guard time N, 0..255. @default 0 (TC1 absent) */
  readonly n?: number;
  /** TC2: T=0 waiting time integer WI, 1..255; omitted means TC2 absent (WI = 10). */
  readonly wi?: number;
  /** T=1 IFSC (TA3), 1..254. @default 254 */
  readonly ifsc?: number;
  /** T=1 BWI (TB3 high nibble), 0..9. @default 4 */
  readonly bwi?: number;
  /** T=1 CWI (TB3 low nibble), 0..15. @default 5 */
  readonly cwi?: number;
  /** T=1 error detection code (TC3 b1). @default 'lrc' */
  readonly edc?: Edc;
  /** Supply voltages at which the card answers; other voltages find it mute. @default [5, 3, 1.8] */
  readonly voltages?: readonly Voltage[];
  /** Announce `voltages` in a T=15 class indicator. @default true when `voltages` is given */
  readonly classIndicator?: boolean;
  /** Clock stop support in the class indicator. @default 'none' */
  readonly clockStop?: ClockStop;
  /** TA2 present: specific mode, Fi/Di from TA1 from the start, no PPS. @default false */
  readonly specificMode?: boolean;
  /** Historical bytes (bytes or hex). @default 80 58 "ccid-sim" (compact-TLV, card issuer's data) */
  readonly historicalBytes?: Uint8Array | string;
  /** A raw ATR that replaces the one built from the options (the options still drive behaviour). */
  readonly atr?: Uint8Array | string;
  /** Extended length APDUs (and ENVELOPE at T=0). @default true */
  readonly extendedLength?: boolean;
  /** Card processing time per APDU, ms. @default 1 */
  readonly processingMs?: number;
  /** Processing time of transport-only answers (GET RESPONSE, R/S-blocks, PPS), ms. @default 0 */
  readonly protocolMs?: number;
  /** Answer to PPS requests. @default 'accept' */
  readonly pps?: PpsPolicy;
  /** A card that never answers anything (not even the reset). @default false */
  readonly mute?: boolean;
  /** Seed of per-card contents (ICCID, IMSI, GET DATA pattern, GET CHALLENGE). @default 0 */
  readonly seed?: number;
  /** Applets on the card. @default ['hello-world', 'usim', 'test-commands'] */
  readonly applets?: readonly AppletSpec[];
  /** USIM CHV1 (ASCII digits). @default "1234" */
  readonly pin?: string;
  /** USIM CHV1 tries. @default 3 */
  readonly pinRetries?: number;
  /** USIM CHV1 protects IMSI, LOCI and ADN. @default true */
  readonly pinEnabled?: boolean;
}

/** Options with every default applied; each field as in {@link CardOptions} (TA1 as `ta1`, protocols as a list). */
export interface ResolvedCardOptions {
  readonly label: string;
  readonly protocols: readonly (0 | 1)[];
  readonly ta1?: { readonly fi: number; readonly di: number };
  readonly n: number;
  readonly wi?: number;
  readonly ifsc: number;
  readonly bwi: number;
  readonly cwi: number;
  readonly edc: Edc;
  readonly voltages: readonly Voltage[];
  readonly classIndicator: boolean;
  readonly clockStop: ClockStop;
  readonly specificMode: boolean;
  readonly historicalBytes: Uint8Array;
  readonly atr?: Uint8Array;
  readonly extendedLength: boolean;
  readonly processingMs: number;
  readonly protocolMs: number;
  readonly pps: PpsPolicy;
  readonly mute: boolean;
  readonly seed: number;
  readonly applets: readonly AppletSpec[];
  readonly pin: string;
  readonly pinRetries: number;
  readonly pinEnabled: boolean;
}

/** The default historical bytes: category 80, compact-TLV tag 5 (card issuer's data) "ccid-sim". */
export const DEFAULT_HISTORICAL_BYTES = Uint8Array.of(0x80, 0x58, ...new TextEncoder().encode('ccid-sim'));

const DEFAULT_APPLETS: readonly AppletSpec[] = ['hello-world', 'usim', 'test-commands'];

/**
 * Applies defaults and checks ranges.
 * @throws {ArgumentError} on an out-of-range value.
 */
export function resolveCardOptions(options: CardOptions = {}): ResolvedCardOptions {
  const protocol = options.protocol ?? 'both';
  const protocols: (0 | 1)[] = protocol === 'both' ? [0, 1] : [protocol];
  const voltages = options.voltages ?? [5, 3, 1.8];
  if (voltages.length === 0) throw new ArgumentError('virtual card: at least one supported voltage is needed');
  const timeOk = (v: number | undefined): boolean => v === undefined || (Number.isFinite(v) && v >= 0);
  if (!timeOk(options.processingMs) || !timeOk(options.protocolMs)) {
    throw new ArgumentError('virtual card: processing times must be finite and not negative');
  }
  const pin = options.pin ?? '1234';
  if (!/^[0-9]{4,8}$/.test(pin)) throw new ArgumentError(`virtual card: PIN "${pin}" is not 4 to 8 digits`);
  const applets = options.applets ?? DEFAULT_APPLETS;
  const resolved: ResolvedCardOptions = {
    label: options.label ?? defaultLabel(applets, protocols, options.seed),
    protocols,
    n: options.n ?? 0,
    ifsc: options.ifsc ?? 254,
    bwi: options.bwi ?? 4,
    cwi: options.cwi ?? 5,
    edc: options.edc ?? 'lrc',
    voltages,
    classIndicator: options.classIndicator ?? options.voltages !== undefined,
    clockStop: options.clockStop ?? 'none',
    specificMode: options.specificMode ?? false,
    historicalBytes: bytesOption(options.historicalBytes) ?? DEFAULT_HISTORICAL_BYTES,
    extendedLength: options.extendedLength ?? true,
    processingMs: options.processingMs ?? 1,
    protocolMs: options.protocolMs ?? 0,
    pps: options.pps ?? 'accept',
    mute: options.mute ?? false,
    seed: options.seed ?? 0,
    applets,
    pin,
    pinRetries: options.pinRetries ?? 3,
    pinEnabled: options.pinEnabled ?? true,
    ...(options.fi !== undefined || options.di !== undefined ? { ta1: { fi: options.fi ?? 372, di: options.di ?? 1 } } : {}),
    ...(options.wi !== undefined ? { wi: options.wi } : {}),
    ...(options.atr !== undefined ? { atr: bytesOption(options.atr)! } : {}),
  };
  return resolved;
}

function bytesOption(value: Uint8Array | string | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? fromHex(value) : value.slice();
}

function defaultLabel(applets: readonly AppletSpec[], protocols: readonly (0 | 1)[], seed: number | undefined): string {
  const names = applets.map((a) => (typeof a === 'string' ? a : 'custom')).filter((n) => n !== 'test-commands');
  const t = protocols.map((p) => `T=${p}`).join('/');
  return `${names.join('+') || 'card'} ${t}${seed !== undefined ? ` seed ${seed}` : ''}`;
}
