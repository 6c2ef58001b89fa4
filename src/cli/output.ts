/**
 * Where CLI commands print: standard output and error, colour only on a terminal,
 * aligned tables, and hex grouped by bytes. Commands get one `Output` so tests can
 * capture what they print.
 */
import { toHex } from '../util/hex.ts';

/** A sink for a command's output. */
export interface Output {
  /** Print a line on standard output. */
  line(text?: string): void;
  /** Print a line on standard error. */
  error(text: string): void;
  /** True when colours may be used (standard output is a terminal, NO_COLOR unset). */
  readonly colour: boolean;
  /**
   * Shows `text` as a transient status line (a spinner, a progress count) that the next
   * line replaces; `''` clears it. Present only when standard error is a terminal, so
   * pipes, files and tests never see status lines.
   */
  readonly status?: (text: string) => void;
}

/** The process's own stdout/stderr. */
export function processOutput(): Output {
  const colour = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  // `ccid decode big.pcap | head`: the reader of the pipe left; stop quietly as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  let statusShown = false;
  const clearStatus = (): void => {
    if (!statusShown) return;
    process.stderr.write('\r\x1b[K');
    statusShown = false;
  };
  const interactive = process.stderr.isTTY === true;
  return {
    line: (text = '') => {
      clearStatus();
      process.stdout.write(text + '\n');
    },
    error: (text) => {
      clearStatus();
      process.stderr.write(text + '\n');
    },
    colour,
    ...(interactive
      ? {
          status: (text: string) => {
            clearStatus();
            if (text === '') return;
            // One terminal row: a wrapped status line could not be erased by \r.
            const width = Math.max(20, (process.stderr.columns ?? 80) - 1);
            process.stderr.write(text.length > width ? text.slice(0, width) : text);
            statusShown = true;
          },
        }
      : {}),
  };
}

/** An output that keeps everything in memory (tests). */
export function memoryOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, colour: false, line: (text = '') => void stdout.push(text), error: (text) => void stderr.push(text) };
}

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;

/** Wraps `text` in an ANSI style when `out.colour` is set. */
export function style(out: Output, name: keyof typeof ANSI, text: string): string {
  return out.colour ? `\x1b[${ANSI[name]}m${text}\x1b[0m` : text;
}

/** Formats rows as an aligned table with a header row. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

/** A classic hex dump: offset, 16 bytes in hex grouped by 8, printable ASCII. */
export function hexDump(bytes: Uint8Array, indent = ''): string[] {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = bytes.subarray(off, off + 16);
    const hex = (toHex(chunk.subarray(0, 8)) + '  ' + toHex(chunk.subarray(8))).trimEnd();
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${indent}${off.toString(16).padStart(4, '0')}  ${hex.padEnd(49)} ${ascii}`);
  }
  return lines;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A spinner line for work that may take a while; see {@link progress}. */
export interface Progress {
  /** Changes the text after the spinner (e.g. "powering on 3/8"). */
  update(text: string): void;
  /** Removes the spinner line (idempotent). */
  done(): void;
}

/**
 * Shows a spinner with `text` on standard error if the work is still running after
 * `delayMs` (work under a second shows nothing), and only on a terminal
 * ({@link Output.status}); elsewhere every call is a no-op.
 */
export function progress(out: Output, text: string, delayMs = 1000): Progress {
  const status = out.status;
  if (status === undefined) return { update: () => undefined, done: () => undefined };
  let current = text;
  let frame = 0;
  let interval: ReturnType<typeof setInterval> | undefined;
  const draw = (): void => status(`${SPINNER[frame++ % SPINNER.length]} ${current}`);
  const start = setTimeout(() => {
    draw();
    interval = setInterval(draw, 80);
    interval.unref?.();
  }, delayMs);
  start.unref?.();
  let finished = false;
  return {
    update(next) {
      current = next;
    },
    done() {
      if (finished) return;
      finished = true;
      clearTimeout(start);
      if (interval !== undefined) {
        clearInterval(interval);
        status('');
      }
    },
  };
}

/** Runs `work` with a {@link progress} spinner labelled `text`; the spinner goes when it settles. */
export async function withProgress<T>(out: Output, text: string, work: (p: Progress) => Promise<T>): Promise<T> {
  const p = progress(out, text);
  try {
    return await work(p);
  } finally {
    p.done();
  }
}

/** Printable ASCII of `bytes`, `.` for the others (the right column of a hex dump). */
export function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}

/** Milliseconds for humans: `850 µs`, `12.4 ms`, `1.52 s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${Math.round(ms * 1000)} µs`;
}

/** Prints `value` as one line of JSON (Uint8Array as upper-case hex). */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? v.toString() : v));
}
