/**
 * A plain-JSON view of a parsed ATR: what `ccid atr --json` and `ccid scan --json` print.
 * Numbers stay numbers, bytes become upper-case hex with spaces, absent values `null`.
 */
import { hexByte, toHex } from '../../util/hex.ts';
import type { Atr, TckStatus } from './parse.ts';
import type { ClockStop, VoltageClass } from './tables.ts';

/** The JSON shape of an ATR analysis. */
export interface AtrSummary {
  /** The whole ATR, upper-case hex, bytes separated by spaces. */
  readonly atr: string;
  /** TS as hex, `null` for an empty ATR. */
  readonly ts: string | null;
  /** From TS: direct (3B), inverse (3F), `null` otherwise. */
  readonly convention: 'direct' | 'inverse' | null;
  /** T0 as hex, `null` when missing. */
  readonly t0: string | null;
  /** K, the number of historical bytes T0 announces. */
  readonly k: number;
  /** Every level that has interface bytes: `{ i, ta, tb, tc, td }` as hex or `null`. */
  readonly interfaceBytes: readonly { i: number; ta: string | null; tb: string | null; tc: string | null; td: string | null }[];
  /** Protocols offered, e.g. [0, 1]; [0] when T=0 is implicit. */
  readonly protocols: readonly number[];
  /** True when no TDi announces a protocol (T=0 by default). */
  readonly protocolsImplicit: boolean;
  /** Fi from TA1 or 372 by default; `null` when FI is RFU. */
  readonly fi: number | null;
  /** Di from TA1 or 1 by default; `null` when DI is RFU. */
  readonly di: number | null;
  /** f(max) in MHz. */
  readonly fMaxMhz: number | null;
  /** N: TC1, 0 if absent. */
  readonly n: number;
  /** WI: TC2, 10 if absent. */
  readonly wi: number;
  /** TA2 decoded, `null` in negotiable mode. */
  readonly specificMode: { protocol: number; canChange: boolean; implicitParameters: boolean } | null;
  /** T=1 IFSC when the card sends it, else `null`. */
  readonly ifsc: number | null;
  /** T=1 BWI when the card sends it, else `null`. */
  readonly bwi: number | null;
  /** T=1 CWI when the card sends it, else `null`. */
  readonly cwi: number | null;
  /** T=1 error detection code when the card sends it, else `null` (LRC by default). */
  readonly edc: 'LRC' | 'CRC' | null;
  /** Clock stop indicator from the first TA after T=15, else `null`. */
  readonly clockStop: ClockStop | null;
  /** Classes from the first TA after T=15, else empty. */
  readonly classes: readonly VoltageClass[];
  /** Historical bytes, upper-case hex separated by spaces ("" when none). */
  readonly historicalBytes: string;
  /** "absent", "ok" or "wrong". */
  readonly tck: TckStatus;
  /** True when a protocol other than T=0 is announced, so TCK must be present (§8.2.5). */
  readonly tckRequired: boolean;
  /** Structural problems; empty for a well-formed ATR. */
  readonly errors: readonly string[];
  /** RFU or forbidden values that do not prevent use. */
  readonly warnings: readonly string[];
}

const hexOrNull = (v: number | null): string | null => (v === null ? null : hexByte(v));

/** The JSON-ready summary of `atr`. */
export function atrSummary(atr: Atr): AtrSummary {
  return {
    atr: toHex(atr.raw),
    ts: hexOrNull(atr.ts),
    convention: atr.convention,
    t0: hexOrNull(atr.t0),
    k: atr.k,
    interfaceBytes: atr.levels.filter((l) => l.ta !== null || l.tb !== null || l.tc !== null || l.td !== null).map((l) => ({ i: l.index, ta: hexOrNull(l.ta), tb: hexOrNull(l.tb), tc: hexOrNull(l.tc), td: hexOrNull(l.td) })),
    protocols: [...atr.protocols],
    protocolsImplicit: atr.protocolsImplicit,
    fi: atr.fi,
    di: atr.di,
    fMaxMhz: atr.fMaxMhz,
    n: atr.n,
    wi: atr.wi,
    specificMode: atr.specificMode === null ? null : { ...atr.specificMode },
    ifsc: atr.t1.ifsc,
    bwi: atr.t1.bwi,
    cwi: atr.t1.cwi,
    edc: atr.t1.edc,
    clockStop: atr.t15.clockStop,
    classes: [...atr.t15.classes],
    historicalBytes: toHex(atr.historical),
    tck: atr.tckStatus,
    tckRequired: atr.tckRequired,
    errors: [...atr.errors],
    warnings: [...atr.warnings],
  };
}
