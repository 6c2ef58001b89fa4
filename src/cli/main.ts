/**
 * The `ccid` command line: `ccid <command> [options]`. Node-only (this folder may use
 * Node built-ins; the library core may not).
 */
import { parseArgs, type OptionSpec, type ParsedArgs } from './args.ts';
import { COMMANDS } from './registry.ts';
import { processOutput, style, type Output } from './output.ts';
import { CcidError, UsbTransportError } from '../errors.ts';
import { CAPTURE_OPTION, openCaptureFromArgs, type CaptureFile } from './capture-node.ts';
import { bindHostContext } from './devices.ts';
import { DEFAULT_SIM_PROFILE, SIM_OPTION, type SimSession } from './sim-node.ts';
import { listProfiles } from '../sim/index.ts';
import type { Command } from './command.ts';

/** Options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', description: 'machine-readable output (JSON)' },
  { name: 'help', short: 'h', description: 'show help for the command' },
  SIM_OPTION,
  CAPTURE_OPTION,
];

/** The human label of an emulated session: `(emulated reader: sysmoOCTSIM, 8 virtual cards)`. */
export function emulatedLabel(session: SimSession): string {
  return `(emulated reader: ${session.profile}, ${session.cards} virtual card${session.cards === 1 ? '' : 's'})`;
}

function markEmulated(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(markEmulated);
  if (value !== null && typeof value === 'object' && !('emulated' in value)) return { ...value, emulated: true };
  return value;
}

/**
 * Under `--json` on an emulated host: once the emulator is made, every JSON object a
 * command prints (or each object of a printed array) gets `"emulated": true`, so no
 * consumer mistakes emulated results for a device's.
 */
function emulatedJsonOutput(out: Output, isEmulated: () => boolean): Output {
  const line = (text = ''): void => {
    const t = text.trimStart();
    if (isEmulated() && (t.startsWith('{') || t.startsWith('['))) {
      try {
        out.line(JSON.stringify(markEmulated(JSON.parse(t))));
        return;
      } catch {
        // not JSON after all: print as is
      }
    }
    out.line(text);
  };
  return { line, error: (text) => out.error(text), colour: out.colour, ...(out.status === undefined ? {} : { status: out.status }) };
}

/** What to do next for errors that carry no hint of their own. */
export function nextStep(error: CcidError): string | undefined {
  const slot = error.slot === undefined ? 'the slot' : `slot ${error.slot}`;
  switch (error.code) {
    case 'CCID_ERR_CARD_ABSENT':
    case 'CCID_ERR_CARD_REMOVED':
      return `No card in ${slot}: insert one (ccid scan shows each slot's state), or choose another slot with --slot N.`;
    case 'CCID_ERR_CARD_MUTE':
      return `The card in ${slot} does not answer: check that it is inserted the right way round and its contacts are clean; an old 5 V card may need a reader that supplies 5 V.`;
    case 'CCID_ERR_READER_GONE':
      return 'The reader went away (unplugged, or reset by the USB hub): plug it back and run the command again (ccid list shows what is connected).';
    case 'CCID_ERR_TIMEOUT':
      return 'The reader did not answer in time. Unplug and replug it; if it keeps happening, run with --capture FILE.pcap and look at the last messages (ccid decode FILE.pcap).';
    case 'CCID_ERR_SLOT_BUSY':
      return 'The slot is busy with another command: wait for it to finish, or stop the other program using the reader (pcscd: sudo systemctl stop pcscd.socket pcscd).';
    case 'CCID_ERR_NOT_SUPPORTED':
      return 'This reader cannot do that; ccid info shows what it supports (exchange level, protocols, voltages).';
    case 'CCID_ERR_PROTOCOL':
    case 'CCID_ERR_FRAME_MALFORMED':
    case 'CCID_ERR_FRAME_TOO_LONG':
      return 'The reader broke the CCID protocol. Run again with --capture FILE.pcap and report the capture with the output of ccid info.';
    default:
      return undefined;
  }
}

/**
 * `--sim` takes an optional PROFILE, so in `ccid apdu --sim 00A4040000` the APDU would be
 * read as a profile. A word after `--sim` is its value only when it names a built-in
 * profile or a `.desc` file; otherwise `--sim` stands alone (`--sim=PROFILE` is always
 * unambiguous).
 */
function bareSim(argv: readonly string[]): string[] {
  const names = new Set(listProfiles().map((p) => p.name));
  return argv.map((word, i) => {
    const next = argv[i + 1];
    if (word !== '--sim' || next === undefined || next.startsWith('-')) return word;
    return names.has(next) || next.endsWith('.desc') ? word : `--sim=${DEFAULT_SIM_PROFILE}`;
  });
}

function closeCapture(capture: CaptureFile | undefined, out: Output, command: string): number {
  if (capture === undefined) return 0;
  try {
    capture.close();
  } catch (error) {
    if (!(error instanceof CcidError)) throw error;
    out.error(`ccid ${command}: ${error.message} [${error.code}]`);
    return 1;
  }
  out.error(`ccid ${command}: ${capture.packets} USB packets written to ${capture.path} (read it with: ccid decode ${capture.path}, or tshark -r ${capture.path})`);
  return 0;
}

/** Runs one command with the global options (`--sim`, `--capture`) bound. */
async function runCommand(command: Command, args: ParsedArgs, baseOut: Output): Promise<number> {
  const json = args.options.has('json');
  let emulated = false;
  const out = json ? emulatedJsonOutput(baseOut, () => emulated) : baseOut;
  const capture = openCaptureFromArgs(args);
  bindHostContext(args.options, {
    capture,
    onEmulated: (session) => {
      emulated = true;
      if (!json) out.line(style(out, 'dim', emulatedLabel(session)));
    },
  });
  let code: number;
  try {
    code = await command.run(args, out);
  } finally {
    const captureCode = closeCapture(capture, baseOut, command.name);
    // A capture that could not be written fails the run even when the command succeeded.
    if (captureCode !== 0) code = captureCode;
  }
  return code;
}

function printHelp(out: Output): void {
  out.line('ccid: a userspace USB CCID smart-card reader driver and diagnostics tool');
  out.line('');
  out.line('usage: ccid <command> [options]');
  out.line('');
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  for (const c of COMMANDS) out.line(`  ${c.name.padEnd(width)}  ${c.summary}`);
  out.line('');
  out.line('Every command also takes --json, --sim [PROFILE] (run on the built-in emulator, no reader');
  out.line('needed) and --capture FILE.pcap (every USB transfer, for Wireshark). Try: ccid demo');
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
    const args = parseArgs(bareSim(rest), [...GLOBAL_OPTIONS, ...command.options]);
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
    return await runCommand(command, args, out);
  } catch (error) {
    if (error instanceof CcidError) {
      out.error(`ccid ${command.name}: ${error.message} [${error.code}]`);
      const hint = error instanceof UsbTransportError && error.hint !== undefined ? error.hint : nextStep(error);
      if (hint !== undefined) out.error(hint);
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
      // The command is over and every reader closed. npm usb v3 may still hold a native
      // transfer until its timeout (seen on QEMU's reader in the test bed: the process
      // lingered after `ccid apdu`), so do not wait on it longer than a moment.
      setTimeout(() => process.exit(code), 500).unref();
    },
    (error: unknown) => {
      process.stderr.write(`ccid: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
