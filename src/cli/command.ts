/**
 * What every `ccid` sub-command provides. Each lives in `src/cli/commands/<name>.ts`
 * and is registered in `src/cli/registry.ts`.
 */
import type { OptionSpec, ParsedArgs } from './args.ts';
import type { Output } from './output.ts';

/** One sub-command of the `ccid` tool. */
export interface Command {
  /** The word after `ccid`. */
  readonly name: string;
  /** Arguments synopsis for help, e.g. `[--json] FILE.desc`. */
  readonly usage: string;
  /** One line for `ccid --help`. */
  readonly summary: string;
  /** Options besides the global ones (`--json`, `--help`, `--capture`, `--sim`). */
  readonly options: readonly OptionSpec[];
  /** Runs the command; resolves to the process exit code. */
  run(args: ParsedArgs, out: Output): Promise<number>;
}
