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
}

/** The process's own stdout/stderr. */
export function processOutput(): Output {
  const colour = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  return {
    line: (text = '') => void process.stdout.write(text + '\n'),
    error: (text) => void process.stderr.write(text + '\n'),
    colour,
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

/** Prints `value` as one line of JSON (Uint8Array as upper-case hex). */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? v.toString() : v));
}
