/**
 * The ATR list matcher against pcsc-tools' smartcard_list.txt (../shared/reference/atr/),
 * with JavaScript's own RegExp as the reference oracle for the patterns (ATR_analysis
 * matches them as Perl regular expressions, `^…$`, case-insensitive; the subset used by
 * the list means the same in both engines).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identifyAtr, matchAtr, parseAtrList } from '../../src/iso7816/atr/atr-list.ts';
import { fromHex } from '../../src/util/hex.ts';

const text = readFileSync(new URL('../../../shared/reference/atr/smartcard_list.txt', import.meta.url), 'utf8');
const list = parseAtrList(text);
const patterns = list.entries.filter((e) => !e.literal);
const literals = list.entries.filter((e) => e.literal);

describe('parseAtrList on smartcard_list.txt (pcsc-tools 1.6.2)', () => {
  it('reads the counts the reference README gives', () => {
    expect(list.entries).toHaveLength(4041);
    expect(literals).toHaveLength(3803);
    expect(patterns).toHaveLength(238);
    expect(list.entries.reduce((n, e) => n + e.descriptions.length, 0)).toBe(6185);
    expect(list.entries.filter((e) => e.pattern.startsWith('3F'))).toHaveLength(189);
    expect(list.rejected).toEqual([]);
  });

  it('keeps the line numbers and attaches TAB lines that follow an empty line to the previous entry', () => {
    const jcop = list.entries.find((e) => e.pattern === '3B FA 18 00 FF 81 31 FE 45 4A 43 4F 50 34 31 56 32 33 31 63')!;
    expect(jcop.line).toBe(12559);
    expect(jcop.descriptions).toHaveLength(7);
    expect(jcop.descriptions[6]).toBe('http://www.nxp.com/documents/short_data_sheet/P5Cx009_P5Cx072_FAM_SDS.pdf');
  });

  it('identifies every literal ATR of the list as itself', () => {
    const missed = literals.filter((e) => !matchAtr(list, fromHex(e.pattern)).includes(e));
    expect(missed).toEqual([]);
  });

  it('matches the regular-expression entries like RegExp does, for every ATR of the list', () => {
    const oracles = patterns.map((e) => ({ e, re: new RegExp(`^${e.pattern}$`, 'i') }));
    let regexHits = 0;
    const mismatches: string[] = [];
    for (const lit of literals) {
      const hits = new Set(matchAtr(list, fromHex(lit.pattern)));
      for (const { e, re } of oracles) {
        const expected = re.test(lit.pattern);
        if (expected) regexHits++;
        if (hits.has(e) !== expected) mismatches.push(`${lit.pattern} vs ${e.pattern}`);
      }
    }
    expect(mismatches).toEqual([]);
    // Literal ATRs that also match a pattern entry (families listed both ways).
    expect(regexHits).toBe(278);
  });

  it('matches wildcards, classes, ranges and .* entries', () => {
    expect(identifyAtr(list, fromHex('3B 3B 11 00 80 65 AF 03 0C 01 6F 83 00 90 00'))).toEqual(['GemXplore Xpresso V3']);
    expect(identifyAtr(list, fromHex('3F 65 35 10 02 04 EC 90 00'))).toEqual(['Postcard (Switzerland)']);
    expect(identifyAtr(list, fromHex('3F 65 35 10 02 04 AC 90 00'))).toEqual([]);
    expect(identifyAtr(list, fromHex('3B EF 00 FF 81 31 42 45 38'))).toEqual([]);
    expect(identifyAtr(list, fromHex('3B EF 00 FF 81 31 42 45 01 02 03 38'))).toEqual(['UNI-Card']);
    const acer = fromHex('3B FF 11 00 00 81 71 40 42 00 00 21 01 31 42 52 00 05 63 01 02 03 04 90 00 AA BB');
    expect(identifyAtr(list, acer)[0]).toBe('Smart Card "The Smart Way to Login"');
  });

  it('returns nothing for an unknown card', () => {
    expect(identifyAtr(list, fromHex('3B 00'))).toEqual([]);
    expect(identifyAtr(list, new Uint8Array(0))).toEqual([]);
  });

  it('agrees with RegExp on ATRs generated from each pattern and on their one-character mutations', () => {
    const hex = '0123456789ABCDEF';
    /** Instantiates a list pattern with the given choices: '.' → hex digit, class → a member, '*' → 0..2 repeats. */
    const instantiate = (pattern: string, pick: (n: number) => number): string => {
      let out = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i]!;
        let choices: string[];
        if (c === '[') {
          const close = pattern.indexOf(']', i);
          const body = pattern.slice(i + 1, close);
          choices = body.includes('-') ? hex.slice(hex.indexOf(body[0]!), hex.indexOf(body[2]!) + 1).split('') : body.replaceAll(',', '').split('');
          i = close;
        } else {
          choices = c === '.' ? hex.split('') : [c];
        }
        const repeat = pattern[i + 1] === '*' ? pick(3) : 1;
        if (pattern[i + 1] === '*') i++;
        for (let r = 0; r < repeat; r++) out += choices[pick(choices.length)]!;
      }
      return out;
    };
    fc.assert(
      fc.property(fc.constantFrom(...patterns), fc.integer({ min: 1, max: 0x7fffffff }), fc.nat(), fc.constantFrom(...hex.split('')), (entry, seed, at, ch) => {
        // A small LCG from the seed picks the choices (fast-check shrinks the seed).
        let state = seed;
        const textAtr = instantiate(entry.pattern, (n) => {
          state = (state * 48271) % 0x7fffffff;
          return state % n;
        });
        const re = new RegExp(`^${entry.pattern}$`, 'i');
        // Only even-length hex-and-space texts are ATRs the matcher can be asked about.
        const asAtr = (t: string) => (/^[0-9A-F]{2}( [0-9A-F]{2})*$/.test(t) ? fromHex(t) : undefined);
        const original = asAtr(textAtr);
        if (original !== undefined) {
          expect(re.test(textAtr)).toBe(true);
          expect(matchAtr(list, original)).toContain(entry);
        }
        const pos = at % Math.max(1, textAtr.length);
        const mutated = textAtr.slice(0, pos) + (textAtr[pos] === ' ' ? ' ' : ch) + textAtr.slice(pos + 1);
        const m = asAtr(mutated);
        if (m !== undefined) expect(matchAtr(list, m).includes(entry)).toBe(re.test(mutated));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseAtrList on hand-written lists', () => {
  it('ignores comments, handles CRLF and blank-line continuations', () => {
    const l = parseAtrList('# comment\r\n3B 02 14 50\r\n\tFirst card\r\n\r\n\tstill the first card\r\n\r\n3B 02 14 51\r\n\tSecond\r\n');
    expect(l.entries.map((e) => [e.pattern, e.descriptions, e.line])).toEqual([
      ['3B 02 14 50', ['First card', 'still the first card'], 2],
      ['3B 02 14 51', ['Second'], 7],
    ]);
    expect(identifyAtr(l, fromHex('3B021451'))).toEqual(['Second']);
  });

  it('lists several matching entries in file order', () => {
    const l = parseAtrList('3B 02 .. ..\n\tany 3B 02\n\n3B 02 14 50\n\texact\n\n3B 02 1[0-4] 50\n\trange\n');
    expect(identifyAtr(l, fromHex('3B 02 14 50'))).toEqual(['any 3B 02', 'exact', 'range']);
    expect(identifyAtr(l, fromHex('3B 02 15 50'))).toEqual(['any 3B 02']);
  });

  it('rejects syntax outside the supported subset instead of running it', () => {
    const l = parseAtrList(['(3B)+ 00', '3B \\d', '3B [', '3B 0** 00', 'X'.repeat(600), '3B [^0]1 00'].map((p) => `${p}\n\tcard\n`).join('\n'));
    expect(l.rejected.map((r) => r.reason)).toEqual([
      'unsupported regular-expression syntax "(" at column 1',
      'unsupported regular-expression syntax "\\" at column 4',
      'unclosed "[" at column 4',
      'nested quantifier at column 6',
      'pattern longer than 512 characters',
    ]);
    expect(l.rejected.map((r) => r.line)).toEqual([1, 4, 7, 10, 13]);
    // The negated class is supported: any character but 0.
    expect(identifyAtr(l, fromHex('3B 01 00'))).toEqual([]);
    expect(identifyAtr(l, fromHex('3B 11 00'))).toEqual(['card']);
    expect(l.entries).toHaveLength(6);
  });

  it('stays linear on patterns that make a backtracking engine explode', () => {
    // ^(.*){n}X$ style patterns are exponential for backtracking engines on a failing input.
    const l = parseAtrList(`3B ${'.*'.repeat(40)}X\n\tnever\n\n3B ${'.*'.repeat(40)} 00\n\talways\n`);
    const atr = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 0x3b : i === 32 ? 0x00 : 0x41));
    expect(identifyAtr(l, atr)).toEqual(['always']);
  });
});
