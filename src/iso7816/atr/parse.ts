/**
 * ATR parsing (ISO/IEC 7816-3:2006 §8). `parseAtr` never throws: it always returns what
 * it could read, with `errors` naming every structural problem (so `ccid atr --json`
 * can show a bad ATR), and `assertValidAtr` turns those into an {@link AtrError} for the
 * driver, which must not use a card whose ATR it cannot trust.
 */
import { AtrError } from '../../errors.ts';
import { hexByte } from '../../util/hex.ts';
import { decodeHistoricalBytes, type HistoricalBytes } from './historical.ts';
import {
  ATR_MAX_LENGTH, CLOCK_STOP_TABLE, DD, DI_TABLE, FD, FI_TABLE, FMAX_DEFAULT_MHZ, FMAX_MHZ_TABLE, WI_DEFAULT,
  decodeClassIndicator, type ClockStop, type VoltageClass,
} from './tables.ts';

/** One level of interface bytes: TAi, TBi, TCi, TDi (ISO/IEC 7816-3 §8.2.3). */
export interface InterfaceBytes {
  /** i, from 1. */
  readonly index: number;
  /** T of TD(i−1): the protocol the bytes of this level belong to; `null` for level 1 (global bytes). */
  readonly protocol: number | null;
  /** TAi, `null` when absent. */
  readonly ta: number | null;
  /** TBi, `null` when absent. */
  readonly tb: number | null;
  /** TCi, `null` when absent. */
  readonly tc: number | null;
  /** TDi (Y(i+1) in bits 8–5, T in bits 4–1), `null` when absent: the last level. */
  readonly td: number | null;
}

/** TA2, the specific mode byte (ISO/IEC 7816-3 §8.3). */
export interface SpecificMode {
  /** The only protocol of specific mode (bits 4–1). */
  readonly protocol: number;
  /** Bit 8 = 0: the card can change between negotiable and specific mode (by a warm reset). */
  readonly canChange: boolean;
  /** Bit 5 = 1: Fi/Di are implicit (defined elsewhere), not those of TA1. */
  readonly implicitParameters: boolean;
}

/** T=1 parameters: the first TA, TB and TC after a TD announcing T=1 (i ≥ 3, ISO/IEC 7816-3 §11.4). `null` where the card sends none. */
export interface T1Parameters {
  /** IFSC, information field size for the card (1–254; 0 and 255 are invalid). */
  readonly ifsc: number | null;
  /** BWI, block waiting time integer (bits 8–5 of TB; 0–9, A–F RFU). */
  readonly bwi: number | null;
  /** CWI, character waiting time integer (bits 4–1 of TB). */
  readonly cwi: number | null;
  /** Error detection code from bit 1 of TC: LRC (0) or CRC (1). */
  readonly edc: 'LRC' | 'CRC' | null;
}

/** T=15 global bytes: the first TA after a TD announcing T=15 (ISO/IEC 7816-3 §8.3). */
export interface T15Parameters {
  /** The TA byte itself, `null` when absent. */
  readonly ta: number | null;
  /** Clock stop indicator X (bits 8–7). */
  readonly clockStop: ClockStop | null;
  /** Classes of operating conditions accepted, from the class indicator U (bits 6–1); empty when absent. */
  readonly classes: readonly VoltageClass[];
  /** The first TB after T=15: SPU, standard or proprietary use contact C6. */
  readonly spu: number | null;
}

/** Result of the TCK check (ISO/IEC 7816-3 §8.2.5). */
export type TckStatus = 'absent' | 'ok' | 'wrong';

/** A parsed ATR. Decoded values keep the raw bytes; absent optional bytes are `null`. */
export interface Atr {
  /** The ATR exactly as received. */
  readonly raw: Uint8Array;
  /** TS, the initial character; `null` for an empty ATR. */
  readonly ts: number | null;
  /** From TS: 3B direct, 3F inverse; `null` for any other value. */
  readonly convention: 'direct' | 'inverse' | null;
  /** T0, the format byte; `null` when missing. */
  readonly t0: number | null;
  /** K, the number of historical bytes announced by T0 (bits 4–1). */
  readonly k: number;
  /** Every level of interface bytes, in order. */
  readonly levels: readonly InterfaceBytes[];
  /** Protocols offered by the TDi in order, without T=15; `[0]` when no TD1 (implicit T=0). */
  readonly protocols: readonly number[];
  /** True when T=0 is offered only by default (no TDi announces a protocol). */
  readonly protocolsImplicit: boolean;
  /** TA1 (global): FI and DI, `null` when absent. */
  readonly ta1: number | null;
  /** TB1 (global, deprecated since ISO/IEC 7816-3:2006): VPP, `null` when absent. */
  readonly tb1: number | null;
  /** TC1 (global): N, extra guard time, `null` when absent. */
  readonly tc1: number | null;
  /** TA2 (global): specific mode byte, `null` when absent. */
  readonly ta2: number | null;
  /** TB2 (global, deprecated): PI2, `null` when absent. */
  readonly tb2: number | null;
  /** TC2 (specific to T=0): WI, `null` when absent. */
  readonly tc2: number | null;
  /** FI, the high nibble of TA1; `null` when TA1 is absent. */
  readonly fiCode: number | null;
  /** DI, the low nibble of TA1; `null` when TA1 is absent. */
  readonly diCode: number | null;
  /** Fi (Table 7): 372 when TA1 is absent, `null` when FI is RFU. */
  readonly fi: number | null;
  /** Di (Table 8): 1 when TA1 is absent, `null` when DI is RFU. */
  readonly di: number | null;
  /** f(max) in MHz (Table 7): 5 when TA1 is absent, `null` when FI is RFU. */
  readonly fMaxMhz: number | null;
  /** N, extra guard time integer: TC1, 0 when absent (255: minimum guard time). */
  readonly n: number;
  /** WI, waiting time integer for T=0: TC2, 10 when absent. */
  readonly wi: number;
  /** TA2 decoded: the card is in specific mode; `null` in negotiable mode. */
  readonly specificMode: SpecificMode | null;
  /** T=1 parameters the card sends (IFSC, BWI, CWI, EDC). */
  readonly t1: T1Parameters;
  /** T=15 global parameters (clock stop, classes, SPU). */
  readonly t15: T15Parameters;
  /** The historical bytes actually present (fewer than K when the ATR is truncated). */
  readonly historical: Uint8Array;
  /** The historical bytes decoded per ISO/IEC 7816-4 §8.1.1. */
  readonly historicalInfo: HistoricalBytes;
  /** True when ISO/IEC 7816-3 §8.2.5 requires TCK: some TDi announces a T other than 0. */
  readonly tckRequired: boolean;
  /** TCK as received, `null` when absent. */
  readonly tck: number | null;
  /** The TCK check: absent, ok (T0 to TCK XOR to 0) or wrong. */
  readonly tckStatus: TckStatus;
  /** The TCK value that would be correct, `null` when there is no TCK. */
  readonly tckExpected: number | null;
  /** Bytes after the last expected byte (historical bytes, then TCK when required). */
  readonly extra: Uint8Array;
  /** Structural problems: bad TS, truncation, over-length, TCK missing / wrong / unexpected. Empty for a well-formed ATR. */
  readonly errors: readonly string[];
  /** Values the standard reserves or forbids that do not prevent use (RFU FI/DI, T=15 in TD1, WI = 0, IFSC 0/255...). */
  readonly warnings: readonly string[];
  /** False when the interface bytes themselves are unusable (bad TS, T0 missing, truncated interface bytes). */
  readonly usable: boolean;
}

const Y_LETTERS = [
  [0x1, 'TA'],
  [0x2, 'TB'],
  [0x4, 'TC'],
  [0x8, 'TD'],
] as const;

/**
 * Parses an ATR (TS first, as the reader returns it from PC_to_RDR_IccPowerOn). Never
 * throws: problems go to `errors` / `warnings`, and `usable` says whether the interface
 * bytes could be read. Use {@link assertValidAtr} where a valid ATR is required.
 *
 * @example
 * const atr = parseAtr(fromHex('3B 8E 80 01 80 31 80 66 B1 84 0C 01 6E 01 83 00 90 00 1C'));
 * atr.protocols; // [0, 1]
 */
export function parseAtr(bytes: Uint8Array): Atr {
  const raw = bytes.slice();
  const errors: string[] = [];
  const warnings: string[] = [];
  if (raw.length > ATR_MAX_LENGTH) errors.push(`ATR is ${raw.length} bytes long, more than the ${ATR_MAX_LENGTH} of ISO/IEC 7816-3 §8.2.1 (TS and 32 characters)`);
  const ts = raw.length > 0 ? raw[0]! : null;
  const convention = ts === 0x3b ? 'direct' : ts === 0x3f ? 'inverse' : null;
  if (ts === null) errors.push('ATR is empty');
  else if (convention === null) errors.push(`TS = ${hexByte(ts)} is neither 3B (direct convention) nor 3F (inverse convention)`);
  const t0 = raw.length > 1 ? raw[1]! : null;
  if (ts !== null && t0 === null) errors.push('ATR is truncated: T0 is missing');
  const k = t0 === null ? 0 : t0 & 0x0f;

  // Interface bytes (§8.2.3): Y(i) in the high nibble of T0 / TD(i−1) says which of TAi..TDi follow.
  const levels: InterfaceBytes[] = [];
  let pos = 2;
  let interfaceComplete = t0 !== null;
  if (t0 !== null) {
    let y = t0 >> 4;
    let protocol: number | null = null;
    for (let index = 1; ; index++) {
      const level: { -readonly [K in keyof InterfaceBytes]: InterfaceBytes[K] } = { index, protocol, ta: null, tb: null, tc: null, td: null };
      for (const [bit, name] of Y_LETTERS) {
        if ((y & bit) === 0) continue;
        if (pos >= raw.length) {
          errors.push(`ATR is truncated: ${name}(${index}) announced by ${index === 1 ? 'T0' : `TD(${index - 1})`} is missing`);
          interfaceComplete = false;
          break;
        }
        const key = name === 'TA' ? 'ta' : name === 'TB' ? 'tb' : name === 'TC' ? 'tc' : 'td';
        level[key] = raw[pos++]!;
      }
      levels.push(level);
      if (!interfaceComplete || level.td === null) break;
      y = level.td >> 4;
      protocol = level.td & 0x0f;
    }
  }

  const tds = levels.filter((l) => l.td !== null).map((l) => l.td! & 0x0f);
  if (tds[0] === 15) warnings.push('TD(1) announces T=15, which ISO/IEC 7816-3 §8.2.3 forbids in TD1 (T=0 is assumed)');
  const protocols = [...new Set(tds.filter((t) => t !== 15))];
  const protocolsImplicit = protocols.length === 0;
  if (protocolsImplicit) protocols.push(0);
  // §8.2.5: TCK is absent when only T=0 is indicated, present in every other case (T=15 included).
  const tckRequired = tds.some((t) => t !== 0);

  const level1 = levels[0];
  const level2 = levels[1];
  const ta1 = level1?.ta ?? null;
  const ta2 = level2?.ta ?? null;
  const tc2 = level2?.tc ?? null;
  const fiCode = ta1 === null ? null : ta1 >> 4;
  const diCode = ta1 === null ? null : ta1 & 0x0f;
  const fi = fiCode === null ? FD : FI_TABLE[fiCode]!;
  const di = diCode === null ? DD : DI_TABLE[diCode]!;
  if (fiCode !== null && fi === null) warnings.push(`TA(1) = ${hexByte(ta1!)}: FI = ${fiCode} is reserved for future use (Table 7)`);
  if (diCode !== null && di === null) warnings.push(`TA(1) = ${hexByte(ta1!)}: DI = ${diCode} is reserved for future use (Table 8)`);
  if (tc2 === 0) warnings.push('TC(2) = 00: WI = 0 is reserved for future use (§10.2)');
  const specificMode = ta2 === null ? null : { protocol: ta2 & 0x0f, canChange: (ta2 & 0x80) === 0, implicitParameters: (ta2 & 0x10) !== 0 };

  const t1 = protocolBytes(levels, 1);
  if (t1.ta !== null && (t1.ta === 0x00 || t1.ta === 0xff)) warnings.push(`IFSC = ${hexByte(t1.ta)} is invalid (§11.4.2: 01 to FE)`);
  if (t1.tb !== null && t1.tb >> 4 > 9) warnings.push(`BWI = ${t1.tb >> 4} is reserved for future use (§11.4.3: 0 to 9)`);
  const t15 = protocolBytes(levels, 15);
  const classIndicator = t15.ta === null ? null : decodeClassIndicator(t15.ta & 0x3f);
  if (classIndicator !== null && classIndicator.rfuBits !== 0) warnings.push(`class indicator ${hexByte(t15.ta!)} sets RFU bits (Table 12)`);

  // Historical bytes, then TCK (when required), then nothing.
  const rest = interfaceComplete ? raw.subarray(pos) : new Uint8Array(0);
  const historical = rest.slice(0, k);
  let tck: number | null = null;
  let extra = new Uint8Array(0);
  if (interfaceComplete) {
    if (rest.length < k) errors.push(`ATR is truncated: ${k - rest.length} of the ${k} historical bytes are missing`);
    const after = rest.subarray(Math.min(k, rest.length));
    if (tckRequired) {
      if (after.length === 0) errors.push(`TCK is missing: TD announces T=${tds.find((t) => t !== 0)}, so ISO/IEC 7816-3 §8.2.5 requires it`);
      else tck = after[0]!;
      extra = after.slice(1);
    } else {
      extra = after.slice();
    }
    if (extra.length > 0) {
      errors.push(tckRequired || extra.length > 1
        ? `ATR is too long: ${extra.length} byte(s) after the ${tckRequired ? 'TCK' : 'historical bytes'}`
        : `unexpected byte ${hexByte(extra[0]!)} after the historical bytes: only T=0 is offered, so there is no TCK (§8.2.5)`);
    }
  }
  let tckExpected: number | null = null;
  let tckStatus: TckStatus = 'absent';
  if (tck !== null) {
    // §8.2.5: the XOR of T0 to TCK inclusive is null.
    const tckPos = pos + k;
    tckExpected = 0;
    for (let i = 1; i < tckPos; i++) tckExpected ^= raw[i]!;
    tckStatus = tckExpected === tck ? 'ok' : 'wrong';
    if (tckStatus === 'wrong') errors.push(`TCK = ${hexByte(tck)} is wrong: expected ${hexByte(tckExpected)}`);
  }

  return {
    raw, ts, convention, t0, k, levels, protocols, protocolsImplicit,
    ta1, tb1: level1?.tb ?? null, tc1: level1?.tc ?? null, ta2, tb2: level2?.tb ?? null, tc2,
    fiCode, diCode, fi, di,
    fMaxMhz: fiCode === null ? FMAX_DEFAULT_MHZ : FMAX_MHZ_TABLE[fiCode]!,
    n: level1?.tc ?? 0,
    wi: tc2 ?? WI_DEFAULT,
    specificMode,
    t1: {
      ifsc: t1.ta,
      bwi: t1.tb === null ? null : t1.tb >> 4,
      cwi: t1.tb === null ? null : t1.tb & 0x0f,
      edc: t1.tc === null ? null : (t1.tc & 0x01) === 0 ? 'LRC' : 'CRC',
    },
    t15: {
      ta: t15.ta,
      clockStop: t15.ta === null ? null : CLOCK_STOP_TABLE[t15.ta >> 6]!,
      classes: classIndicator?.classes ?? [],
      spu: t15.tb,
    },
    historical,
    historicalInfo: decodeHistoricalBytes(historical),
    tckRequired, tck, tckStatus, tckExpected, extra,
    errors, warnings,
    usable: convention !== null && interfaceComplete,
  };
}

/** The first TA, TB and TC of the levels i ≥ 3 whose TD(i−1) announces protocol `t` (§8.2.3). */
function protocolBytes(levels: readonly InterfaceBytes[], t: number): { ta: number | null; tb: number | null; tc: number | null } {
  let ta: number | null = null;
  let tb: number | null = null;
  let tc: number | null = null;
  for (const level of levels) {
    if (level.index < 3 || level.protocol !== t) continue;
    ta ??= level.ta;
    tb ??= level.tb;
    tc ??= level.tc;
  }
  return { ta, tb, tc };
}

/**
 * Throws an {@link AtrError} naming the problems unless the ATR is well-formed. With
 * `lenient`, only an unusable ATR (bad TS, T0 or interface bytes missing) is rejected:
 * a missing or wrong TCK, truncated historical bytes or trailing bytes are tolerated, as
 * many readers and cards get those wrong without harm.
 */
export function assertValidAtr(atr: Atr, options: { lenient?: boolean } = {}): void {
  if (options.lenient === true ? atr.usable : atr.errors.length === 0) return;
  throw new AtrError(`malformed ATR: ${atr.errors.join('; ')}`);
}
