import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/util/serial-queue.ts';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SerialQueue', () => {
  it('starts a job synchronously when nothing runs', () => {
    const queue = new SerialQueue();
    let started = false;
    void queue.run(async () => {
      started = true;
    });
    expect(started).toBe(true);
  });

  it('runs jobs one at a time in call order, a failure not blocking the next', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const first = deferred<string>();
    const a = queue.run(async () => {
      log.push('a start');
      const v = await first.promise;
      log.push('a end');
      return v;
    });
    const b = queue.run(async () => {
      log.push('b start');
      throw new Error('b failed');
    });
    const c = queue.run(async () => {
      log.push('c start');
      return 'c';
    });
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    first.resolve('a');
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['a start', 'a end', 'b start', 'c start']);
  });

  it('turns a synchronous throw into a rejection and stays usable', async () => {
    const queue = new SerialQueue();
    const failing = queue.run((): Promise<number> => {
      throw new Error('sync');
    });
    await expect(failing).rejects.toThrow('sync');
    await expect(queue.run(async () => 7)).resolves.toBe(7);
  });

  it('takes the fast path again once the previous job has settled', async () => {
    const queue = new SerialQueue();
    await queue.run(async () => 1);
    let started = false;
    void queue.run(async () => {
      started = true;
    });
    expect(started).toBe(true);
  });
});
