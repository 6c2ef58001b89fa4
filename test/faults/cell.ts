/**
 * One cell of the fault matrix: open the bench, arm one fault on slot 0, run slot 0's
 * APDUs (alone, or with the 7 other slots busy at the same time), then check the other
 * slots, re-power slot 0 when the fault left it failed, and close the reader. Everything
 * runs in virtual time (`virtual-time.ts`), so the elapsed times are those a caller would
 * see on a real reader.
 */
import type { FaultSpec } from '../../src/sim/index.ts';
import { openBench, nextApdu, repower, SLOTS, type ApduOutcome, type Bench, type Exchange } from './env.ts';
import { run, settle } from './virtual-time.ts';

/** Single slot, or all 8 slots with APDUs in flight at once. */
export type SlotMode = 'single' | 'eight';

/** APDUs each slot sends in the fault phase. */
export const APDUS_PER_SLOT = 3;

/** One row of the matrix. */
export interface FaultCase {
  /** README name of the fault. */
  readonly label: string;
  /** The emulator's fault. */
  readonly spec: FaultSpec;
  /** How slot 0 drives its APDUs, when not the default (3 in a row). */
  readonly drive?: (bench: Bench) => Promise<ApduOutcome[]>;
  /** How slot 0 is brought back after an error, when not a power-on. */
  readonly recover?: (bench: Bench) => Promise<void>;
}

/** What happened in one cell. */
export interface CellReport {
  /** Slot 0's APDUs, up to the first error. */
  readonly slot0: readonly ApduOutcome[];
  /** Virtual time slot 0's APDUs took, from arming the fault, in ms. */
  readonly elapsedMs: number;
  /** The answers of the other slots (during the fault with 8 busy, after it with one). */
  readonly others: readonly ApduOutcome[];
  /** Slot 0 after recovery (empty when its last APDU did not fail). */
  readonly recovery: readonly ApduOutcome[];
  /** Error of the recovery itself (re-power failed), if any. */
  readonly recoveryError?: string;
  /** The read timeout of slot 0's session (the deadline of one exchange), in ms. */
  readonly readTimeoutMs: number;
  /** How many times the fault fired. */
  readonly fired: number;
  /** Most slots the emulated reader had busy at once during the fault phase. */
  readonly peakBusySlots: number;
  /** The reader's state after close(). */
  readonly closedState: string;
  /** The bench, for cell-specific checks. */
  readonly bench: Bench;
}

/** APDUs of one slot in a row, stopping at the first error. */
export async function apdusInARow(bench: Bench, slot: number, count = APDUS_PER_SLOT): Promise<ApduOutcome[]> {
  const out: ApduOutcome[] = [];
  for (let i = 0; i < count; i++) {
    const o = await nextApdu(bench, slot);
    out.push(o);
    if (o.ok !== true) break;
  }
  return out;
}

async function otherSlots(bench: Bench): Promise<ApduOutcome[]> {
  const all = await Promise.all(Array.from({ length: SLOTS - 1 }, (_v, i) => apdusInARow(bench, i + 1)));
  return all.flat();
}

/** Runs one cell. */
export async function runCell(fault: FaultCase, exchange: Exchange, mode: SlotMode): Promise<CellReport> {
  const bench = await openBench(exchange);
  const readTimeoutMs = bench.reader.slots[0]!.session!.readTimeoutMs;
  // Warm-up: every slot answers per its oracle before the fault.
  for (let s = 0; s < SLOTS; s++) {
    const o = await run(nextApdu(bench, s), `warm-up slot ${s}`);
    if (o.ok !== true) throw new Error(`warm-up of slot ${s} failed: ${JSON.stringify(o)}`);
  }
  bench.emulated.stats.peakBusySlots = 0;
  const armed = bench.emulated.faults.add({ slot: 0, ...fault.spec });
  const start = performance.now();
  const drive = fault.drive ?? ((b: Bench) => apdusInARow(b, 0));
  let slot0: ApduOutcome[];
  let others: ApduOutcome[];
  let elapsedMs: number;
  if (mode === 'eight') {
    const zero = drive(bench).then((r) => {
      elapsedMs = performance.now() - start;
      return r;
    });
    [slot0, others] = await run(Promise.all([zero, otherSlots(bench)]), 'slot 0 with 7 busy slots');
    elapsedMs ??= performance.now() - start;
  } else {
    slot0 = await run(drive(bench), 'slot 0 alone');
    elapsedMs = performance.now() - start;
    others = await run(otherSlots(bench), 'the other slots after the fault');
  }
  armed.remove();
  const peakBusySlots = bench.emulated.stats.peakBusySlots;
  let recovery: ApduOutcome[] = [];
  let recoveryError: string | undefined;
  if (slot0.length > 0 && slot0[slot0.length - 1]!.ok !== true && bench.reader.state === 'open') {
    const back = await settle((fault.recover ?? ((b: Bench) => repower(b, 0)))(bench), 'recovery of slot 0');
    if (back.ok) recovery = await run(apdusInARow(bench, 0, 2), 'slot 0 after recovery');
    else recoveryError = `${(back.error as { code?: string }).code ?? ''} ${(back.error as Error).message}`;
  }
  await run(bench.reader.close(), 'close');
  return { slot0, elapsedMs: elapsedMs!, others, recovery, ...(recoveryError === undefined ? {} : { recoveryError }), readTimeoutMs, fired: armed.fired, peakBusySlots, closedState: bench.reader.state, bench };
}
