/**
 * `npm run fuzz`: runs every fuzz target (or those named) for 1 000 000 cases each and
 * prints cases/s, the accepted/rejected split and the slowest case per target.
 *
 * ```
 * npm run fuzz                                   # every target, 1 000 000 cases, random seed
 * npm run fuzz -- --target atr,t1-block --cases 200000 --seed 42
 * npm run fuzz -- --target pcap --seed 42 --replay 123456   # one case: input and outcome
 * ```
 *
 * Each target runs in a child process (`--max-old-space-size=1024`), so that a hang or
 * an unbounded allocation is caught: the parent kills a child that reports no progress
 * for `--hang-ms` (default 30 s), and a child that dies of memory exhaustion is seen to
 * exit. Either way the parent reruns the last batch in a child that reports every case,
 * to find the input, and saves it under `test/fuzz/regressions/<target>/` like any
 * failing input. Exit status 1 when any target failed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CaseFailure, describeError, generateCase, newStats, runCase, runCases, type RunStats } from './harness.ts';
import { encodeInput, saveRegression } from './regressions.ts';
import { TARGETS, targetNamed } from './targets/index.ts';

/** Progress and results a child sends. */
type ChildMessage =
  | { type: 'progress'; next: number; stats: RunStats; heapMb: number }
  | { type: 'failure'; index: number; message: string; saved: string; stats: RunStats }
  | { type: 'done'; stats: RunStats; heapMb: number; rssMb: number; seconds: number };

const BATCH = 2000;
const here = fileURLToPath(import.meta.url);

function send(message: ChildMessage): void {
  process.send!(message);
}

/** Sends the last message, then lets the child exit (the IPC channel would keep it alive). */
function sendLast(message: ChildMessage): void {
  process.send!(message, () => process.disconnect());
}

/**
 * Child side: runs cases [from, to) of one target, reporting progress per batch. With
 * `traceFile`, the index of each case is written to that file synchronously before the
 * case runs (an IPC message would never leave a child stuck in a loop).
 */
async function child(name: string, seed: number, from: number, to: number, traceFile: string | undefined): Promise<void> {
  const target = targetNamed(name);
  const stats = newStats();
  const started = performance.now();
  // Fixed-width writes at offset 0: a reader never sees a truncated file.
  const traceFd = traceFile === undefined ? undefined : openSync(traceFile, 'w');
  const trace = traceFd === undefined ? undefined : (index: number) => void writeSync(traceFd, String(index).padStart(12), 0);
  for (let at = from; at < to; at += BATCH) {
    const end = Math.min(to, at + BATCH);
    try {
      await runCases(target, seed, at, end, stats, trace);
    } catch (error) {
      const index = (error as { index?: number }).index ?? at;
      const input = error instanceof CaseFailure ? error.input : generateCase(target, seed, index);
      const message = describeError(error);
      const saved = saveRegression({ target: name, failure: message.split('\n')[0]!, found: `npm run fuzz -- --target ${name} --seed ${seed} (case ${index})`, input });
      sendLast({ type: 'failure', index, message, saved, stats });
      return;
    }
    send({ type: 'progress', next: end, stats, heapMb: process.memoryUsage().heapUsed / 2 ** 20 });
  }
  const mem = process.memoryUsage();
  sendLast({ type: 'done', stats, heapMb: mem.heapUsed / 2 ** 20, rssMb: mem.rss / 2 ** 20, seconds: (performance.now() - started) / 1000 });
}

interface TargetResult {
  name: string;
  stats: RunStats;
  /** Wall time of the whole target, child start-up included. */
  seconds: number;
  /** Time the child spent generating and checking cases (cases/s is computed on it). */
  caseSeconds: number;
  heapMb: number;
  rssMb: number;
  failure?: string;
}

function spawn(name: string, seed: number, from: number, to: number, traceFile?: string): ChildProcess {
  return fork(here, ['--child', name, '--seed', String(seed), '--from', String(from), '--to', String(to), ...(traceFile === undefined ? [] : ['--trace', traceFile])], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=1024'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Runs one target in a child; on a hang or a crash, finds the case with a tracing child. */
function runTarget(name: string, seed: number, cases: number, hangMs: number, quiet: boolean): Promise<TargetResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let next = 0;
    let last = performance.now();
    let stats = newStats();
    let heapMb = 0;
    let settled = false;
    const proc = spawn(name, seed, 0, cases);
    const finish = (result: Omit<TargetResult, 'name' | 'seconds' | 'caseSeconds'> & { caseSeconds?: number }) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      const seconds = (performance.now() - started) / 1000;
      resolve({ name, seconds, caseSeconds: seconds, ...result });
    };
    const locate = (why: string) => {
      locateCase(name, seed, next, Math.min(cases, next + BATCH), hangMs).then((found) => finish({ stats, heapMb, rssMb: 0, failure: `${why}: ${found}` }));
    };
    let heard = false;
    const watchdog = setInterval(() => {
      // Before the first batch, start-up (tsx, the target's corpus) counts too: allow at least a minute.
      if (performance.now() - last < (heard ? hangMs : Math.max(hangMs, 60_000))) return;
      proc.kill('SIGKILL');
      locate(`no progress for ${hangMs} ms after case ${next}`);
    }, 1000);
    proc.on('message', (m: ChildMessage) => {
      last = performance.now();
      heard = true;
      if (m.type === 'progress') {
        ({ next, stats, heapMb } = m);
        if (!quiet && process.stderr.isTTY) process.stderr.write(`\r  ${name}: ${m.next.toLocaleString('en')} / ${cases.toLocaleString('en')}   `);
      } else if (m.type === 'failure') {
        finish({ stats: m.stats, heapMb, rssMb: 0, failure: `case ${m.index}: ${m.message}\n    saved: ${m.saved}` });
      } else if (m.type === 'done') {
        finish({ stats: m.stats, heapMb: m.heapMb, rssMb: m.rssMb, caseSeconds: m.seconds });
      }
    });
    proc.on('exit', (code, signal) => {
      if (settled || signal === 'SIGKILL') return;
      clearInterval(watchdog);
      locate(`child exited (code ${code}, signal ${signal}) after case ${next}, out of memory?`);
    });
  });
}

/** Reruns cases [from, to) with each index traced to a file, to name the one that hangs or crashes; saves it. */
function locateCase(name: string, seed: number, from: number, to: number, hangMs: number): Promise<string> {
  return new Promise((resolve) => {
    const traceFile = join(mkdtempSync(join(tmpdir(), 'ccid-fuzz-')), 'case');
    let seen = '';
    let last = performance.now();
    const proc = spawn(name, seed, from, to, traceFile);
    /** The case running now; undefined until the child has started running cases. */
    const running = (): number | undefined => {
      try {
        const text = readFileSync(traceFile, 'utf8').trim();
        return text === '' ? undefined : Number(text);
      } catch {
        return undefined;
      }
    };
    const current = (): number => running() ?? from;
    const spawned = performance.now();
    const blame = (why: string) => {
      clearInterval(timer);
      const index = current();
      const input = generateCase(targetNamed(name), seed, index);
      const saved = saveRegression({ target: name, failure: `${why} (case ${index})`, found: `npm run fuzz -- --target ${name} --seed ${seed} (case ${index})`, input });
      resolve(`case ${index} ${why}\n    saved: ${saved}`);
    };
    const timer = setInterval(() => {
      const now = running();
      // Start-up (loading the target and its corpus) is not a hang, within reason.
      if (now === undefined && performance.now() - spawned < Math.max(hangMs, 60_000)) {
        last = performance.now();
        return;
      }
      if (String(now) !== seen) {
        seen = String(now);
        last = performance.now();
      }
      if (performance.now() - last < hangMs) return;
      proc.kill('SIGKILL');
      blame(`hangs (no answer in ${hangMs} ms)`);
    }, 200);
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'done') {
        clearInterval(timer);
        resolve(`not reproduced when cases ${from}..${to - 1} ran alone (state from earlier cases, or machine load)`);
      }
      if (m.type === 'failure') {
        clearInterval(timer);
        resolve(`case ${m.index}: ${m.message}\n    saved: ${m.saved}`);
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) blame(`makes the process exit (code ${code}, signal ${signal})`);
    });
  });
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function printTable(results: readonly TargetResult[]): void {
  const header = `${pad('target', 15)}${pad('cases', 11, true)}${pad('accepted', 10, true)}${pad('rejected', 10, true)}${pad('cases/s', 9, true)}${pad('max ms', 8, true)}${pad('heap MB', 9, true)}  result`;
  console.log(header);
  for (const r of results) {
    const s = r.stats;
    const line = [
      pad(r.name, 15),
      pad(s.cases.toLocaleString('en'), 11, true),
      pad(s.accepted.toLocaleString('en'), 10, true),
      pad(s.rejected.toLocaleString('en'), 10, true),
      pad(Math.round(s.cases / r.caseSeconds).toLocaleString('en'), 9, true),
      pad(s.maxMs.toFixed(1), 8, true),
      pad(r.heapMb.toFixed(0), 9, true),
      `  ${r.failure === undefined ? 'ok' : 'FAILED'}`,
    ];
    console.log(line.join(''));
  }
  for (const r of results) if (r.failure !== undefined) console.log(`\n${r.name} FAILED at ${r.failure}`);
}

async function replay(name: string, seed: number, index: number): Promise<void> {
  const target = targetNamed(name);
  const input = generateCase(target, seed, index);
  console.log(JSON.stringify(encodeInput(input), null, 2));
  try {
    const outcome = await runCase(target, input);
    console.log(`case ${index}: ${outcome.accepted ? 'accepted' : 'rejected with a typed error'} in ${outcome.ms.toFixed(2)} ms`);
  } catch (error) {
    console.log(`case ${index} FAILS: ${describeError(error)}`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      cases: { type: 'string', default: '1000000' },
      seed: { type: 'string' },
      replay: { type: 'string' },
      'hang-ms': { type: 'string', default: '30000' },
      child: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      trace: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const seed = values.seed !== undefined ? Number(values.seed) : (Date.now() ^ (process.pid << 16)) >>> 0;
  if (values.child !== undefined) return child(values.child, seed, Number(values.from), Number(values.to), values.trace);
  const names = values.target === undefined ? Object.keys(TARGETS) : values.target.split(',');
  for (const n of names) targetNamed(n); // fail early on a bad name
  if (values.replay !== undefined) return replay(names[0]!, seed, Number(values.replay));
  const cases = Number(values.cases);
  console.log(`fuzzing ${names.length} target(s), ${cases.toLocaleString('en')} cases each, seed ${seed}`);
  const results: TargetResult[] = [];
  for (const name of names) {
    const r = await runTarget(name, seed, cases, Number(values['hang-ms']), values.quiet);
    if (!values.quiet && process.stderr.isTTY) process.stderr.write('\r' + ' '.repeat(60) + '\r');
    console.log(`  ${pad(name, 15)} ${r.stats.cases.toLocaleString('en')} cases in ${r.caseSeconds.toFixed(1)} s (${Math.round(r.stats.cases / r.caseSeconds).toLocaleString('en')}/s)${r.failure ? ' FAILED' : ''}`);
    results.push(r);
  }
  console.log('');
  printTable(results);
  const total = results.reduce((n, r) => n + r.stats.cases, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  console.log(`\n${total.toLocaleString('en')} cases in ${seconds.toFixed(0)} s; seed ${seed}`);
  if (results.some((r) => r.failure !== undefined)) process.exitCode = 1;
}

await main();
