/**
 * Cancellation check between exchanges: a processor that needs several exchanges for one
 * APDU (GET RESPONSE, chaining, T=1 blocks) stops before starting the next one.
 */
import { CancelledError } from '../../errors.ts';

/** @throws {CancelledError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new CancelledError(`${what} cancelled`, { cause: signal.reason });
  }
}
