/**
 * `npm run bench`: the sysmoOCTSIM / sysmoSIMBANK experiment of issue 6, in one process.
 *
 * Emulated sysmoOCTSIM readers (1d50:6141, 8 slots, bMaxCCIDBusySlots 8, T=0 TPDU,
 * 2.5 MHz default clock) with a USIM in every slot and the emulator's etu-based card
 * timing; the driver's public reader API on each; every slot runs the USIM script
 * (power on, 20 APDUs, power off) the same number of times, all slots started at once;
 * every answer is checked against the card oracle.
 *
 * Runs: k = 1..8 slots on one reader; k = 1, 8, 16, 32, 48, 64, 88, 96 over 12 readers;
 * k = 1..8 on one reader whose descriptor says bMaxCCIDBusySlots = 1 (serialised
 * baseline); 96 slots over 12 such readers. Then the driver's CPU per APDU (see
 * `usim-cpu.ts` for the method).
 *
 * Options:
 *   --quick            reduced runs (under a minute; for CI, no pass/fail on timings)
 *   --json             print the summary object last on stdout
 *   --profile          profile the zero-latency driver run and print the hot spots
 *   --seconds N        target wall time of one run, s (default 3; quick: 1 iteration)
 *   --repeats N        runs of each k on one reader and on 12 readers, interleaved; the lowest
 *                      wall time is kept (default 3; the serialised runs once)
 *   --iterations N     script iterations per slot (overrides --seconds)
 *   --card-ms N        the cards' processing time per APDU, ms (default: the emulator's, 1 ms)
 *   --worker           run the emulated readers in a worker thread, reached through a USB
 *                      device proxy (default: in the driver's thread; see usim-hardware.ts)
 *   --save             also write the chart and JSON to test/bench/results/ (the committed copy)
 *
 * Writes `results/usim.json` and `results/usim.svg` (`usim-quick.*` with --quick).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureDriverCpu, withDriverPass } from './usim-cpu.ts';
import { formatProfile, profiled, summarise } from './usim-profile.ts';
import type { BenchResults } from './usim-report.ts';
import { formatCpu, formatSeries, formatTargets, jsonSummary } from './usim-report.ts';
import { openRig } from './usim-rig.ts';
import type { Placement, Rig } from './usim-rig.ts';
import { fillFirst, firstErrors, repeatedSeries, runSlots } from './usim-run.ts';
import type { RunResult } from './usim-run.ts';
import { chartSvg } from './usim-svg.ts';
import { USIM_SCRIPT } from './usim-workload.ts';

interface Args {
  quick: boolean;
  json: boolean;
  profile: boolean;
  save: boolean;
  seconds: number;
  repeats: number;
  iterations: number | undefined;
  cardMs: number | undefined;
  place: Placement;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, json: false, profile: false, save: false, seconds: 3, repeats: 3, iterations: undefined, cardMs: undefined, place: 'thread' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!(v > 0)) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--json') args.json = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--save') args.save = true;
    else if (a === '--seconds') args.seconds = value();
    else if (a === '--repeats') args.repeats = Math.round(value());
    else if (a === '--iterations') args.iterations = Math.round(value());
    else if (a === '--card-ms') args.cardMs = value();
    else if (a === '--worker') args.place = 'worker';
    else throw new Error(`unknown option ${a} (--quick, --json, --profile, --save, --seconds N, --repeats N, --iterations N, --card-ms N, --worker)`);
  }
  return args;
}

const progress = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

function series(label: string, rig: Rig, ks: readonly number[], iterations: number, repeats: number): Promise<RunResult[]> {
  return repeatedSeries(rig, ks, iterations, repeats, (r) =>
    progress(`  ${label} k=${String(r.slots).padStart(2)}: wall ${r.wall.toFixed(2)} s, CPU ${(r.user + r.sys).toFixed(2)} s, ${r.apdus} APDUs, ${r.mismatches} mismatches, ${r.errors} errors`),
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const quick = args.quick;
  progress(`USIM benchmark${quick ? ' (quick)' : ''}: Node ${process.version}, ${availableParallelism()} cores, load ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);

  // One reader: calibration (how long one iteration takes), the link in use, then k = 1..8.
  const hw = { timeScale: 1, cardMs: args.cardMs, place: args.place } as const;
  const one = await openRig({ readers: 1, busySlots: 8, ...hw });
  await runSlots(one, fillFirst(1, 1), 1); // warm-up: JIT, first activation
  const calibration = await runSlots(one, fillFirst(1, 1), quick ? 1 : 3);
  const perIteration = calibration.wall / (quick ? 1 : 3);
  const slot0 = one.readers[0]!.slots[0]!;
  await slot0.powerOn();
  const { clockHz, fi, di, protocol } = await one.hardware.link(0, 0);
  await slot0.powerOff();
  const repeats = quick ? 1 : args.repeats;
  const iterations = args.iterations ?? (quick ? 1 : Math.max(1, Math.round(args.seconds / perIteration)));
  progress(`one iteration (power on, ${USIM_SCRIPT.length} APDUs, power off) takes ${perIteration.toFixed(3)} s on one slot; link ${clockHz / 1e6} MHz Fi ${fi} Di ${di} T=${protocol}; ${iterations} iteration(s) per slot`);

  progress('sysmoOCTSIM, 8 busy slots:');
  const octsim = await series('octsim', one, quick ? [1, 8] : [1, 2, 3, 4, 5, 6, 7, 8], iterations, repeats);
  await one.close();

  progress('12 × sysmoOCTSIM (sysmoSIMBANK):');
  const bankRig = await openRig({ readers: 12, busySlots: 8, ...hw });
  await runSlots(bankRig, fillFirst(96, 12), 1); // warm-up: every reader's first activation
  const bank = await series('bank', bankRig, quick ? [1, 96] : [1, 8, 16, 32, 48, 64, 88, 96], iterations, repeats);
  await bankRig.close();

  progress('sysmoOCTSIM with bMaxCCIDBusySlots = 1 (serialised):');
  const serialRig = await openRig({ readers: 1, busySlots: 1, ...hw });
  const serial = await series('serial', serialRig, quick ? [1, 3] : [1, 2, 3, 4, 5, 6, 7, 8], iterations, 1);
  await serialRig.close();

  let bankSerial: RunResult[] = [];
  if (!quick) {
    progress('12 readers with bMaxCCIDBusySlots = 1:');
    const bsRig = await openRig({ readers: 12, busySlots: 1, ...hw });
    bankSerial = await series('bank-serial', bsRig, [96], iterations, 1);
    await bsRig.close();
  }

  const cpuIterations = quick ? 25 : 250;
  progress(`driver CPU: zero-latency runs, 8 slots × ${cpuIterations} iterations`);
  const cpu = await measureDriverCpu(cpuIterations, quick ? 2 : 5);

  const results: BenchResults = {
    octsim,
    bank,
    serial,
    bankSerial,
    iterations,
    apdusPerIteration: USIM_SCRIPT.length,
    link: { clockHz, fi, di, protocol },
    readersIn: args.place,
    cardMs: args.cardMs,
    cpu,
    cpuPerApduUs: cpu.driverUs,
    machine: { node: process.version, cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', loadavg: loadavg(), date: new Date().toISOString() },
    quick,
  };

  const report = [
    `USIM script: power on, ${USIM_SCRIPT.length} APDUs (SELECT MF/DF/EF, VERIFY, READ BINARY, READ RECORD, STATUS), power off; ${iterations} iteration(s) per slot`,
    `emulated sysmoOCTSIM 1d50:6141, T=0 TPDU, card link ${clockHz / 1e6} MHz Fi ${fi} Di ${di}, card processing ${args.cardMs ?? 1} ms per APDU; Node ${process.version}, ${results.machine.cpus} cores (${results.machine.cpuModel}), load ${results.machine.loadavg.map((v) => v.toFixed(2)).join(' ')}`,
    `wall = the lowest of ${repeats} interleaved run(s) of each k on one and on 12 readers (all runs listed), one run for the serialised baseline`,
    'CPU % = (user + sys) / wall, of one core; user and sys are the whole process (driver + emulator + harness)',
    `driver thread / reader thread = share of the wall time each event loop was busy (readers ${args.place === 'worker' ? 'in a worker thread' : "in the driver's thread"})`,
    '',
    formatSeries('one sysmoOCTSIM (bMaxCCIDBusySlots 8):', octsim),
    '',
    formatSeries('12 sysmoOCTSIMs (sysmoSIMBANK), slots filled reader by reader:', bank),
    '',
    formatSeries('one sysmoOCTSIM with bMaxCCIDBusySlots 1 (serialised baseline):', serial),
    ...(bankSerial.length > 0 ? ['', formatSeries('12 readers with bMaxCCIDBusySlots 1 (ratio to the serialised k=1):', bankSerial, serial[0]!.wall)] : []),
    '',
    formatCpu(cpu),
    '',
    formatTargets(results),
    ...(firstErrors.length > 0 ? ['', 'first errors:', ...firstErrors.map((e) => `  ${e}`)] : []),
  ].join('\n');
  console.log(report);

  if (args.profile) {
    progress('profiling the zero-latency driver run...');
    const profile = await withDriverPass(cpuIterations, (work) => profiled(work));
    const summary = summarise(profile);
    console.log(`\n${formatProfile(summary)}`);
    writeOut('usim.cpuprofile', JSON.stringify(profile), false);
  }

  const base = quick ? 'usim-quick' : 'usim';
  writeOut(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`, args.save);
  writeOut(`${base}.svg`, chartSvg(results), args.save);
  progress(`wrote results/${base}.json and results/${base}.svg${args.save ? ' (and test/bench/results/)' : ''}`);
  if (args.json) console.log(JSON.stringify(jsonSummary(results)));
}

function writeOut(name: string, text: string, save: boolean): void {
  const dirs = [fileURLToPath(new URL('../../results/', import.meta.url))];
  if (save) dirs.push(fileURLToPath(new URL('./results/', import.meta.url)));
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}${name}`, text);
  }
}

await main();
