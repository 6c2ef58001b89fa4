/**
 * Builds a card's Answer-to-Reset from its parameters (ISO/IEC 7816-3 §8.2).
 *
 * Layout: TS T0 [TA1 TB1 TC1 TD1] [TA2 TB2 TC2 TD2] ... historical bytes [TCK].
 * - Level 1 holds the global bytes TA1 (FI/DI) and TC1 (N).
 * - TD1 names the first protocol offered. Level 2 holds TA2 (specific mode) and, after a
 *   TD1 naming T=0, TC2 (WI, the only T=0 specific byte).
 * - T=1 specific bytes (TA IFSC, TB BWI/CWI, TC EDC) are only valid at level 3 or more
 *   after a TD naming T=1 (§8.2.3), so a T=1-only card names T=1 twice (TD1, TD2).
 * - The class indicator is TA after the first TD naming T=15 (§8.3).
 * - TCK is present unless T=0 is the only protocol indicated (§8.2.5).
 */

import { ArgumentError } from '../../errors.ts';
import { diIndexOf, fiIndexOf } from './timing.ts';

/** A supply voltage class, by its nominal voltage: class A 5 V, B 3 V, C 1.8 V (§5.1.3). */
export type Voltage = 5 | 3 | 1.8;

/** Clock stop support announced in the class indicator (XI, §8.3 Table 9). */
export type ClockStop = 'none' | 'low' | 'high' | 'either';

/** What the ATR announces. All values are the spec's, not indices (Fi 512, not FI 9). */
export interface AtrParams {
  /** Protocols offered (T=0 is named first when both are). */
  readonly protocols: readonly (0 | 1)[];
  /** TA1 as Fi/Di values; `undefined` omits TA1 (defaults Fd = 372, Dd = 1). */
  readonly ta1?: { readonly fi: number; readonly di: number };
  /** TC1: extra guard time N; omitted when 0. */
  readonly n: number;
  /** TC2: T=0 waiting time integer WI; omitted when `undefined` (default 10). */
  readonly wi?: number;
  /** TA2: specific mode in the first offered protocol, parameters from TA1 (§8.3). */
  readonly specificMode: boolean;
  /** T=1: IFSC (TA, 1..254). */
  readonly ifsc: number;
  /** T=1: BWI (TB high nibble, 0..9). */
  readonly bwi: number;
  /** T=1: CWI (TB low nibble, 0..15). */
  readonly cwi: number;
  /** T=1: EDC (TC b1: 0 LRC, 1 CRC); TC is omitted for LRC. */
  readonly edc: 'lrc' | 'crc';
  /** Voltage classes for the T=15 class indicator; `undefined` omits T=15. */
  readonly classes?: readonly Voltage[];
  /** Clock stop indicator XI, with `classes`. */
  readonly clockStop: ClockStop;
  /** Historical bytes (at most 15). */
  readonly historicalBytes: Uint8Array;
}

/** One level of interface bytes: TAi, TBi, TCi and the protocol TDi names. */
interface Level {
  a?: number;
  b?: number;
  c?: number;
  /** Protocol named by this level's TD; `undefined` = no TD. */
  td?: number;
}

const CLOCK_STOP_XI: Record<ClockStop, number> = { none: 0x00, low: 0x40, high: 0x80, either: 0xc0 };

/** TCK: XOR of T0 up to the last byte before TCK (§8.2.5). */
export function atrCheckByte(atrWithoutTck: Uint8Array): number {
  let x = 0;
  for (let i = 1; i < atrWithoutTck.length; i++) x ^= atrWithoutTck[i]!;
  return x;
}

/**
 * The ATR bytes for `params`, TS = 3B (direct convention).
 * @throws {ArgumentError} when a value is outside its range or the ATR exceeds 33 bytes.
 */
export function buildAtr(params: AtrParams): Uint8Array {
  checkParams(params);
  const levels: Level[] = [{}];
  if (params.ta1 !== undefined) {
    levels[0]!.a = (fiIndexOf(params.ta1.fi)! << 4) | diIndexOf(params.ta1.di)!;
  }
  if (params.n !== 0) levels[0]!.c = params.n;

  const offersT0 = params.protocols.includes(0);
  const offersT1 = params.protocols.includes(1);
  const first = offersT0 ? 0 : 1;
  const declare = (protocol: number, next: Level): void => {
    levels[levels.length - 1]!.td = protocol;
    levels.push(next);
  };
  if (offersT0) declare(0, params.wi === undefined ? {} : { c: params.wi });
  if (offersT1) {
    // A T=1-only card names T=1 in TD1 (level 2 holds no T=1 bytes) and again in TD2.
    if (levels.length === 1) declare(1, {});
    const t1: Level = { a: params.ifsc, b: (params.bwi << 4) | params.cwi };
    if (params.edc === 'crc') t1.c = 0x01;
    declare(1, t1);
  }
  if (params.classes !== undefined) {
    let ui = 0;
    if (params.classes.includes(5)) ui |= 0x01;
    if (params.classes.includes(3)) ui |= 0x02;
    if (params.classes.includes(1.8)) ui |= 0x04;
    declare(15, { a: CLOCK_STOP_XI[params.clockStop] | ui });
  }
  if (params.specificMode) {
    if (levels.length === 1) declare(first, {});
    // TA2: b8 = 0 (able to change mode), b5 = 0 (Fi/Di from TA1), b4-b1 = T (§8.3).
    levels[1]!.a = first;
  }
  // T=0 alone with nothing at level 2: TD1 is not needed (T=0 is implied).
  if (levels.length === 2 && levels[0]!.td === 0 && isEmpty(levels[1]!)) {
    levels.pop();
    delete levels[0]!.td;
  }

  const out: number[] = [0x3b, 0];
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    // T0 (for level 1) and TD(i-1) (for the others) announce which bytes level i holds.
    const announce = presence(level) | (level.td !== undefined ? 0x80 : 0);
    if (i === 0) out[1] = announce | params.historicalBytes.length;
    else out.push(announce | levels[i - 1]!.td!);
    if (level.a !== undefined) out.push(level.a);
    if (level.b !== undefined) out.push(level.b);
    if (level.c !== undefined) out.push(level.c);
  }
  out.push(...params.historicalBytes);
  const tckNeeded = levels.some((l) => l.td !== undefined && l.td !== 0);
  if (tckNeeded) out.push(atrCheckByte(Uint8Array.from(out)));
  if (out.length > 33) throw new ArgumentError(`ATR would be ${out.length} bytes, more than 33 (ISO/IEC 7816-3 §8.2.1)`);
  return Uint8Array.from(out);
}

function presence(level: Level): number {
  return (level.a !== undefined ? 0x10 : 0) | (level.b !== undefined ? 0x20 : 0) | (level.c !== undefined ? 0x40 : 0);
}

function isEmpty(level: Level): boolean {
  return level.a === undefined && level.b === undefined && level.c === undefined && level.td === undefined;
}

function checkParams(p: AtrParams): void {
  const bad = (what: string): never => {
    throw new ArgumentError(`virtual card ATR: ${what}`);
  };
  if (p.protocols.length === 0) bad('at least one protocol is needed');
  if (p.ta1 !== undefined) {
    if (fiIndexOf(p.ta1.fi) === undefined) bad(`Fi ${p.ta1.fi} is not in ISO/IEC 7816-3 Table 7`);
    if (diIndexOf(p.ta1.di) === undefined) bad(`Di ${p.ta1.di} is not in ISO/IEC 7816-3 Table 8`);
  }
  if (!isByte(p.n)) bad(`N (TC1) ${p.n} is not 0..255`);
  if (p.wi !== undefined && (!isByte(p.wi) || p.wi === 0)) bad(`WI (TC2) ${p.wi} is not 1..255`);
  if (!Number.isInteger(p.ifsc) || p.ifsc < 1 || p.ifsc > 254) bad(`IFSC ${p.ifsc} is not 1..254`);
  if (!Number.isInteger(p.bwi) || p.bwi < 0 || p.bwi > 9) bad(`BWI ${p.bwi} is not 0..9`);
  if (!Number.isInteger(p.cwi) || p.cwi < 0 || p.cwi > 15) bad(`CWI ${p.cwi} is not 0..15`);
  if (p.classes !== undefined && p.classes.length === 0) bad('the class indicator needs at least one class');
  if (p.historicalBytes.length > 15) bad(`${p.historicalBytes.length} historical bytes, at most 15`);
}

function isByte(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 255;
}
