/**
 * Target `atr-list`: the pcsc-tools ATR list reader and matcher (`parseAtrList`,
 * `matchAtr`), whose patterns are regular expressions compiled to an automaton instead of
 * being handed to `RegExp`. Inputs: pattern lines of the real list, lines mutated, and
 * patterns built from the subset (hex digits, spaces, `.`, classes, `*` `+` `?`),
 * including the shapes that make a backtracking engine explode (`(.. )*` runs).
 *
 * Properties: parsing and matching never throw and stay within the time budget (no
 * backtracking, whatever the line); and, for the patterns built from the subset and
 * the real ones, the automaton agrees with JavaScript's `RegExp` on whether the ATR
 * matches (a differential test against an independent engine).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { matchAtr, parseAtrList } from '../../../src/iso7816/atr/atr-list.ts';
import { toHex } from '../../../src/util/hex.ts';
import { holds, never, type FuzzTarget } from '../harness.ts';
import { mutateText } from '../mutate.ts';
import { atrSeeds } from '../corpus.ts';
import type { Prng } from '../prng.ts';

/** One case: pattern lines, an ATR, and whether the patterns are in the subset `RegExp` reads the same way. */
export interface AtrListInput {
  patterns: string[];
  atr: Uint8Array;
  differential: boolean;
}

let realPatterns: string[] | undefined;
function patternsOfList(): string[] {
  realPatterns ??= readFileSync(fileURLToPath(new URL('../../../../shared/reference/atr/smartcard_list.txt', import.meta.url)), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('\t'))
    .map((l) => l.trim());
  return realPatterns;
}

function check(input: AtrListInput): boolean {
  const text = input.patterns.map((p, i) => `${p}\n\tcard ${i}\n`).join('\n');
  const list = never('parseAtrList', () => parseAtrList(text));
  const hits = never('matchAtr', () => matchAtr(list, input.atr));
  holds(hits.length <= list.entries.length, 'more hits than entries');
  if (!input.differential) return hits.length > 0;
  const subject = toHex(input.atr);
  const rejected = new Set(list.rejected.map((r) => r.line));
  const hitLines = new Set(hits.map((h) => h.line));
  for (const entry of list.entries) {
    if (rejected.has(entry.line)) continue;
    const expected = new RegExp(`^(?:${entry.pattern})$`, 'i').test(subject);
    holds(hitLines.has(entry.line) === expected, () => `pattern "${entry.pattern}" on ${subject}: automaton ${!expected}, RegExp ${expected}`);
  }
  return hits.length > 0;
}

const hexDigit = fc.constantFrom(...'0123456789ABCDEFabcdef');
/** One token of the subset: a digit, a space, `.`, or a class of digits/ranges; maybe quantified. */
const token = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: hexDigit },
      { weight: 2, arbitrary: fc.constant(' ') },
      { weight: 3, arbitrary: fc.constant('.') },
      { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.array(fc.oneof(hexDigit, fc.constantFrom('0-9', 'A-F', '1-3', '8-B')), { minLength: 1, maxLength: 3 })).map(([neg, parts]) => `[${neg ? '^' : ''}${parts.join('')}]`) },
    ),
    fc.constantFrom('', '', '', '', '*', '+', '?'),
  )
  .map(([t, q]) => t + q);

function arbitrary(): fc.Arbitrary<AtrListInput> {
  const seeds = atrSeeds();
  // ATRs near a pattern: a real ATR, or the text a pattern would take with its dots filled.
  const atr = fc.oneof(fc.nat(seeds.length - 1).map((i) => seeds[i]!), fc.uint8Array({ maxLength: 12 }));
  const built = fc.record({ patterns: fc.array(fc.array(token, { minLength: 1, maxLength: 30 }).map((t) => t.join('')), { minLength: 1, maxLength: 4 }), atr, differential: fc.constant(true) });
  const explosive = fc.record({
    // A run of `.*` before something the text never holds (two spaces): exponential for a
    // backtracking engine (so no RegExp here), O(pattern × ATR) for the automaton.
    patterns: fc.integer({ min: 5, max: 60 }).map((n) => ['3B ' + '.*'.repeat(n) + '  ', '[0-9A-F ]*'.repeat(n) + '  ']),
    atr: fc.uint8Array({ minLength: 20, maxLength: 33 }),
    differential: fc.constant(false),
  });
  const real = fc.record({
    patterns: fc.array(fc.nat(patternsOfList().length - 1).map((i) => patternsOfList()[i]!), { minLength: 1, maxLength: 6 }),
    atr,
    differential: fc.constant(true),
  });
  return fc.oneof(built, real, explosive);
}

function mutate(rng: Prng): AtrListInput {
  const all = patternsOfList();
  const patterns = Array.from({ length: 1 + rng.int(4) }, () => mutateText(rng.pick(all), rng, 600));
  return { patterns, atr: rng.pick(atrSeeds()), differential: false };
}

/** The `atr-list` target. */
export function atrListTarget(): FuzzTarget<AtrListInput> {
  return {
    name: 'atr-list',
    description: 'parseAtrList/matchAtr never throw nor backtrack; agree with RegExp on the pattern subset and the real list',
    arbitrary: arbitrary(),
    mutate,
    check,
    maxCaseMs: 100,
  };
}
