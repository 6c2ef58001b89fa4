/**
 * Replays every input that ever failed a fuzz target (`test/fuzz/regressions/`), through
 * the same check the target runs. A fixture whose target was removed fails too: delete it
 * on purpose, not by accident.
 */
import { describe, expect, it } from 'vitest';
import { runCase } from './harness.ts';
import { loadRegressions } from './regressions.ts';
import { TARGETS, targetNamed } from './targets/index.ts';

const fixtures = loadRegressions();

describe('fuzz regressions', () => {
  it('are kept (one folder per target)', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const { regression, file } of fixtures) expect(Object.keys(TARGETS), file).toContain(regression.target);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s', async (_file, { regression }) => {
    const target = targetNamed(regression.target);
    const outcome = await runCase(target, regression.input);
    expect(typeof outcome.accepted).toBe('boolean');
  });
});
