/**
 * The `ccid` command line: `ccid <command> [options]`. Node-only (this folder may use
 * Node built-ins; the library core may not).
 */
import { parseArgs, type OptionSpec } from './args.ts';
import { COMMANDS } from './registry.ts';
import { processOutput, type Output } from './output.ts';
import { CcidError, UsbTransportError } from '../errors.ts';

/** Options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', description: 'machine-readable output (JSON)' },
  { name: 'help', short: 'h', description: 'show help for the command' },
];

function printHelp(out: Output): void {
  out.line('ccid: a userspace USB CCID smart-card reader driver and diagnostics tool');
  out.line('');
  out.line('usage: ccid <command> [options]');
  out.line('');
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  for (const c of COMMANDS) out.line(`  ${c.name.padEnd(width)}  ${c.summary}`);
  out.line('');
  out.line('Run "ccid <command> --help" for the options of a command.');
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], out: Output): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printHelp(out);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    out.error(`ccid: unknown command "${name}". Run "ccid --help" for the list.`);
    return 2;
  }
  try {
    const args = parseArgs(rest, [...GLOBAL_OPTIONS, ...command.options]);
    if (args.options.has('help')) {
      out.line(`usage: ccid ${command.name} ${command.usage}`);
      out.line(command.summary);
      out.line('');
      for (const o of [...command.options, ...GLOBAL_OPTIONS]) {
        const flag = `${o.short === undefined ? '   ' : `-${o.short},`} --${o.name}${o.takesValue ? (o.optionalValue ? ' [VALUE]' : ' VALUE') : ''}`;
        out.line(`  ${flag.padEnd(28)} ${o.description}`);
      }
      return 0;
    }
    return await command.run(args, out);
  } catch (error) {
    if (error instanceof CcidError) {
      out.error(`ccid ${command.name}: ${error.message} [${error.code}]`);
      if (error instanceof UsbTransportError && error.hint !== undefined) out.error(error.hint);
      return 1;
    }
    throw error;
  }
}

const isMain = process.argv[1] !== undefined && /(?:main\.ts|ccid(?:\.js)?)$/.test(process.argv[1]);
if (isMain) {
  runCli(process.argv.slice(2), processOutput()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`ccid: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
