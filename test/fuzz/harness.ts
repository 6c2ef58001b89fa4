/**
 * The shared fuzz harness: what a target is, how case `i` of a run seeded `s` is built
 * (reproducibly, from those two numbers), how one case is checked and timed, and the
 * helpers targets use to state their properties.
 *
 * A target gives inputs two ways: a fast-check arbitrary (structured messages, random
 * bytes, edits of real seeds) and, where it fits, a plain mutator over a seed corpus
 * (`mutate.ts`). Even cases come from the arbitrary, odd ones from the mutator.
 *
 * The property every target checks: the code under test throws nothing but a
 * `CcidError` (of the documented class where the doc names one), returns in bounded time
 * on bounded input, and, where an encoder exists, encode → decode gives the same value.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { CcidError, ERROR_CODES, isCcidError } from '../../src/errors.ts';
import { Prng } from './prng.ts';

/** One fuzz target. */
export interface FuzzTarget<I = unknown> {
  /** Short name (`--target NAME`, the regression folder). */
  readonly name: string;
  /** What is fuzzed and which properties are checked. */
  readonly description: string;
  /** Structured, random and seed-edited inputs. */
  readonly arbitrary: fc.Arbitrary<I>;
  /** Plain random mutation of the seed corpus. */
  readonly mutate?: (rng: Prng) => I;
  /**
   * Checks the properties on one input. Returns true when the input was accepted
   * (decoded), false when it was refused with a typed error. Throws {@link FuzzViolation}
   * (or anything else) when a property does not hold.
   */
  readonly check: (input: I) => boolean | Promise<boolean>;
  /** CPU-time budget of one case in milliseconds. @default 250 */
  readonly maxCaseMs?: number;
}

/** A broken property. */
export class FuzzViolation extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FuzzViolation';
  }
}

/** Builds input `index` of a run seeded `seed` (same numbers, same input). */
export function generateCase<I>(target: FuzzTarget<I>, seed: number, index: number): I {
  const rng = Prng.forCase(seed, index);
  if (target.mutate !== undefined && (index & 1) === 1) return target.mutate(rng);
  // fast-check's own runner raises the bias with the run number; cycle through its range.
  const bias = index % 4 === 0 ? undefined : 2 + (index % 6);
  return target.arbitrary.generate(new fc.Random(rng), bias).value;
}

/** The outcome of one case. */
export interface CaseOutcome {
  readonly accepted: boolean;
  /** CPU time of the check, in ms. */
  readonly ms: number;
}

/** Why a case failed: the property message, or a time budget overrun. */
export class CaseFailure extends Error {
  constructor(
    message: string,
    readonly input: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CaseFailure';
  }
}

/**
 * Runs one case: the check (awaited when it is asynchronous), timed. The budget counts
 * the process's CPU time, not wall time, so a busy machine (or `nice`) does not make a
 * case slow; a case over it is run once more before it counts as slow (a GC pause).
 * @throws {CaseFailure} when a property fails or the case is slow twice.
 */
export async function runCase<I>(target: FuzzTarget<I>, input: I): Promise<CaseOutcome> {
  const budget = target.maxCaseMs ?? 250;
  let accepted: boolean;
  let ms = 0;
  for (let attempt = 0; ; attempt++) {
    const cpu0 = process.cpuUsage();
    try {
      const result = target.check(input);
      accepted = typeof result === 'boolean' ? result : await result;
    } catch (error) {
      throw new CaseFailure(`${target.name}: ${describeError(error)}`, input, { cause: error });
    }
    const cpu = process.cpuUsage(cpu0);
    ms = (cpu.user + cpu.system) / 1000;
    if (ms <= budget) break;
    if (attempt === 1) throw new CaseFailure(`${target.name}: case took ${ms.toFixed(1)} ms of CPU (budget ${budget} ms)`, input);
  }
  return { accepted, ms };
}

/** Counters of a run. */
export interface RunStats {
  cases: number;
  accepted: number;
  rejected: number;
  maxMs: number;
  totalMs: number;
}

/** Fresh counters. */
export function newStats(): RunStats {
  return { cases: 0, accepted: 0, rejected: 0, maxMs: 0, totalMs: 0 };
}

/**
 * Runs cases `[from, to)` of seed `seed`, adding to `stats`. Stack traces are off while
 * cases run (a rejected input costs one CcidError, and capturing its stack is most of the
 * cost); a failing case is run again with them on, for the report.
 * @throws {CaseFailure} with `seed` and `index`.
 */
export async function runCases<I>(target: FuzzTarget<I>, seed: number, from: number, to: number, stats: RunStats, onCase?: (index: number) => void): Promise<void> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let i = from;
  try {
    for (; i < to; i++) {
      onCase?.(i);
      const outcome = await runCase(target, generateCase(target, seed, i));
      stats.cases++;
      if (outcome.accepted) stats.accepted++;
      else stats.rejected++;
      stats.totalMs += outcome.ms;
      if (outcome.ms > stats.maxMs) stats.maxMs = outcome.ms;
    }
  } catch (error) {
    Error.stackTraceLimit = limit;
    let failure = error;
    try {
      await runCase(target, generateCase(target, seed, i));
    } catch (again) {
      failure = again;
    }
    if (failure instanceof CaseFailure) Object.assign(failure, { index: i, seed });
    throw failure;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** `Name: message` of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof FuzzViolation) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? `\n${error.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return `non-Error thrown: ${String(error)}`;
}

const ALL_CODES = new Set<string>(Object.values(ERROR_CODES).flat());

type ErrorClass = abstract new (...args: never[]) => CcidError;

/**
 * Runs `fn`; returns its value, or the {@link CcidError} it threw. Anything else thrown,
 * a CcidError with an unknown code, or one of a class outside `allowed` (when given) is a
 * {@link FuzzViolation}.
 */
export function attempt<T>(what: string, fn: () => T, allowed?: readonly ErrorClass[]): T | CcidError {
  try {
    return fn();
  } catch (error) {
    if (!isCcidError(error)) throw new FuzzViolation(`${what} threw ${describeError(error)}`, { cause: error });
    if (!ALL_CODES.has(error.code)) throw new FuzzViolation(`${what} threw a CcidError with unknown code ${error.code}`, { cause: error });
    if (allowed !== undefined && !allowed.some((c) => error instanceof c)) {
      throw new FuzzViolation(`${what} threw ${error.name} (${error.code}), documented: ${allowed.map((c) => c.name).join(' or ')}`, { cause: error });
    }
    return error;
  }
}

/** Runs `fn`, which must not throw at all. */
export function never<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new FuzzViolation(`${what} must not throw, threw ${describeError(error)}`, { cause: error });
  }
}

/** Asserts a property. */
export function holds(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new FuzzViolation(typeof message === 'string' ? message : message());
}

/** Asserts deep equality (typed arrays by content). */
export function same(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new FuzzViolation(`${what}: values differ\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
  }
}

/** Hex of bytes, for messages. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function show(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : typeof v === 'bigint' ? String(v) : v instanceof Map ? [...v] : v));
  return text === undefined ? String(value) : text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
