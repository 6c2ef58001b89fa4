/**
 * Output helpers: the spinner shows only on a terminal and only for work longer than its
 * delay; formatting of times and slot ranges.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { slotRanges } from '../../src/cli/scanner.ts';
import { formatMs, memoryOutput, printable, progress, type Output } from '../../src/cli/output.ts';

describe('progress', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function terminal(): Output & { statuses: string[] } {
    const statuses: string[] = [];
    return { ...memoryOutput(), statuses, status: (text: string) => void statuses.push(text) };
  }

  it('shows nothing for work shorter than the delay', () => {
    const out = terminal();
    const p = progress(out, 'working', 1000);
    vi.advanceTimersByTime(999);
    p.done();
    vi.advanceTimersByTime(5000);
    expect(out.statuses).toEqual([]);
  });

  it('after the delay: a spinner with the current text, cleared by done()', () => {
    const out = terminal();
    const p = progress(out, 'powering on', 1000);
    vi.advanceTimersByTime(1000);
    expect(out.statuses).toEqual(['⠋ powering on']);
    p.update('powering on 3/8');
    vi.advanceTimersByTime(80);
    expect(out.statuses[1]).toBe('⠙ powering on 3/8');
    p.done();
    expect(out.statuses[out.statuses.length - 1]).toBe('');
    const count = out.statuses.length;
    vi.advanceTimersByTime(1000);
    expect(out.statuses).toHaveLength(count);
  });

  it('is a no-op without a terminal (pipes, files, tests)', () => {
    const out = memoryOutput();
    const p = progress(out, 'x', 0);
    vi.advanceTimersByTime(1000);
    p.done();
    expect(out.stdout).toEqual([]);
    expect(out.stderr).toEqual([]);
  });
});

describe('formatting', () => {
  it('formatMs picks the unit', () => {
    expect(formatMs(0.25)).toBe('250 µs');
    expect(formatMs(4.567)).toBe('4.57 ms');
    expect(formatMs(45.67)).toBe('45.7 ms');
    expect(formatMs(1520)).toBe('1.52 s');
  });

  it('printable replaces control and non-ASCII bytes with dots', () => {
    expect(printable(Uint8Array.of(0x48, 0x69, 0x00, 0x7f, 0x20, 0xe9))).toBe('Hi.. .');
  });

  it('slotRanges', () => {
    expect(slotRanges([0, 1, 2, 3, 4, 5, 6, 7])).toBe('0-7');
    expect(slotRanges([0, 2, 3, 5])).toBe('0, 2-3, 5');
    expect(slotRanges([4])).toBe('4');
  });
});
