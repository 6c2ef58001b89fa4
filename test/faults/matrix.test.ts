/**
 * The fault matrix, each cell a test: {every fault of `matrix.ts`} × {TPDU T=0, TPDU T=1,
 * short APDU, extended APDU} × {one slot busy, 8 slots busy at once}. A cell passes when
 * slot 0 ends in its documented error code or recovers transparently within its deadline,
 * the other slots' answers match their cards' oracles (or share the documented fate of a
 * reader-wide fault), slot 0 works again after re-power where the fault allows, and the
 * reader closes. Cells marked not applicable are run too: the test checks that the fault
 * never fired and nothing changed.
 *
 * Deadlines are the real ones (a T=0 read timeout of 510 s, maxDurationMs 300 s...), in
 * virtual time: the whole matrix takes seconds. `FAULT_TABLE=path` writes the observed
 * table (markdown) for the README.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCell, type CellReport, type SlotMode } from './cell.ts';
import { EXCHANGES, EXCHANGE_LABEL, type ApduOutcome, type Exchange } from './env.ts';
import { MATRIX, type Expectation, type MatrixRow } from './matrix.ts';
import { useRealTime, useVirtualTime } from './virtual-time.ts';

const MODES: readonly SlotMode[] = ['single', 'eight'];
const observed = new Map<string, string>();

function show(o: ApduOutcome): string {
  return o.ok === true ? 'ok' : o.ok === false ? `${o.code} (${o.message})` : `WRONG ANSWER ${o.message}`;
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** Counters that show the fault was handled where the row says. */
const STAT_CHECKS: Partial<Record<string, (r: CellReport) => void>> = {
  duplicate: (r) => expect(r.bench.reader.stats().discarded.duplicate).toBeGreaterThanOrEqual(1),
  stale: (r) => expect(r.bench.reader.stats().discarded.late + r.bench.reader.stats().discarded['unknown-seq']).toBeGreaterThanOrEqual(1),
  stall: (r) => expect(r.bench.reader.stats().stalls).toBeGreaterThanOrEqual(1),
  // With 8 slots busy the wrong bSeq may be another slot's: then it is discarded as wrong-slot, never delivered.
  'wrong-bseq': (r) => expect(r.bench.reader.stats().discarded['unknown-seq'] + r.bench.reader.stats().discarded['wrong-slot']).toBeGreaterThanOrEqual(1),
  'hardware-error': (r) => expect(r.bench.reader.stats().hardwareErrors).toBeGreaterThanOrEqual(1),
};

function checkCell(row: MatrixRow, e: Expectation, r: CellReport): string {
  const slot0 = r.slot0.map(show);
  if (e.kind === 'na') {
    expect(r.fired, 'a fault marked not applicable fired').toBe(0);
    expect(slot0).toEqual(['ok', 'ok', 'ok']);
    expect(r.others.map(show).every((s) => s === 'ok')).toBe(true);
    return `n/a: ${e.why}`;
  }
  expect(r.fired, 'the fault never fired').toBeGreaterThanOrEqual(1);
  STAT_CHECKS[row.id]?.(r);
  expect(r.closedState).toBe('closed');
  if (e.kind === 'transparent') {
    expect(slot0).toEqual(['ok', 'ok', 'ok']);
    expect(r.elapsedMs).toBeLessThanOrEqual(e.maxMs);
    expect(r.others.map(show).filter((s) => s !== 'ok')).toEqual([]);
    return `recovers (${duration(r.elapsedMs)})`;
  }
  const at = e.at ?? 0;
  expect(slot0.slice(0, at)).toEqual(new Array(at).fill('ok'));
  const failed = r.slot0[at];
  expect(failed?.ok, `APDU ${at} of slot 0: ${failed === undefined ? 'missing' : show(failed)}`).toBe(false);
  expect((failed as { code: string }).code).toBe(e.code);
  expect(slot0.slice(at + 1).filter((s) => s !== 'ok')).toEqual([]);
  expect(r.elapsedMs).toBeLessThanOrEqual(e.maxMs);
  if (e.minMs !== undefined) expect(r.elapsedMs).toBeGreaterThanOrEqual(e.minMs);
  if (e.others === 'unaffected') {
    expect(r.others.map(show).filter((s) => s !== 'ok')).toEqual([]);
  } else {
    const code = e.others.code;
    const bad = r.others.filter((o) => o.ok !== true && !(o.ok === false && o.code === code));
    expect(bad.map(show)).toEqual([]);
    expect(r.others.some((o) => o.ok === false)).toBe(true);
  }
  if (e.recovery === 'none') {
    expect(r.recovery).toEqual([]);
  } else {
    expect(r.recoveryError).toBeUndefined();
    expect(r.recovery.map(show)).toEqual(['ok', 'ok']);
  }
  const then = e.recovery === 'power-on' ? ', re-power ✓' : e.recovery === 'new card' ? ', new card + power-on ✓' : at < r.slot0.length - 1 ? ', next APDUs ✓' : '';
  return `\`${e.code}\`${at > 0 ? ` on APDU ${at + 1}` : ''} (${duration(r.elapsedMs)})${then}`;
}

describe.each(MATRIX)('$label', (row) => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);
  const cells = EXCHANGES.flatMap((exchange) => MODES.map((mode) => [exchange, mode] as [Exchange, SlotMode]));
  it.each(cells)('%s, %s', async (exchange, mode) => {
    const report = await runCell(row, exchange, mode);
    // "8 slots busy at once" is checked, not assumed: the reader saw the 7 other slots busy
    // together (slot 0 too, unless its fault answers without card time).
    if (mode === 'eight' && row.id !== 'unplug') expect(report.peakBusySlots).toBeGreaterThanOrEqual(7);
    const e = row.expect({ exchange, mode, readTimeoutMs: report.readTimeoutMs });
    observed.set(`${row.id}|${exchange}|${mode}`, checkCell(row, e, report));
  });
});

afterAll(() => {
  const path = process.env['FAULT_TABLE'];
  if (path === undefined) return;
  const lines = [`| fault | slots busy | ${EXCHANGES.map((e) => EXCHANGE_LABEL[e]).join(' | ')} |`, `|---|---|${EXCHANGES.map(() => '---').join('|')}|`];
  for (const row of MATRIX) {
    for (const mode of MODES) {
      const cells = EXCHANGES.map((e) => observed.get(`${row.id}|${e}|${mode}`) ?? 'FAILED');
      lines.push(`| ${mode === 'single' ? row.label : ''} | ${mode === 'single' ? '1' : '8'} | ${cells.join(' | ')} |`);
    }
  }
  writeFileSync(path, lines.join('\n') + '\n');
});
