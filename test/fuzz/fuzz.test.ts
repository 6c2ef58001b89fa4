/**
 * Every fuzz target, a few thousand cases on every test run (`npm run fuzz` runs a
 * million). The seed is new each run and printed on failure with the command that replays
 * the case; set FUZZ_SEED to fix it and FUZZ_CASES to change the count.
 */
import { describe, expect, it } from 'vitest';
import { CaseFailure, newStats, runCases } from './harness.ts';
import { TARGETS, targetNamed } from './targets/index.ts';

const CASES = Number(process.env['FUZZ_CASES'] ?? 2000);
const SEED = Number(process.env['FUZZ_SEED'] ?? (Date.now() >>> 0));

describe(`fuzz targets (${CASES} cases each, seed ${SEED})`, () => {
  it.each(Object.keys(TARGETS))('%s', async (name) => {
    const target = targetNamed(name);
    const stats = newStats();
    try {
      await runCases(target, SEED, 0, CASES, stats);
    } catch (error) {
      const index = (error as { index?: number }).index;
      const replay = `npm run fuzz -- --target ${name} --seed ${SEED} --replay ${index}`;
      throw new Error(`${error instanceof CaseFailure ? error.message : String(error)}\n  replay: ${replay}`, { cause: error });
    }
    expect(stats.cases).toBe(CASES);
    // A target whose inputs are all refused (or all accepted) tests one path only.
    expect(stats.accepted).toBeGreaterThan(CASES / 50);
    expect(stats.rejected).toBeGreaterThan(CASES / 50);
  }, 120_000);
});
