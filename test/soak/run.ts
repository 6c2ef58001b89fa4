/**
 * `npm run soak`: 1 000 000 APDUs over 96 emulated slots (12 sysmoOCTSIM readers × 8),
 * random card removals, cancellations and faults at a low rate, every answer checked
 * against its card's oracle. Prints APDUs/s, misrouted, lost, heap once warm and at the
 * end, active handles, and exits 1 when a check fails.
 *
 * ```
 * npm run soak                          # 1 000 000 APDUs
 * npm run soak -- --apdus 200000 --seed 7 --fault-rate 0.001
 * ```
 */
import { parseArgs } from 'node:util';
import { runSoak, soakProblems } from './soak.ts';

const { values } = parseArgs({
  options: {
    apdus: { type: 'string', default: '1000000' },
    readers: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
    'fault-rate': { type: 'string', default: '0.0002' },
    'card-ms': { type: 'string', default: '0' },
  },
});

const fmt = (n: number) => n.toLocaleString('en');
const res = (r: Record<string, number>) => Object.entries(r).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

const r = await runSoak({
  apdus: Number(values.apdus),
  readers: Number(values.readers),
  seed: Number(values.seed),
  faultRate: Number(values['fault-rate']),
  cardMs: Number(values['card-ms']),
  onProgress: (done, rep) => {
    if (process.stderr.isTTY) process.stderr.write(`\r  ${fmt(done)} APDUs sent, ${fmt(rep.correct)} correct   `);
  },
});
if (process.stderr.isTTY) process.stderr.write('\r' + ' '.repeat(60) + '\r');
console.log(`soak: ${r.readers} readers × 8 slots = ${r.slots} slots (sysmoOCTSIM, T=0, zero card time), node ${process.version}`);
console.log(`  APDUs          ${fmt(r.apdus)} in ${(r.ms / 1000).toFixed(1)} s = ${fmt(r.rate)} APDUs/s`);
console.log(`  correct        ${fmt(r.correct)} (answer = the slot's card oracle)`);
console.log(`  misrouted      ${r.misrouted}`);
console.log(`  corrupted      ${r.corrupted}`);
console.log(`  lost           ${r.lost}`);
console.log(`  typed errors   ${fmt(Object.values(r.errors).reduce((a, b) => a + b, 0))} (${res(r.errors)}), untyped ${r.untyped}`);
console.log(`  chaos          ${fmt(r.removals)} card removals, ${fmt(r.cancels)} cancellations, ${fmt(r.faultsFired)} faults fired, ${fmt(r.repowers)} re-powers`);
console.log(`  engine         ${fmt(r.discarded)} frames discarded, ${r.timeouts} timeouts`);
console.log(`  heap           ${r.heapStartMb.toFixed(1)} MB before open, ${r.heapWarmMb.toFixed(1)} MB once warm → ${r.heapEndMb.toFixed(1)} MB at the end (${r.heapGrowthPct >= 0 ? '+' : ''}${r.heapGrowthPct.toFixed(1)} %)`);
console.log(`  handles        before open: ${res(r.resourcesBefore)}`);
console.log(`                 warm: ${res(r.resourcesWarm)}`);
console.log(`                 end:  ${res(r.resourcesEnd)}`);
console.log(`                 after close: ${res(r.resourcesAfterClose)}`);
console.log(`  listeners      ${r.abortListenersLeft} 'abort' listeners left on the signal passed to all ${fmt(r.apdus)} transmits`);
const problems = soakProblems(r);
console.log(problems.length === 0 ? 'PASS' : `FAIL: ${problems.join('; ')}`);
if (problems.length > 0) process.exitCode = 1;
