/**
 * Virtual time for the fault matrix: vitest's fake timers replace `setTimeout`,
 * `setInterval`, `performance` and `Date`, so the engine's deadlines (minutes, for a T=0
 * card with the default WI), the emulator's card and mute times and its time-extension
 * ticks all run on one clock that the test moves from timer to timer. A cell whose
 * outcome is a 510-second timeout takes milliseconds of real time, and the elapsed time
 * it reports is what a caller would wait on a real reader.
 *
 * Nothing else is faked: promises and `queueMicrotask` run as usual, and `setImmediate`
 * stays real so that {@link settle} can tell "waiting for a timer" from "stuck".
 */
import { vi } from 'vitest';

/** Starts virtual time (call in `beforeEach`). */
export function useVirtualTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
}

/** Back to real time (call in `afterEach`). */
export function useRealTime(): void {
  vi.useRealTimers();
}

/** A settled promise: its value or its error. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Thrown when a promise neither settles nor waits for any timer (a hang no deadline will end). */
export class StuckError extends Error {
  constructor(what: string) {
    super(`${what}: not settled, and no timer pending (a hang no deadline will end)`);
    this.name = 'StuckError';
  }
}

const realTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Waits for `promise`, moving virtual time from timer to timer. Fails with
 * {@link StuckError} when nothing is pending and the promise does not settle, and when
 * more than `limitMs` of virtual time pass (a deadline that is not kept).
 */
export async function settle<T>(promise: Promise<T>, what: string, limitMs = 3_600_000): Promise<Settled<T>> {
  let done = false;
  const result = promise.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
  if (!vi.isFakeTimers()) return result; // real time: just wait
  void result.then(() => (done = true));
  const start = performance.now();
  let idle = 0;
  for (;;) {
    // Let everything that needs no timer run first: time moves only when the promise is
    // really waiting for one (else a timer would fire earlier than on a real reader).
    await realTick();
    if (done) break;
    if (performance.now() - start > limitMs) throw new Error(`${what}: still pending after ${limitMs} ms of virtual time`);
    if (vi.getTimerCount() === 0) {
      if (++idle > 200) throw new StuckError(what);
      continue;
    }
    idle = 0;
    await vi.advanceTimersToNextTimerAsync();
  }
  return result;
}

/** {@link settle}, then the value, or the error thrown. */
export async function run<T>(promise: Promise<T>, what: string, limitMs?: number): Promise<T> {
  const r = await settle(promise, what, limitMs);
  if (!r.ok) throw r.error;
  return r.value;
}
