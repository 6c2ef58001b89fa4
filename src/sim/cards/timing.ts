/**
 * Card-side timing (ISO/IEC 7816-3 §7.1, §10.2, §11.4.3) and the Fi/Di tables the card
 * uses to build TA1 and to judge a PPS request. The card's own copy: nothing is shared
 * with the driver's ATR code, so a table error on one side shows up as a disagreement.
 */

import type { CardLink } from '../card.ts';

/** Fi by its 4-bit index FI (ISO/IEC 7816-3 Table 7); `undefined` marks an RFU index. */
export const FI_VALUES: readonly (number | undefined)[] = [
  372, 372, 558, 744, 1116, 1488, 1860, undefined, undefined, 512, 768, 1024, 1536, 2048, undefined, undefined,
];

/** f(max) in MHz by FI (ISO/IEC 7816-3 Table 7). */
export const FMAX_MHZ: readonly (number | undefined)[] = [
  4, 5, 6, 8, 12, 16, 20, undefined, undefined, 5, 7.5, 10, 15, 20, undefined, undefined,
];

/** Di by its 4-bit index DI (ISO/IEC 7816-3 Table 8); `undefined` marks an RFU index. */
export const DI_VALUES: readonly (number | undefined)[] = [
  undefined, 1, 2, 4, 8, 16, 32, 64, 12, 20, undefined, undefined, undefined, undefined, undefined, undefined,
];

/** Default clock the card assumes before the reader calls `setLink`, in Hz (a common dwDefaultClock). */
export const DEFAULT_CLOCK_HZ = 4_000_000;

/** The link in force right after an ATR: Fd = 372, Dd = 1 (ISO/IEC 7816-3 §7.1), T as given. */
export function defaultLink(protocol: 0 | 1, clockHz = DEFAULT_CLOCK_HZ): CardLink {
  return { clockHz, fi: 372, di: 1, protocol };
}

/**
 * FI index for an Fi value. 372 maps to FI = 1 (f max 5 MHz) rather than 0 (4 MHz), the
 * value real cards announce. `undefined` when the value is not in Table 7.
 */
export function fiIndexOf(fi: number): number | undefined {
  if (fi === 372) return 1;
  const index = FI_VALUES.indexOf(fi);
  return index < 0 ? undefined : index;
}

/** DI index for a Di value, `undefined` when the value is not in Table 8. */
export function diIndexOf(di: number): number | undefined {
  const index = DI_VALUES.indexOf(di);
  return index < 0 ? undefined : index;
}

/** One elementary time unit in milliseconds: 1 etu = F / (D · f) (ISO/IEC 7816-3 §7.1). */
export function etuMs(link: Pick<CardLink, 'fi' | 'di' | 'clockHz'>): number {
  return (link.fi / (link.di * link.clockHz)) * 1000;
}

/** Bit rate of the link in bit/s (1 / etu). */
export function bitRate(link: Pick<CardLink, 'fi' | 'di' | 'clockHz'>): number {
  return (link.di * link.clockHz) / link.fi;
}

/**
 * Time for `count` characters on the wire, in ms. A character takes 12 etu at T=0
 * (10 bits plus 2 guard etu, §7.2) and 11 etu at T=1 (character guard time CGT = 11 etu,
 * §11.2), plus the extra guard time N from TC1 (N = 255 means none).
 */
export function charactersMs(count: number, link: CardLink, extraGuardN = 0): number {
  const base = link.protocol === 0 ? 12 : 11;
  const n = extraGuardN === 255 ? 0 : extraGuardN;
  return count * (base + n) * etuMs(link);
}

/** T=0 work waiting time WWT = 960 · WI · Fi / f (§10.2), in ms. */
export function wwtMs(wi: number, link: Pick<CardLink, 'fi' | 'clockHz'>): number {
  return ((960 * wi * link.fi) / link.clockHz) * 1000;
}

/** T=1 block waiting time BWT = 11 etu + 2^BWI · 960 · Fd / f with Fd = 372 (§11.4.3), in ms. */
export function bwtMs(bwi: number, link: Pick<CardLink, 'fi' | 'di' | 'clockHz'>): number {
  return 11 * etuMs(link) + ((2 ** bwi * 960 * 372) / link.clockHz) * 1000;
}

/** T=1 character waiting time CWT = (11 + 2^CWI) etu (§11.4.3), in ms. */
export function cwtMs(cwi: number, link: Pick<CardLink, 'fi' | 'di' | 'clockHz'>): number {
  return (11 + 2 ** cwi) * etuMs(link);
}
