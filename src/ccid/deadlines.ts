/**
 * One lazy timer per device for every command deadline.
 *
 * A timer per command would cost a setTimeout/clearTimeout pair per round trip. Instead
 * the timer is armed for the earliest deadline known when it is armed, is not cancelled
 * when a command completes, and on firing asks its owner to expire what is due and to say
 * when the next deadline is. Back-to-back 3-second commands then cost one timer every
 * 3 seconds, not one per command.
 */

/** Scans pending work at `now`, expires what is due, returns the next deadline (Infinity: none). */
export type DeadlineScan = (now: number) => number;

/** The device's deadline timer. */
export class DeadlineTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;
  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const next = this.scan(this.now());
    if (next !== Infinity) this.armAt(next);
  };

  constructor(
    private readonly now: () => number,
    private readonly scan: DeadlineScan,
  ) {}

  /** Makes sure the timer fires no later than `deadline`. */
  armAt(deadline: number): void {
    if (deadline >= this.armedAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = deadline;
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(deadline - this.now())));
  }

  /** Cancels the timer (nothing left to watch, or shutting down). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }
}
