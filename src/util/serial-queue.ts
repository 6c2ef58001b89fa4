/**
 * Runs asynchronous jobs one at a time, in call order. A job starts at once when nothing
 * is running (no extra turn of the event loop: the common case of one caller awaiting
 * each result), otherwise after every job started before it has settled, whatever the
 * outcome.
 */
export class SerialQueue {
  #tail: Promise<void> | undefined;
  #running = 0;
  readonly #done = (): void => {
    this.#running--;
  };

  /** Runs `job` after the jobs already queued; its result or rejection is the returned promise's. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const started = this.#running === 0 ? start(job) : this.#tail!.then(job);
    this.#running++;
    this.#tail = started.then(this.#done, this.#done);
    return started;
  }
}

/** Calls `job`, turning a synchronous throw into a rejection. */
function start<T>(job: () => Promise<T>): Promise<T> {
  try {
    return job();
  } catch (error) {
    return Promise.reject(error);
  }
}
