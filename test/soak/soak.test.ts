/**
 * The CI soak: the `npm run soak` workload (96 slots, random removals, cancellations and
 * faults, every answer checked against its card's oracle) for about 20 seconds.
 */
import { expect, it } from 'vitest';
import { runSoak, soakProblems } from './soak.ts';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 20);

it(`96 slots for ${SECONDS} s: nothing misrouted, corrupted or lost; heap and handles steady`, async () => {
  const r = await runSoak({ durationMs: SECONDS * 1000, seed: Date.now() % 100_000, faultRate: 0.0005, removalEvery: 1000, cancelRate: 0.001 });
  console.log(
    `soak ${SECONDS} s: ${r.apdus} APDUs (${r.rate}/s), ${r.correct} correct, misrouted ${r.misrouted}, corrupted ${r.corrupted}, lost ${r.lost}, ` +
      `${r.removals} removals, ${r.cancels} cancels, ${r.faultsFired} faults, heap ${r.heapWarmMb.toFixed(1)} → ${r.heapEndMb.toFixed(1)} MB`,
  );
  expect(soakProblems(r), JSON.stringify({ before: r.resourcesBefore, after: r.resourcesAfterClose })).toEqual([]);
  // The chaos happened (a run without faults or removals would prove nothing).
  expect(r.faultsFired).toBeGreaterThan(0);
  expect(r.removals).toBeGreaterThan(0);
  expect(r.correct).toBeGreaterThan(r.apdus * 0.95);
}, 120_000);
