/**
 * The benchmark's outputs: the table in the reference's layout, the full results object
 * (written to `results/`), and the short `--json` object others compute ratios from.
 */
import type { CpuResult } from './usim-cpu.ts';
import type { RunResult } from './usim-run.ts';

/** The series the benchmark runs. */
export interface Series {
  /** k = 1..8 slots on one sysmoOCTSIM. */
  readonly octsim: RunResult[];
  /** k slots over 12 sysmoOCTSIMs (a sysmoSIMBANK), filled reader by reader. */
  readonly bank: RunResult[];
  /** k = 1..8 slots on one sysmoOCTSIM whose descriptor says bMaxCCIDBusySlots = 1. */
  readonly serial: RunResult[];
  /** k slots over 12 readers of bMaxCCIDBusySlots = 1 (each reader serialises its own 8). */
  readonly bankSerial: RunResult[];
}

/** Everything a run of the benchmark measured, as written to `results/usim.json`. */
export interface BenchResults extends Series {
  /** Script iterations per slot in every timed run. */
  readonly iterations: number;
  /** APDUs per iteration. */
  readonly apdusPerIteration: number;
  /** The card link the driver set up (from the emulated slot after power on). */
  readonly link: { readonly clockHz: number; readonly fi: number; readonly di: number; readonly protocol: number };
  /** Where the emulated readers ran: a worker thread, or the driver's thread. */
  readonly readersIn: 'worker' | 'thread';
  /** The cards' processing time per APDU, ms (undefined: the emulator's default, 1 ms). */
  readonly cardMs: number | undefined;
  /** Zero-latency CPU measurement. */
  readonly cpu: CpuResult;
  /** Driver CPU µs per APDU (= cpu.driverUs). */
  readonly cpuPerApduUs: number;
  /** Where and when. */
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string; readonly loadavg: readonly number[]; readonly date: string };
  /** True for `--quick`. */
  readonly quick: boolean;
}

/** One row of the `--json` output. */
export interface JsonRow {
  readonly slots: number;
  readonly wall: number;
  readonly user: number;
  readonly sys: number;
  readonly apdus: number;
}

/** The `--json` object: `{octsim, bank, serial, cpuPerApduUs}`, rows in seconds. */
export interface JsonSummary {
  readonly octsim: JsonRow[];
  readonly bank: JsonRow[];
  readonly serial: JsonRow[];
  readonly cpuPerApduUs: number;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

function row(r: RunResult): JsonRow {
  return { slots: r.slots, wall: round(r.wall, 4), user: round(r.user, 4), sys: round(r.sys, 4), apdus: r.apdus };
}

/** The short object `--json` prints. */
export function jsonSummary(results: BenchResults): JsonSummary {
  return {
    octsim: results.octsim.map(row),
    bank: results.bank.map(row),
    serial: results.serial.map(row),
    cpuPerApduUs: round(results.cpuPerApduUs, 2),
  };
}

/** Wall time of the 1-slot run of a series (the ratio's denominator), or NaN. */
export function wallOne(series: readonly RunResult[]): number {
  return series.find((r) => r.slots === 1)?.wall ?? Number.NaN;
}

/** The table of one series: #slots, user s, sys s, wall s, CPU %, wall(k)/wall(1), APDUs, checks. */
export function formatSeries(title: string, series: readonly RunResult[], base = wallOne(series)): string {
  const lines = [title, '#slots   user s   sys s   wall s   CPU %   wall(k)/wall(1)    APDUs   driver thread  reader thread   slot wall min–max s   mismatches  errors  CMD_SLOT_BUSY   all runs, wall s'];
  for (const r of series) {
    const cpu = ((r.user + r.sys) / r.wall) * 100;
    lines.push(
      [
        String(r.slots).padStart(6),
        r.user.toFixed(2).padStart(8),
        r.sys.toFixed(2).padStart(7),
        r.wall.toFixed(2).padStart(8),
        `${cpu.toFixed(1)} %`.padStart(7),
        (r.wall / base).toFixed(3).padStart(17),
        String(r.apdus).padStart(8),
        `${(r.loopBusy * 100).toFixed(0)} %`.padStart(14),
        (r.hardwareBusy > 0 ? `${(r.hardwareBusy * 100).toFixed(0)} %` : '–').padStart(14),
        `${r.slotWall.min.toFixed(2)}–${r.slotWall.max.toFixed(2)}`.padStart(21),
        String(r.mismatches).padStart(12),
        String(r.errors).padStart(7),
        String(r.slotBusy).padStart(14),
        `  ${r.walls.map((w) => w.toFixed(2)).join(' ')}`,
      ].join(' '),
    );
  }
  return lines.join('\n');
}

/** The CPU section of the report. */
export function formatCpu(cpu: CpuResult): string {
  return [
    `driver CPU per APDU (zero-latency emulator in the driver's thread, 8 slots at once, ${cpu.apdus} APDUs per pass, best of interleaved passes, ${cpu.commandsPerApdu.toFixed(2)} CCID commands per APDU):`,
    `  driver + emulator + harness   ${cpu.totalUs.toFixed(1).padStart(7)} µs/APDU   (${cpu.driverWallUs.toFixed(1)} µs wall/APDU)`,
    `  same frames via the CCID engine ${cpu.engineUs.toFixed(1).padStart(5)} µs/APDU   (emulator + CCID layer)`,
    `  bare replay of the same frames ${cpu.replayUs.toFixed(1).padStart(6)} µs/APDU   (emulator + minimal USB loop)`,
    `  driver                         ${cpu.driverUs.toFixed(1).padStart(6)} µs/APDU   (difference; target ≤ 20): CCID engine ${(cpu.engineUs - cpu.replayUs).toFixed(1)}, ISO 7816 + reader API ${(cpu.totalUs - cpu.engineUs).toFixed(1)}`,
    `  answers differing (oracle, replay): ${cpu.mismatches}`,
  ].join('\n');
}

/** The targets of issue 6, checked against the measured figures (text, no pass/fail exit). */
export function formatTargets(results: BenchResults): string {
  const line = (ok: boolean, text: string): string => `  ${ok ? 'met ' : 'MISS'}  ${text}`;
  const out = ['targets (issue 6, 2-core machine):'];
  const o1 = wallOne(results.octsim);
  const o8 = results.octsim.find((r) => r.slots === 8);
  if (o8 !== undefined) out.push(line(o8.wall / o1 <= 1.02, `wall(8)/wall(1) on one sysmoOCTSIM = ${(o8.wall / o1).toFixed(3)} (≤ 1.02)`));
  const b1 = wallOne(results.bank);
  const b96 = results.bank.find((r) => r.slots === 96);
  if (b96 !== undefined) out.push(line(b96.wall / b1 <= 1.05, `wall(96)/wall(1) over 12 readers = ${(b96.wall / b1).toFixed(3)} (≤ 1.05)`));
  out.push(line(results.cpuPerApduUs <= 20, `driver CPU = ${results.cpuPerApduUs.toFixed(1)} µs per APDU (≤ 20)`));
  const s1 = wallOne(results.serial);
  const worst = results.serial.reduce((m, r) => Math.max(m, Math.abs(r.wall / (r.slots * s1) - 1)), 0);
  if (results.serial.length > 0) out.push(line(worst <= 0.05, `serialised wall(k) / (k × wall(1)) within ${(worst * 100).toFixed(1)} % of 1 (≈ 1)`));
  const sk = results.serial[results.serial.length - 1];
  if (sk !== undefined && sk.slots > 1) {
    // Serialised, the reader runs the next slot's command while the host handles the last
    // answer: wall(k) ≈ k·C + H, with C the card time and H the host's share of one slot's run.
    const card = (sk.wall - s1) / (sk.slots - 1);
    const commands = results.serial[0]!.apdus * results.cpu.commandsPerApdu;
    const host = s1 - card;
    out.push(
      host > 0.01 * s1
        ? `        one slot's run = card time ${card.toFixed(2)} s + host round trips ${host.toFixed(2)} s ` +
            `(${((host / commands) * 1000).toFixed(2)} ms per CCID command), from wall(1) and wall(${sk.slots}) serialised`
        : `        one slot's run ≈ card time ${card.toFixed(2)} s: host round trips are within 1 % of it (from wall(1) and wall(${sk.slots}) serialised)`,
    );
  }
  const bad = [...results.octsim, ...results.bank, ...results.serial, ...results.bankSerial].reduce((n, r) => n + r.mismatches + r.errors, 0) + results.cpu.mismatches;
  out.push(line(bad === 0, `answers differing from the card oracle or failing: ${bad} (must be 0)`));
  return out.join('\n');
}
