/**
 * What `ccid apdu` and `ccid script` share: open the reader chosen by `--reader` (the only
 * or first usable one by default), choose the slot (`--slot N`, or the first slot holding
 * a card), power the card on, and format responses: hex grouped by bytes with printable
 * ASCII, then the status word and its ISO/IEC 7816-4 meaning.
 */
import { ArgumentError, CardProtocolError } from '../errors.ts';
import { describeStatusWord, statusWordInfo } from '../iso7816/status-words.ts';
import { openReader, type PowerOnResult, type Reader, type Slot } from '../reader/index.ts';
import type { UsbHost } from '../usb/transport.ts';
import { hexByte, toHex, vidPid } from '../util/hex.ts';
import type { OptionSpec } from './args.ts';
import { HOST_OPTIONS, emulationOf, listOrExplain, openHost, printNoReader, readerName, selectReader } from './devices.ts';
import { formatMs, printable, style, type Output } from './output.ts';

/** `--reader R` and `--slot N`, plus the host options. */
export const READER_OPTIONS: readonly OptionSpec[] = [
  { name: 'reader', short: 'r', takesValue: true, description: 'reader: index from ccid list, VID:PID, or part of its name (default: the first)' },
  { name: 'slot', short: 's', takesValue: true, description: 'slot number, 0 .. bMaxSlotIndex (default: the first slot holding a card)' },
  ...HOST_OPTIONS,
];

/** An opened reader and the slot a command works on. */
export interface OpenedSlot {
  readonly host: UsbHost;
  readonly reader: Reader;
  readonly slot: Slot;
  /** True on the `--sim` emulator. */
  readonly emulated: boolean;
}

function parseSlot(value: string | true | undefined, reader: Reader): Slot | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  const slot = reader.slots[n];
  if (slot === undefined) {
    throw new ArgumentError(`--slot takes a slot number from 0 to ${reader.slots.length - 1} for ${reader.name}, got "${String(value)}"`);
  }
  return slot;
}

/**
 * Opens the reader and picks the slot for `command`. Returns `undefined` after printing
 * why when there is no reader (exit code 1).
 * @throws {ArgumentError} for a bad `--reader` / `--slot`; {@link CardProtocolError}
 *   `CCID_ERR_CARD_REMOVED` when no slot holds a card; whatever {@link openReader} throws.
 */
export async function openSlot(options: ReadonlyMap<string, string | true>, out: Output, command: string): Promise<OpenedSlot | undefined> {
  const host = await openHost(options);
  const entries = await listOrExplain(host, out, command);
  if (entries === undefined) return undefined;
  if (entries.length === 0) {
    printNoReader(out, command);
    return undefined;
  }
  const spec = options.get('reader');
  if (spec === true) throw new ArgumentError('--reader needs a value: an index from ccid list, a VID:PID or part of the name');
  const entry = spec === undefined ? (entries.find((e) => e.description !== undefined) ?? entries[0]!) : selectReader(entries, spec);
  if (entry.description === undefined && entry.error !== undefined) throw entry.error;
  const reader = await openReader(entry.device, entry.description === undefined ? {} : { description: entry.description });
  try {
    const chosen = parseSlot(options.get('slot'), reader) ?? reader.slots.find((s) => s.state !== 'absent');
    if (chosen === undefined) {
      throw new CardProtocolError('CCID_ERR_CARD_REMOVED', `${readerName(entry)} (${vidPid(entry.device.vendorId, entry.device.productId)}): no card in any of its ${reader.slots.length} slot(s)`, { reader: reader.name });
    }
    return { host, reader, slot: chosen, emulated: emulationOf(host) !== undefined };
  } catch (error) {
    await reader.close().catch(() => undefined);
    throw error;
  }
}

/** One line on the card session: `slot 0: ATR 3B ... (T=0, Fi/Di 512/32, 156 kbit/s)`. */
export function sessionLine(slot: Slot, session: PowerOnResult): string {
  const kbps = session.rateBps >= 1000 ? `${Number((session.rateBps / 1000).toFixed(1))} kbit/s` : `${session.rateBps} bit/s`;
  const voltage = session.voltage === 'auto' ? 'voltage chosen by the reader' : `${session.voltage} V`;
  return `${slot.reader.name} slot ${slot.index}: ATR ${toHex(session.atr)}  (T=${session.protocol}, Fi/Di ${session.fi}/${session.di}, ${kbps}, ${voltage})`;
}

/**
 * A response for people: the data as hex dump rows (16 bytes, grouped by 8, ASCII on the
 * right), then `90 00  No further qualification (success)`. `elapsedMs` is appended when given.
 */
export function formatResponse(out: Output, data: Uint8Array, sw: number, elapsedMs?: number): string[] {
  const lines: string[] = [];
  for (let off = 0; off < data.length; off += 16) {
    const chunk = data.subarray(off, off + 16);
    const hex = (toHex(chunk.subarray(0, 8)) + '  ' + toHex(chunk.subarray(8))).trimEnd();
    lines.push(`${off === 0 ? '<' : ' '} ${hex.padEnd(48)}  ${style(out, 'dim', printable(chunk))}`);
  }
  const info = statusWordInfo(sw);
  const swText = `${hexByte(sw >> 8)} ${hexByte(sw)}`;
  const time = elapsedMs === undefined ? '' : style(out, 'dim', `  (${formatMs(elapsedMs)})`);
  lines.push(`${data.length === 0 ? '<' : ' '} ${style(out, info.success ? 'green' : 'red', swText)}  ${info.text}${time}`);
  return lines;
}

/** The command line as sent: `> 00 A4 04 00 ...`. */
export function formatCommand(apdu: Uint8Array): string {
  return `> ${toHex(apdu)}`;
}

/** `90 00` → `"9000"` (the JSON form of a status word). */
export function swHex(sw: number): string {
  return hexByte(sw >> 8) + hexByte(sw);
}

/** `describeStatusWord` re-exported for the commands' messages. */
export { describeStatusWord };
