/**
 * A small argument parser for the `ccid` command line: `--flag`, `--key value`,
 * `--key=value`, short `-c`/`-t 5`, and positionals. Flags that take a value are
 * declared by each command; everything else is boolean.
 */
import { ArgumentError } from '../errors.ts';

/** Parsed arguments of one command. */
export interface ParsedArgs {
  readonly positionals: string[];
  /** Boolean flags and valued options by long name (short aliases resolved). */
  readonly options: Map<string, string | true>;
}

/** How a command declares its options. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `reader`. */
  readonly name: string;
  /** One-letter alias, e.g. `t`. */
  readonly short?: string;
  /** True when the option takes a value (`--reader R`). */
  readonly takesValue?: boolean;
  /** For `--help`. */
  readonly description: string;
  /** True when the value may be omitted (`--sim` or `--sim PROFILE`): takes the next word only if it does not start with `-`. */
  readonly optionalValue?: boolean;
}

/** Parses `argv` (without the command name) against `specs`. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      spec = byName.get(name);
      if (spec === undefined) throw new ArgumentError(`unknown option --${name}`);
    } else if (arg.startsWith('-') && arg.length === 2 && !/^-\d$/.test(arg)) {
      spec = byShort.get(arg.slice(1));
      if (spec === undefined) throw new ArgumentError(`unknown option ${arg}`);
    } else {
      positionals.push(arg);
      continue;
    }
    if (!spec.takesValue) {
      if (inline !== undefined) throw new ArgumentError(`--${spec.name} takes no value`);
      options.set(spec.name, true);
      continue;
    }
    if (inline !== undefined) {
      options.set(spec.name, inline);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !(spec.optionalValue && next.startsWith('-'))) {
      options.set(spec.name, next);
      i++;
    } else if (spec.optionalValue) {
      options.set(spec.name, true);
    } else {
      throw new ArgumentError(`--${spec.name} needs a value`);
    }
  }
  return { positionals, options };
}
