/**
 * Protocol and parameters selection (ISO/IEC 7816-3:2006 §9): the PPS request the
 * interface device sends right after the ATR, the check of the card's answer, and the
 * choice of the fastest Fi/Di both the card and the reader allow.
 *
 * PPS request (§9.2): PPSS = FF, PPS0 (b5 = PPS1 present, b6 PPS2, b7 PPS3, b4–b1 = T),
 * PPS1 = FI (high nibble) DI (low nibble), PCK (all bytes from PPSS to PCK XOR to 00).
 * Successful exchange (§9.3): the card echoes the request; or it echoes PPSS, PPS0 with
 * b5 = 0 and no PPS1, which means "keep Fd = 372, Dd = 1". Anything else is a failure,
 * after which the interface device resets the card.
 */
import { ArgumentError } from '../errors.ts';
import { toHex } from '../util/hex.ts';
import { DD, DI_TABLE, FD, FI_TABLE, FMAX_MHZ_TABLE } from './atr/tables.ts';

/** PPSS, the initial byte of a PPS request or response (§9.2). */
export const PPSS = 0xff;
/** PPS0 bit 5: PPS1 is present. */
export const PPS0_PPS1 = 0x10;
/** PPS0 bit 6: PPS2 is present. */
export const PPS0_PPS2 = 0x20;
/** PPS0 bit 7: PPS3 is present. */
export const PPS0_PPS3 = 0x40;
/** FiDi byte of the defaults Fd = 372, Dd = 1 (FI = 1, DI = 1). */
export const FIDI_DEFAULT = 0x11;

/**
 * Builds a PPS request for protocol `protocol` (T = 0–15), with PPS1 = `fiDi` when given.
 * @example buildPpsRequest(1, 0x96) // FF 11 96 78
 */
export function buildPpsRequest(protocol: number, fiDi?: number): Uint8Array {
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 15) throw new ArgumentError(`PPS protocol T=${protocol} is not in 0–15`);
  if (fiDi !== undefined && (!Number.isInteger(fiDi) || fiDi < 0 || fiDi > 0xff)) throw new ArgumentError(`PPS1 ${fiDi} is not a byte`);
  const body = fiDi === undefined ? [PPSS, protocol] : [PPSS, PPS0_PPS1 | protocol, fiDi];
  const pck = body.reduce((x, b) => x ^ b, 0);
  return Uint8Array.from([...body, pck]);
}

/** The outcome of a PPS exchange (§9.3). */
export type PpsOutcome =
  | {
      readonly accepted: true;
      /** The protocol agreed (T of PPS0). */
      readonly protocol: number;
      /** FI/DI in force from now: the requested PPS1, or FIDI_DEFAULT when the card left PPS1 out. */
      readonly fiDi: number;
      /** True when the card answered without PPS1: Fd and Dd stay (§9.3). */
      readonly defaults: boolean;
    }
  | { readonly accepted: false; readonly reason: string };

interface PpsFields {
  readonly pps0: number;
  readonly pps1?: number;
  readonly pps2?: number;
  readonly pps3?: number;
}

function parsePps(bytes: Uint8Array): PpsFields | string {
  if (bytes.length < 3) return `${bytes.length} byte(s), a PPS has at least PPSS, PPS0 and PCK`;
  if (bytes[0] !== PPSS) return `PPSS = ${toHex(bytes.subarray(0, 1))}, expected FF`;
  const pps0 = bytes[1]!;
  if (pps0 & 0x80) return 'PPS0 bit 8 is reserved and set';
  let at = 2;
  const take = (bit: number): number | undefined => (pps0 & bit ? bytes[at++] : undefined);
  const pps1 = take(PPS0_PPS1);
  const pps2 = take(PPS0_PPS2);
  const pps3 = take(PPS0_PPS3);
  if (bytes.length !== at + 1) return `length ${bytes.length} does not match PPS0 (expected ${at + 1})`;
  if (bytes.reduce((x, b) => x ^ b, 0) !== 0) return 'PCK does not check';
  return { pps0, pps1, pps2, pps3 };
}

/** Checks the card's PPS response against the request (§9.3). Never throws on card bytes. */
export function checkPpsResponse(request: Uint8Array, response: Uint8Array): PpsOutcome {
  const sent = parsePps(request);
  if (typeof sent === 'string') throw new ArgumentError(`malformed PPS request ${toHex(request)}: ${sent}`);
  const got = parsePps(response);
  if (typeof got === 'string') return { accepted: false, reason: `malformed PPS response ${toHex(response)}: ${got}` };
  const protocol = sent.pps0 & 0x0f;
  if ((got.pps0 & 0x0f) !== protocol) {
    return { accepted: false, reason: `the card answered T=${got.pps0 & 0x0f} to a request for T=${protocol}` };
  }
  if (got.pps2 !== undefined && got.pps2 !== sent.pps2) return { accepted: false, reason: 'PPS2 in the response does not echo the request' };
  if (got.pps3 !== undefined && got.pps3 !== sent.pps3) return { accepted: false, reason: 'PPS3 in the response does not echo the request' };
  if (got.pps1 === undefined) return { accepted: true, protocol, fiDi: FIDI_DEFAULT, defaults: true };
  if (got.pps1 !== sent.pps1) {
    return { accepted: false, reason: `PPS1 ${toHex(Uint8Array.of(got.pps1))} does not echo the request` };
  }
  return { accepted: true, protocol, fiDi: got.pps1, defaults: got.pps1 === FIDI_DEFAULT };
}

/** A Fi/Di choice and the data rate it gives. */
export interface PpsChoice {
  /** PPS1 / TA1 coding: FI in the high nibble, DI in the low one. */
  readonly fiDi: number;
  readonly fi: number;
  readonly di: number;
  /** Data rate in bit/s at the given clock: f · Di / Fi (§7.1). */
  readonly rateBps: number;
  /** True when nothing beats Fd/Dd: no PPS is needed. */
  readonly isDefault: boolean;
}

function matchesReaderRate(rate: number, readerRates: readonly number[]): boolean {
  if (readerRates.length === 0) return true;
  // Readers report integer rates computed from their own clock: allow rounding.
  return readerRates.some((r) => Math.abs(rate - r) <= Math.max(2, r * 0.001));
}

/**
 * The fastest Fi/Di for PPS: Fi stays the card's (TA1 high nibble, tied to its f(max)),
 * Di ranges over the table values up to the card's (TA1 low nibble); a candidate must not
 * exceed `maxDataRate` (dwMaxDataRate, 0 = no limit) and, when the reader listed its data
 * rates (GET_DATA_RATES), must be one of them.
 *
 * @param cardFiDi TA1 of the ATR (0x11 when absent).
 * @param readerRates data rates in bit/s the reader supports; empty = any up to `maxDataRate`.
 * @param clockKhz the clock the reader gives the card (dwDefaultClock), in kHz.
 * @param maxDataRate dwMaxDataRate in bit/s; 0 for no limit.
 * @example choosePps(0x96, [], 4000, 344086) // Fi=512, Di=32 → 250000 bit/s
 */
export function choosePps(cardFiDi: number, readerRates: readonly number[], clockKhz: number, maxDataRate: number): PpsChoice {
  const clockHz = clockKhz * 1000;
  const fallback: PpsChoice = { fiDi: FIDI_DEFAULT, fi: FD, di: DD, rateBps: (clockHz * DD) / FD, isDefault: true };
  const fiCode = (cardFiDi >> 4) & 0x0f;
  const diCode = cardFiDi & 0x0f;
  const fi = FI_TABLE[fiCode];
  const cardDi = DI_TABLE[diCode];
  const fmaxMhz = FMAX_MHZ_TABLE[fiCode];
  if (fi == null || cardDi == null || fmaxMhz == null || clockKhz <= 0) return fallback;
  // The card's Fi holds only up to its f(max) (Table 7).
  if (clockKhz > fmaxMhz * 1000) return fallback;
  let best: PpsChoice | undefined;
  for (let code = 1; code < DI_TABLE.length; code++) {
    const di = DI_TABLE[code];
    if (di == null || di > cardDi) continue;
    const rateBps = (clockHz * di) / fi;
    if (maxDataRate > 0 && rateBps > maxDataRate + Math.max(2, maxDataRate * 0.001)) continue;
    if (!matchesReaderRate(rateBps, readerRates)) continue;
    if (best === undefined || rateBps > best.rateBps) best = { fiDi: (fiCode << 4) | code, fi, di, rateBps, isDefault: false };
  }
  if (best === undefined || best.rateBps <= fallback.rateBps) return fallback;
  return best;
}
