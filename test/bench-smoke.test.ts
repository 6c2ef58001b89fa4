/**
 * The USIM benchmark keeps working: `test/bench/usim.ts --quick --json` runs to the end,
 * prints the summary object last with the documented shape, and every answer of every
 * run matched the card oracle. No assertion on timings (CI machines vary).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

interface Row {
  slots: number;
  wall: number;
  user: number;
  sys: number;
  apdus: number;
}

const APDUS_PER_ITERATION = 20;

function checkRows(rows: unknown, slots: number[]): void {
  expect(Array.isArray(rows)).toBe(true);
  const list = rows as Row[];
  expect(list.map((r) => r.slots)).toEqual(slots);
  for (const r of list) {
    expect(Object.keys(r).sort()).toEqual(['apdus', 'slots', 'sys', 'user', 'wall']);
    for (const key of ['wall', 'user', 'sys'] as const) {
      expect(Number.isFinite(r[key])).toBe(true);
      expect(r[key]).toBeGreaterThanOrEqual(0);
    }
    expect(r.wall).toBeGreaterThan(0);
    // --quick runs the script once per slot.
    expect(r.apdus).toBe(r.slots * APDUS_PER_ITERATION);
  }
}

describe('npm run bench -- --quick --json', () => {
  it('finishes and prints {octsim, bank, serial, cpuPerApduUs} last, all answers checked', { timeout: 180_000 }, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/bench/usim.ts', '--quick', '--json'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 170_000,
    });
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(['bank', 'cpuPerApduUs', 'octsim', 'serial']);
    checkRows(summary['octsim'], [1, 8]);
    checkRows(summary['bank'], [1, 96]);
    checkRows(summary['serial'], [1, 3]);
    expect(typeof summary['cpuPerApduUs']).toBe('number');
    expect(Number.isFinite(summary['cpuPerApduUs'])).toBe(true);

    // The full results: no answer differed from the oracle and nothing failed, in any run.
    const full = JSON.parse(await readFile(`${ROOT}results/usim-quick.json`, 'utf8')) as {
      octsim: { mismatches: number; errors: number; slotBusy: number }[];
      bank: { mismatches: number; errors: number; slotBusy: number }[];
      serial: { mismatches: number; errors: number; slotBusy: number; peakBusy: number }[];
      cpu: { mismatches: number };
    };
    for (const r of [...full.octsim, ...full.bank, ...full.serial]) {
      expect(r).toMatchObject({ mismatches: 0, errors: 0, slotBusy: 0 });
    }
    // The serialised baseline really ran one slot at a time on the reader.
    for (const r of full.serial) expect(r.peakBusy).toBe(1);
    expect(full.cpu.mismatches).toBe(0);
    // The chart was written.
    const svg = await readFile(`${ROOT}results/usim-quick.svg`, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('</svg>');
  });
});
