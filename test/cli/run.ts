/**
 * Helpers of the CLI tests: run `ccid` in-process with a memory output, parse JSON lines.
 */
import { runCli } from '../../src/cli/main.ts';
import { memoryOutput } from '../../src/cli/output.ts';

/** What a run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string[];
  /** stdout joined with newlines. */
  readonly text: string;
}

/** Runs `ccid ...argv`. */
export async function run(argv: readonly string[]): Promise<CliRun> {
  const out = memoryOutput();
  const code = await runCli(argv, out);
  return { code, stdout: out.stdout, stderr: out.stderr, text: out.stdout.join('\n') };
}

/** The JSON values of the lines of stdout (every line must be JSON). */
export function jsonLines<T = Record<string, unknown>>(r: CliRun): T[] {
  return r.stdout.map((line) => JSON.parse(line) as T);
}
