/**
 * Target `atr`: `parseAtr`, `assertValidAtr`, `describeAtr`, `atrSummary` and the
 * historical-byte decoder on the 3043 ATRs of the pcsc-tools list, edits of them, ATRs
 * built from random interface levels, and random bytes (up to 64).
 *
 * Properties: `parseAtr`, `describeAtr`, `atrSummary` and `describeHistoricalBytes` never
 * throw (documented: a bad ATR is a value with `errors`); `assertValidAtr` throws only
 * `AtrError`, exactly when `errors` is not empty; and the parse loses nothing: TS, T0,
 * every interface byte, the historical bytes, TCK and the extra bytes re-assembled give
 * the input back, with T0's Y1 and K and every TDi's Y consistent with the levels kept (the
 * round trip of the ATR's structure). A TCK reported ok XORs T0..TCK to zero.
 */
import fc from 'fast-check';
import { AtrError } from '../../../src/errors.ts';
import { assertValidAtr, atrSummary, describeAtr, describeHistoricalBytes, parseAtr, type Atr } from '../../../src/iso7816/atr/index.ts';
import { attempt, hex, holds, never, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import { atrSeeds } from '../corpus.ts';
import type { Prng } from '../prng.ts';

const MAX_ATR = 64;

/** TS, T0, the interface bytes, the historical bytes, TCK, extra: everything the parse kept. */
function reassemble(atr: Atr): Uint8Array {
  const out: number[] = [];
  if (atr.ts !== null) out.push(atr.ts);
  if (atr.t0 !== null) out.push(atr.t0);
  for (const l of atr.levels) for (const b of [l.ta, l.tb, l.tc, l.td]) if (b !== null) out.push(b);
  out.push(...atr.historical);
  if (atr.tck !== null) out.push(atr.tck);
  out.push(...atr.extra);
  return Uint8Array.from(out);
}

/** Y of a level: which of TA, TB, TC, TD it holds (bits 5..8 of the byte announcing it). */
function presence(l: Atr['levels'][number]): number {
  return (l.ta !== null ? 1 : 0) | (l.tb !== null ? 2 : 0) | (l.tc !== null ? 4 : 0) | (l.td !== null ? 8 : 0);
}

function check(bytes: Uint8Array): boolean {
  const atr = never('parseAtr', () => parseAtr(bytes));
  never('describeAtr', () => describeAtr(atr));
  never('atrSummary', () => JSON.stringify(atrSummary(atr)));
  never('describeHistoricalBytes', () => describeHistoricalBytes(atr.historicalInfo));
  const strict = attempt('assertValidAtr', () => assertValidAtr(atr), [AtrError]);
  holds(strict instanceof Error === atr.errors.length > 0, 'assertValidAtr disagrees with errors');
  attempt('assertValidAtr lenient', () => assertValidAtr(atr, { lenient: true }), [AtrError]);
  holds(hex(atr.raw) === hex(bytes), 'raw is not the input');
  holds(hex(reassemble(atr)) === hex(bytes), () => `ATR parts do not reassemble to the input: ${hex(reassemble(atr))} vs ${hex(bytes)}`);
  if (atr.t0 !== null && atr.levels.length > 0) {
    // Only a complete level has exactly the bytes its Y announced.
    const complete = atr.usable || atr.levels.length > 1;
    if (complete) holds(presence(atr.levels[0]!) === atr.t0 >> 4 || !atr.usable, 'Y1 of T0 disagrees with level 1');
    holds(atr.k === (atr.t0 & 0x0f), 'K is not the low nibble of T0');
    for (let i = 0; i + 1 < atr.levels.length; i++) {
      holds(atr.levels[i]!.td !== null, `level ${i + 1} has no TD but a level follows`);
      if (atr.usable) holds(presence(atr.levels[i + 1]!) === atr.levels[i]!.td! >> 4, `Y of TD(${i + 1}) disagrees with level ${i + 2}`);
    }
  }
  holds(atr.historical.length <= atr.k, 'more historical bytes than K');
  if (atr.tckStatus === 'ok') {
    let x = 0;
    for (let i = 1; i < bytes.length - atr.extra.length; i++) x ^= bytes[i]!;
    holds(x === 0, 'TCK ok but T0..TCK does not XOR to 0');
  }
  return atr.errors.length === 0;
}

/** ATRs built from random levels (Y chained through TDi), historical bytes and a right or wrong TCK. */
const built: fc.Arbitrary<Uint8Array> = fc
  .record({
    ts: fc.constantFrom(0x3b, 0x3f, 0x3b, 0x00),
    levels: fc.array(fc.record({ ta: fc.option(fc.nat(255)), tb: fc.option(fc.nat(255)), tc: fc.option(fc.nat(255)), t: fc.nat(15) }), { maxLength: 5 }),
    historical: fc.uint8Array({ maxLength: 15 }),
    tck: fc.constantFrom('right', 'wrong', 'none'),
  })
  .map(({ ts, levels, historical, tck }) => {
    const out = [ts, historical.length];
    let yAt = 1; // T0, then each TDi, holds the Y of the next level
    levels.forEach((l, i) => {
      const last = i === levels.length - 1;
      const y = (l.ta !== null ? 1 : 0) | (l.tb !== null ? 2 : 0) | (l.tc !== null ? 4 : 0) | (last ? 0 : 8);
      out[yAt] = (out[yAt]! & 0x0f) | (y << 4);
      for (const b of [l.ta, l.tb, l.tc]) if (b !== null) out.push(b);
      if (!last) {
        out.push(levels[i + 1]!.t);
        yAt = out.length - 1;
      }
    });
    out.push(...historical);
    if (tck !== 'none') out.push(out.slice(1).reduce((x, b) => x ^ b, 0) ^ (tck === 'wrong' ? 0x5a : 0));
    return Uint8Array.from(out);
  });

function arbitrary(): fc.Arbitrary<Uint8Array> {
  const seeds = atrSeeds();
  const seed = fc.nat(seeds.length - 1).map((i) => seeds[i]!);
  const edited = fc
    .tuple(seed, fc.array(fc.record({ at: fc.nat(), value: fc.nat(255) }), { maxLength: 3 }), fc.option(fc.nat(), { nil: undefined }))
    .map(([b, edits, cut]) => {
      const out = b.slice(0, cut === undefined ? undefined : cut % (b.length + 1));
      for (const e of edits) if (out.length > 0) out[e.at % out.length] = e.value;
      return out;
    });
  return fc.oneof(seed, edited, built, fc.uint8Array({ maxLength: MAX_ATR }));
}

function mutate(rng: Prng): Uint8Array {
  const seeds = atrSeeds();
  return mutateBytes(rng.pick(seeds), rng, { maxLength: MAX_ATR, splice: [rng.pick(seeds)], dictionary: [Uint8Array.of(0x3b), Uint8Array.of(0x3f), Uint8Array.of(0x80), Uint8Array.of(0x81), Uint8Array.of(0x1f)] });
}

/** The `atr` target. */
export function atrTarget(): FuzzTarget<Uint8Array> {
  return {
    name: 'atr',
    description: 'parseAtr/describeAtr/atrSummary never throw; assertValidAtr only AtrError; the parts reassemble to the input with consistent Y/K/TCK',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
