/**
 * Differential test of the ATR parser against two independent parsers, on the 3043
 * real ATRs of ../shared/reference/atr/atr_vectors.tsv (literal ATRs of pcsc-tools'
 * smartcard_list.txt):
 *
 * - pcsc-tools' ATR_analysis 1.8 (columns ts … error),
 * - TShark 4.0.17's ISO 7816-3 ATR dissector (columns ws_*).
 *
 * Every field of every row is compared. Where a tool departs from ISO/IEC 7816-3 (the
 * reference README lists how), the difference must match one named explanation, and the
 * test checks the explanation against the data (e.g. that ATR_analysis's historical
 * bytes of an over-long ATR are exactly our historical bytes, TCK and extra bytes), then
 * asserts exact counts of agreeing rows and of each explanation.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAtr, type Atr } from '../../src/iso7816/atr/parse.ts';
import { fromHex, hexByte, toHex } from '../../src/util/hex.ts';

type Row = Record<string, string>;

function loadRows(): Row[] {
  const text = readFileSync(new URL('../../../shared/reference/atr/atr_vectors.tsv', import.meta.url), 'utf8');
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const header = lines[0]!.split('\t');
  return lines.slice(1).map((l) => {
    const cells = l.split('\t');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

const rows = loadRows();
const parsed = rows.map((r) => parseAtr(fromHex(r['atr']!)));

const opt = (v: number | null): string => (v === null ? '' : hexByte(v));
const dec = (v: number | null): string => (v === null ? '' : String(v));
const VOLTS = { A: 'A 5V', B: 'B 3V', C: 'C 1.8V' } as const;

/** Our parse written the way the ATR_analysis wrapper writes its columns. */
function analysisView(a: Atr): Row {
  const afterHistorical = (a.tck === null ? 0 : 1) + a.extra.length;
  return {
    ts: a.ts === 0x3b ? '3B Direct Convention' : a.ts === 0x3f ? '3F Inverse Convention' : `${opt(a.ts)} UNDEFINED`,
    t0: opt(a.t0),
    k: String(a.k),
    ta1: opt(a.ta1),
    tb1: opt(a.tb1),
    tc1: opt(a.tc1),
    ta2: opt(a.ta2),
    tc2: opt(a.tc2),
    fi: a.fiCode === null ? '' : dec(a.fi) || 'RFU',
    di: a.diCode === null ? '' : dec(a.di) || 'RFU',
    wi: a.tc2 === null ? '' : String(a.wi),
    protocols: a.protocolsImplicit ? '0(implicit)' : a.protocols.join(','),
    ifsc: dec(a.t1.ifsc),
    bwi: dec(a.t1.bwi),
    cwi: dec(a.t1.cwi),
    t1_edc: a.t1.edc ?? '',
    clock_stop: a.t15.clockStop ?? '',
    class: a.t15.ta === null ? '' : ['(3G)', ...a.t15.classes.map((c) => VOLTS[c])].join(' '),
    historical: toHex(a.historical),
    tck: a.tck === null ? 'absent' : a.tckStatus === 'ok' ? `${hexByte(a.tck)} ok` : `${hexByte(a.tck)} wrong expected=${hexByte(a.tckExpected!)}`,
    tck_required_iso: a.tckRequired ? 'yes' : 'no',
    // ATR_analysis's ERROR lines, derived from our byte accounting.
    error: !a.usable
      ? 'interface bytes truncated'
      : a.historical.length < a.k
        ? `ATR is truncated: ${a.k - a.historical.length} byte(s) is/are missing`
        : afterHistorical >= 2
          ? `ATR is too long: ${afterHistorical} extra byte(s). Truncating.`
          : '',
  };
}

/** Our parse written the way TShark's iso7816.atr fields are exported. */
function wiresharkView(a: Atr): Row {
  const hx = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
  const list = (k: 'ta' | 'tb' | 'tc' | 'td') => a.levels.flatMap((l) => (l[k] === null ? [] : [hx(l[k]!)])).join(',');
  return {
    ws_ta: list('ta'),
    ws_tb: list('tb'),
    ws_tc: list('tc'),
    ws_td: list('td'),
    ws_t: a.levels.flatMap((l) => (l.td === null ? [] : [hx(l.td & 0x0f)])).join(','),
    ws_historical: toHex(a.historical, '').toLowerCase(),
    ws_tck: a.tck === null ? '' : hx(a.tck),
    ws_fi: a.fiCode === null ? '' : dec(a.fi),
    ws_di: a.diCode === null ? '' : dec(a.di),
  };
}

/** One known way a tool departs from ISO/IEC 7816-3; `applies` must verify the claim on the row. */
interface Explanation {
  readonly name: string;
  readonly field: string;
  applies(row: Row, atr: Atr): boolean;
}

const xorOf = (bytes: Uint8Array) => bytes.reduce((x, b) => x ^ b, 0);

const ANALYSIS_EXPLANATIONS: readonly Explanation[] = [
  {
    // ATR_analysis prints every byte after the interface bytes as historical bytes and
    // only then reports "too long": its column holds our historical bytes + TCK + extra.
    name: 'over-long ATR: ATR_analysis lists the extra bytes as historical bytes',
    field: 'historical',
    applies: (r, a) =>
      /^ATR is too long/.test(r['error']!) &&
      r['historical'] === toHex(Uint8Array.of(...a.historical, ...(a.tck === null ? [] : [a.tck]), ...a.extra)),
  },
  {
    // It takes a TCK only when exactly K+1 bytes follow the interface bytes.
    name: 'over-long ATR: ATR_analysis takes no TCK when more than K+1 bytes follow',
    field: 'tck',
    applies: (r, a) => /^ATR is too long/.test(r['error']!) && r['tck'] === 'absent' && a.tckRequired && a.tck !== null && a.extra.length > 0,
  },
  {
    // ISO/IEC 7816-3 §8.2.5: only T=0 offered → no TCK. ATR_analysis decides by length and
    // checks the stray byte as a TCK; its verdict must be the XOR of T0..that byte.
    name: 'T=0 only with one stray trailing byte: ATR_analysis reads it as TCK',
    field: 'tck',
    applies: (r, a) => {
      if (a.tckRequired || a.tck !== null || a.extra.length !== 1) return false;
      const ok = xorOf(a.raw.subarray(1)) === 0;
      return r['tck'] === (ok ? `${hexByte(a.extra[0]!)} ok` : `${hexByte(a.extra[0]!)} wrong expected=${hexByte(xorOf(a.raw.subarray(1, -1)))}`);
    },
  },
  {
    // ATR_analysis exits as soon as no byte is left, before its historical-bytes check.
    name: 'ATR ends with the interface bytes: ATR_analysis stops without an error',
    field: 'error',
    applies: (r, a) => r['error'] === '' && r['historical'] === '' && a.usable && a.k > 0 && a.historical.length === 0,
  },
];

const WIRESHARK_EXPLANATIONS: readonly Explanation[] = [
  { name: 'FI = 2: TShark says Fi = 372, Table 7 says 558', field: 'ws_fi', applies: (r, a) => a.fiCode === 2 && a.fi === 558 && r['ws_fi'] === '372' },
  { name: 'DI = 7: TShark gives no Di, Table 8 says 64', field: 'ws_di', applies: (r, a) => a.diCode === 7 && a.di === 64 && r['ws_di'] === '' },
  {
    name: 'truncated historical bytes: TShark throws (malformed packet) and shows none',
    field: 'ws_historical',
    applies: (r, a) => a.historical.length < a.k && r['ws_historical'] === '' && /Malformed/.test(r['ws_expert']!),
  },
  {
    name: 'T=0 only with one stray trailing byte: TShark shows it as TCK',
    field: 'ws_tck',
    applies: (r, a) => !a.tckRequired && a.extra.length === 1 && r['ws_tck'] === `0x${a.extra[0]!.toString(16).padStart(2, '0')}`,
  },
  {
    name: 'over-long ATR: TShark shows no TCK when more than one byte follows the historical bytes',
    field: 'ws_tck',
    applies: (r, a) => a.tck !== null && a.extra.length > 0 && r['ws_tck'] === '' && /TCK byte must either be absent or exactly one byte/.test(r['ws_expert']!),
  },
];

interface Comparison {
  agreeing: number;
  /** Rows (by index) per explanation name. */
  explained: Map<string, Set<number>>;
  unexplained: string[];
}

function compare(view: (a: Atr) => Row, explanations: readonly Explanation[]): Comparison {
  const explained = new Map<string, Set<number>>(explanations.map((e) => [e.name, new Set<number>()]));
  const unexplained: string[] = [];
  let agreeing = 0;
  rows.forEach((row, i) => {
    const atr = parsed[i]!;
    const ours = view(atr);
    let same = true;
    for (const [field, value] of Object.entries(ours)) {
      if (row[field] === value) continue;
      same = false;
      const why = explanations.find((e) => e.field === field && e.applies(row, atr));
      if (why === undefined) unexplained.push(`${row['atr']}: ${field} theirs="${row[field]}" ours="${value}"`);
      else explained.get(why.name)!.add(i);
    }
    if (same) agreeing++;
  });
  return { agreeing, explained, unexplained };
}

const counts = (c: Comparison) => Object.fromEntries([...c.explained].map(([name, set]) => [name, set.size]));

describe('ATR parser vs ATR_analysis 1.8 on 3043 real ATRs', () => {
  const result = compare(analysisView, ANALYSIS_EXPLANATIONS);

  it('reads every vector row', () => {
    expect(rows).toHaveLength(3043);
  });

  it('explains every disagreement', () => {
    expect(result.unexplained).toEqual([]);
  });

  it('agrees on every field for more than 99 % of the rows, with exact counts per explanation', () => {
    expect(result.agreeing).toBe(3017);
    expect(result.agreeing / rows.length).toBeGreaterThanOrEqual(0.99);
    expect(counts(result)).toEqual({
      'over-long ATR: ATR_analysis lists the extra bytes as historical bytes': 15,
      'over-long ATR: ATR_analysis takes no TCK when more than K+1 bytes follow': 8,
      'T=0 only with one stray trailing byte: ATR_analysis reads it as TCK': 9,
      'ATR ends with the interface bytes: ATR_analysis stops without an error': 2,
    });
  });

  it('agrees with the wrapper on when ISO requires a TCK, and flags every ATR that lacks one', () => {
    // tck_required_iso is computed by the vector generator from the TDi, per §8.2.5.
    const missing = parsed.filter((a) => a.usable && a.tckRequired && a.tck === null);
    expect(missing.every((a) => a.errors.some((e) => e.startsWith('TCK is missing')))).toBe(true);
    // ATR_analysis reports no error for the ones that are not also truncated: it decides TCK presence by length.
    const silent = rows.filter((r, i) => r['error'] === '' && parsed[i]!.errors.some((e) => e.startsWith('TCK is missing')));
    expect({ missing: missing.length, silentInAtrAnalysis: silent.length }).toEqual({ missing: 22, silentInAtrAnalysis: 16 });
  });

  it('finds the same wrong checksums as ATR_analysis where both see a TCK', () => {
    const wrong = rows.filter((r, i) => r['tck'].includes('wrong') && parsed[i]!.tck !== null);
    expect(wrong.length).toBeGreaterThan(0);
    for (const r of wrong) expect(parsed[rows.indexOf(r)]!.tckStatus).toBe('wrong');
    expect(wrong).toHaveLength(13);
  });
});

describe('ATR parser vs TShark 4.0.17 iso7816.atr on the same ATRs', () => {
  const result = compare(wiresharkView, WIRESHARK_EXPLANATIONS);

  it('explains every disagreement', () => {
    expect(result.unexplained).toEqual([]);
  });

  it('agrees on every interface byte, protocol, historical byte, TCK, Fi and Di, apart from the explained cases', () => {
    expect(result.agreeing).toBe(2966);
    expect(counts(result)).toEqual({
      'FI = 2: TShark says Fi = 372, Table 7 says 558': 9,
      'DI = 7: TShark gives no Di, Table 8 says 64': 34,
      'truncated historical bytes: TShark throws (malformed packet) and shows none': 17,
      'T=0 only with one stray trailing byte: TShark shows it as TCK': 9,
      'over-long ATR: TShark shows no TCK when more than one byte follows the historical bytes': 8,
    });
  });
});
