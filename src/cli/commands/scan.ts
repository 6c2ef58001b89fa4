/**
 * `ccid scan`: what pcsc_scan shows, without pcscd. Readers are watched on the USB host
 * (`watchReaders`: connect/disconnect events) and cards through each reader's interrupt
 * endpoint (RDR_to_PC_NotifySlotChange, CCID 1.1 §6.3.1): nothing is polled. When a
 * card is present or arrives, it is powered on to read its ATR and powered off again, as
 * pcscd does on insertion; the ATR is analysed (ISO/IEC 7816-3 §8) and looked up in
 * pcsc-tools' `smartcard_list.txt`.
 *
 * Output: for each reader, a table of its slots when it appears, then one timestamped
 * line per event. `-c` prints the readers present and exits; `-t SECONDS` stops after
 * that long; otherwise Ctrl-C stops. `-v` prints the full ATR analysis (`ccid atr`'s)
 * instead of its summary. `--json`: one event per line:
 *
 * - `{"event":"reader-added","time":…,"reader":0,"name":…,"vidPid":"1d50:6141","serial":…,"slots":8}`
 * - `{"event":"slot","reader":0,"slot":3,"card":"present"|"absent","atr":…,"analysis":…,"identification":[…]}` (state when the reader appears)
 * - `{"event":"card-inserted",…same fields as "slot"…}`, `{"event":"card-removed","reader":0,"slot":3}`
 * - `{"event":"reader-removed","reader":0}`, `{"event":"reader-error","vidPid":…,"error":{"code","message","hint"}}`
 *
 * `atr` is upper-case hex without separators, `analysis` the object `ccid atr --json` prints
 * (without identification), `error` replaces them when the card could not be read.
 *
 * Exit codes: 0; 1 no USB subsystem, `-c` found no reader or could not open one, or a bad option.
 */
import { ArgumentError, UsbTransportError } from '../../errors.ts';
import { watchReaders } from '../../reader/index.ts';
import type { UsbHost } from '../../usb/transport.ts';
import { loadAtrList } from '../atr-db-node.ts';
import type { Command } from '../command.ts';
import { HOST_OPTIONS, TRY_THE_EMULATOR, openHost, printNoReader } from '../devices.ts';
import { jsonLine, style, withProgress, type Output } from '../output.ts';
import { Scanner, type ScanOptions } from '../scanner.ts';

function parseSeconds(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(s) || s <= 0) throw new ArgumentError(`-t takes a number of seconds, e.g. -t 30 (got "${String(value)}")`);
  return s;
}

/** Resolves after `seconds`, or on Ctrl-C (SIGINT); says which. */
function waitForStop(seconds: number | undefined): Promise<'timeout' | 'interrupted'> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      clearTimeout(timer);
      resolve('interrupted');
    };
    const timer = seconds === undefined ? undefined : setTimeout(() => {
      process.off('SIGINT', onSignal);
      resolve('timeout');
    }, seconds * 1000);
    process.once('SIGINT', onSignal);
  });
}

/**
 * Runs a scan on `host` (the command's body, exported for embedding and tests).
 * `seconds` undefined and `once` false: until Ctrl-C.
 */
export async function scanHost(host: UsbHost, out: Output, options: ScanOptions & { once: boolean; seconds?: number | undefined }): Promise<number> {
  try {
    await host.getDevices();
  } catch (error) {
    if (!(error instanceof UsbTransportError)) throw error;
    out.error(`ccid scan: cannot list USB devices: ${error.message} [${error.code}]`);
    if (error.hint !== undefined) out.error(error.hint);
    if (error.code === 'CCID_ERR_USB_NO_SUBSYSTEM') out.error(TRY_THE_EMULATOR);
    return 1;
  }
  const scanner = new Scanner(out, { ...options, live: !options.once });
  const watcher = watchReaders(host);
  watcher.on('added', (e) => scanner.added(e));
  watcher.on('removed', (e) => scanner.removed(e.reader));
  try {
    if (options.once) {
      await withProgress(out, 'reading the readers and their cards', async () => {
        await watcher.ready;
        await scanner.settled();
      });
    } else {
      await watcher.ready;
    }
    if (!options.once && !options.json) {
      out.line(style(out, 'dim', `Watching for readers and cards${options.seconds === undefined ? ' (Ctrl-C to stop)' : ` for ${options.seconds} s`}...`));
    }
    if (!options.once) await waitForStop(options.seconds);
    await scanner.settled();
  } finally {
    scanner.detach();
    await watcher.close();
  }
  if (options.once && scanner.opened + scanner.failed === 0) {
    if (options.json) out.line(jsonLine({ event: 'no-reader', time: new Date().toISOString() }));
    printNoReader(out, 'scan');
    return 1;
  }
  // -c is a check: a reader that could not be opened fails it (the reason and the fix were printed).
  return options.once && scanner.failed > 0 ? 1 : 0;
}

/** The `scan` command. */
export const scanCommand: Command = {
  name: 'scan',
  usage: '[-c] [-t SECONDS] [-v] [--json] [--atr-db FILE]',
  summary: 'watch readers and cards like pcsc_scan: slot states, ATRs, ATR analysis, card identification',
  options: [
    { name: 'once', short: 'c', description: 'list the readers and cards present, then exit' },
    { name: 'time', short: 't', takesValue: true, description: 'stop after SECONDS (default: run until Ctrl-C)' },
    { name: 'verbose', short: 'v', description: 'full ATR analysis (as ccid atr) instead of the summary' },
    { name: 'atr-db', takesValue: true, description: "ATR list to identify cards (default: pcsc-tools' smartcard_list.txt)" },
    ...HOST_OPTIONS,
  ],
  async run(args, out) {
    if (args.positionals.length > 0) {
      throw new ArgumentError(`ccid scan takes no argument ("${args.positionals[0]}"); to choose an emulator profile write --sim=PROFILE (ccid sim --list)`);
    }
    const seconds = parseSeconds(args.options.get('time'));
    const dbOption = args.options.get('atr-db');
    if (dbOption === true) throw new ArgumentError('--atr-db needs a file');
    const db = await loadAtrList(dbOption);
    const host = await openHost(args.options);
    return scanHost(host, out, { json: args.options.has('json'), verbose: args.options.has('verbose'), live: true, db, once: args.options.has('once'), seconds });
  },
};
