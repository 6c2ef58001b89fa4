/**
 * One measured run: k slots run the USIM script `iterations` times each, all started at
 * once; wall time and the process's user and system CPU time around it; every answer
 * compared with the card oracle.
 */
import { performance as loop } from 'node:perf_hooks';
import type { Rig } from './usim-rig.ts';
import { USIM_SCRIPT, cardSeed, expectedScriptAnswers, sameBytes } from './usim-workload.ts';

/** A slot taking part in a run: reader index and slot index. */
export interface SlotRef {
  readonly reader: number;
  readonly slot: number;
}

/** The figures of one run (times in seconds). */
export interface RunResult {
  /** Slots run at once. */
  readonly slots: number;
  /** Wall time from the start of all slots to the end of the last one (the lowest, when repeated). */
  readonly wall: number;
  /** Wall time of every repetition of the run, in order. */
  readonly walls: readonly number[];
  /** Process user CPU time over the run (driver, emulator and harness). */
  readonly user: number;
  /** Process system CPU time over the run. */
  readonly sys: number;
  /** Command APDUs sent (power on/off not counted). */
  readonly apdus: number;
  /** Answers that differ from the oracle's (must be 0; summed over repetitions). */
  readonly mismatches: number;
  /** APDUs or power-ons that failed with an error (must be 0; summed over repetitions). */
  readonly errors: number;
  /** Fastest and slowest slot, wall seconds. */
  readonly slotWall: { readonly min: number; readonly max: number };
  /** CMD_SLOT_BUSY answers of the emulated readers during the run (a correct driver causes none; summed over repetitions). */
  readonly slotBusy: number;
  /** Most slots busy at once on one emulated reader (since the rig was opened). */
  readonly peakBusy: number;
  /** Share of the wall time the driver's thread (event loop) was busy, 0..1. */
  readonly loopBusy: number;
  /** Share of the wall time the emulated readers' worker thread was busy, 0..1 (0 when in the driver's thread). */
  readonly hardwareBusy: number;
}

/** The first `k` slots, filling reader 0 first, then reader 1... (8 slots each). */
export function fillFirst(k: number, readers: number, slotsEach = 8): SlotRef[] {
  if (k > readers * slotsEach) throw new RangeError(`bench: ${k} slots asked of ${readers} readers of ${slotsEach}`);
  return Array.from({ length: k }, (_, i) => ({ reader: Math.floor(i / slotsEach), slot: i % slotsEach }));
}

const expectedCache = new Map<number, Uint8Array[]>();

function expectedFor(seed: number): Uint8Array[] {
  let answers = expectedCache.get(seed);
  if (answers === undefined) {
    answers = expectedScriptAnswers(seed);
    expectedCache.set(seed, answers);
  }
  return answers;
}

/** First error messages seen, for the report (a run with errors is reported, not hidden). */
export const firstErrors: string[] = [];

function note(error: unknown, where: string): void {
  if (firstErrors.length < 5) firstErrors.push(`${where}: ${error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ''} ${error.message}` : String(error)}`);
}

/** Runs the script on `slots` at once, `iterations` times on each, and measures. */
export async function runSlots(rig: Rig, slots: readonly SlotRef[], iterations: number): Promise<RunResult> {
  const expected = slots.map((s) => expectedFor(cardSeed(s.reader, s.slot)));
  const before = await rig.hardware.counters();
  let mismatches = 0;
  let errors = 0;
  let apdus = 0;
  const slotWalls: number[] = [];

  const one = async (ref: SlotRef, answers: Uint8Array[], t0: number): Promise<void> => {
    const slot = rig.readers[ref.reader]!.slots[ref.slot]!;
    let firstAtr: Uint8Array | undefined;
    for (let it = 0; it < iterations; it++) {
      try {
        const atr = await slot.powerOn();
        firstAtr ??= atr;
        if (!sameBytes(atr, firstAtr)) mismatches++;
      } catch (error) {
        errors++;
        note(error, `power on ${ref.reader}/${ref.slot}`);
        continue;
      }
      for (let i = 0; i < USIM_SCRIPT.length; i++) {
        apdus++;
        try {
          const response = await slot.transmit(USIM_SCRIPT[i]!.apdu);
          if (!sameBytes(response, answers[i]!)) mismatches++;
        } catch (error) {
          errors++;
          note(error, `${USIM_SCRIPT[i]!.label} ${ref.reader}/${ref.slot}`);
        }
      }
      try {
        await slot.powerOff();
      } catch (error) {
        errors++;
        note(error, `power off ${ref.reader}/${ref.slot}`);
      }
    }
    slotWalls.push((performance.now() - t0) / 1000);
  };

  const elu0 = loop.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(slots.map((ref, i) => one(ref, expected[i]!, t0)));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = loop.eventLoopUtilization(elu0);
  const after = await rig.hardware.counters();
  return {
    slots: slots.length,
    wall,
    walls: [wall],
    user: cpu.user / 1e6,
    sys: cpu.system / 1e6,
    apdus,
    mismatches,
    errors,
    slotWall: { min: Math.min(...slotWalls), max: Math.max(...slotWalls) },
    slotBusy: after.busyAnswers - before.busyAnswers,
    peakBusy: after.peakBusy,
    loopBusy: elu.utilization,
    hardwareBusy: (after.activeMs - before.activeMs) / (wall * 1000),
  };
}

/**
 * Runs every k of `ks` `repeats` times, the ks interleaved (1, 2 … 8, 1, 2 … 8 …), and keeps
 * for each k the run with the lowest wall time: other processes on a shared machine only
 * ever add time. Error counts are summed over all repetitions.
 */
export async function repeatedSeries(
  rig: Rig,
  ks: readonly number[],
  iterations: number,
  repeats: number,
  onRun: (r: RunResult) => void = () => undefined,
): Promise<RunResult[]> {
  const rows = new Map<number, RunResult>();
  for (let rep = 0; rep < repeats; rep++) {
    for (const k of ks) {
      const r = await runSlots(rig, fillFirst(k, rig.readers.length), iterations);
      onRun(r);
      const prev = rows.get(k);
      if (prev === undefined) {
        rows.set(k, r);
        continue;
      }
      const best = r.wall < prev.wall ? r : prev;
      rows.set(k, {
        ...best,
        walls: [...prev.walls, r.wall],
        mismatches: prev.mismatches + r.mismatches,
        errors: prev.errors + r.errors,
        slotBusy: prev.slotBusy + r.slotBusy,
        peakBusy: Math.max(prev.peakBusy, r.peakBusy),
      });
    }
  }
  return ks.map((k) => rows.get(k)!);
}
