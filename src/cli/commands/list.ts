/**
 * `ccid list`: one line per CCID reader the host sees: index, VID:PID, manufacturer and
 * product, serial number, slot count, how many slots may be busy at once, exchange level
 * (after reader quirks; `*` marks a value a quirk changed) and the supported-reader list
 * status. Readers that cannot be read (permission, another driver) are listed with the
 * problem, and what to do follows the table. `--json`: one JSON array.
 *
 * Exit codes: 0 at least one reader; 1 no reader, no USB subsystem, or host failure.
 */
import { UsbTransportError } from '../../errors.ts';
import { applyQuirks, exchangeLevelName, parametersFromInterface, type ReaderParameters } from '../../readers/index.ts';
import { vidPid } from '../../util/hex.ts';
import type { Command } from '../command.ts';
import { HOST_OPTIONS, listOrExplain, openHost, printNoReader, readerName, readerSerial, type ReaderEntry } from '../devices.ts';
import { jsonLine, table, type Output } from '../output.ts';

const STATUS_TEXT = { supported: 'supported', shouldwork: 'should work', unsupported: 'unsupported', unlisted: 'unlisted' } as const;

/** The values of one CCID interface as the library will use them (reader quirks applied). */
export interface InterfaceSummary {
  readonly interfaceNumber: number;
  readonly kind: string;
  readonly slots: number;
  /** Descriptor values. */
  readonly stated: ReaderParameters;
  /** After quirks. */
  readonly effective: ReaderParameters;
  /** What the quirks changed. */
  readonly changes: readonly string[];
}

/** The interfaces of an entry with quirks applied. */
export function summarizeInterfaces(entry: ReaderEntry): InterfaceSummary[] {
  return (entry.description?.interfaces ?? []).map((itf) => {
    const stated = parametersFromInterface(itf);
    const { parameters, changes } = applyQuirks(stated, entry.assessment.quirks);
    return { interfaceNumber: itf.interfaceNumber, kind: itf.kind, slots: itf.slotCount, stated, effective: parameters, changes: changes.map((c) => c.description) };
  });
}

function statusText(entry: ReaderEntry): string {
  const { listing, notUsedBecause } = entry.assessment;
  if (notUsedBecause !== undefined && listing.status !== 'unsupported') return `${STATUS_TEXT[listing.status]}, bogus firmware`;
  return STATUS_TEXT[listing.status];
}

function problemText(error: UsbTransportError | { code: string }): string {
  switch (error.code) {
    case 'CCID_ERR_USB_ACCESS_DENIED':
      return 'permission denied';
    case 'CCID_ERR_USB_BUSY':
      return 'in use by another driver';
    case 'CCID_ERR_USB_DEVICE_GONE':
      return 'unplugged';
    default:
      return error.code;
  }
}

function row(entry: ReaderEntry): string[] {
  const id = vidPid(entry.device.vendorId, entry.device.productId);
  const serial = readerSerial(entry) ?? '-';
  if (entry.description === undefined) {
    return [String(entry.index), id, readerName(entry), serial, '-', '-', entry.error === undefined ? '-' : `(${problemText(entry.error)})`, statusText(entry)];
  }
  const interfaces = summarizeInterfaces(entry);
  const slots = interfaces.map((i) => String(i.slots)).join('+');
  const busy = interfaces.map((i) => `${i.effective.maxBusySlots}${i.effective.maxBusySlots !== i.stated.maxBusySlots ? '*' : ''}`).join('+');
  const level = interfaces
    .map((i) => `${exchangeLevelName(i.effective.exchangeLevel)}${i.effective.exchangeLevel !== i.stated.exchangeLevel ? '*' : ''}${i.kind === 'ccid' ? '' : ` (${i.kind.toUpperCase()})`}`)
    .join(', ');
  return [String(entry.index), id, readerName(entry), serial, slots, busy, level, statusText(entry)];
}

function toJson(entry: ReaderEntry): Record<string, unknown> {
  const { listing, notUsedBecause, quirks } = entry.assessment;
  return {
    index: entry.index,
    reader: vidPid(entry.device.vendorId, entry.device.productId),
    vendorId: entry.device.vendorId,
    productId: entry.device.productId,
    bcdDevice: entry.bcdDevice ?? null,
    manufacturer: entry.description?.strings.manufacturer ?? entry.device.manufacturerName ?? null,
    product: entry.description?.strings.product ?? entry.device.productName ?? null,
    serialNumber: readerSerial(entry) ?? null,
    list: { status: listing.status, name: listing.name ?? null, reason: listing.reason ?? null },
    notUsedBecause: notUsedBecause ?? null,
    quirks: quirks.map((q) => q.kind),
    interfaces: summarizeInterfaces(entry).map((i) => ({
      interfaceNumber: i.interfaceNumber,
      kind: i.kind,
      slots: i.slots,
      maxBusySlots: i.effective.maxBusySlots,
      exchangeLevel: i.effective.exchangeLevel,
      statedExchangeLevel: i.stated.exchangeLevel,
      quirkChanges: i.changes,
    })),
    error: entry.error === undefined ? null : { code: entry.error.code, message: entry.error.message, hint: entry.error instanceof UsbTransportError ? (entry.error.hint ?? null) : null },
  };
}

function printProblems(entries: readonly ReaderEntry[], out: Output): void {
  for (const entry of entries) {
    const id = vidPid(entry.device.vendorId, entry.device.productId);
    if (entry.error !== undefined) {
      out.error(`${entry.index}: ${id}: ${entry.error.message} [${entry.error.code}]`);
      if (entry.error instanceof UsbTransportError && entry.error.hint !== undefined) out.error(entry.error.hint);
    }
    if (entry.assessment.notUsedBecause !== undefined) out.error(`${entry.index}: ${id}: not used by default: ${entry.assessment.notUsedBecause}`);
  }
}

/** The `list` command. */
export const listCommand: Command = {
  name: 'list',
  usage: '[--json] [--force]',
  summary: 'list the CCID readers connected (VID:PID, name, slots, exchange level, list status)',
  options: HOST_OPTIONS,
  async run(args, out) {
    const host = await openHost(args.options);
    const entries = await listOrExplain(host, out, 'list');
    if (entries === undefined) return 1;
    if (args.options.has('json')) {
      out.line(jsonLine(entries.map(toJson)));
      if (entries.length === 0) printNoReader(out, 'list');
      return entries.length === 0 ? 1 : 0;
    }
    if (entries.length === 0) {
      printNoReader(out, 'list');
      return 1;
    }
    const lines = table(['#', 'VID:PID', 'Reader', 'Serial', 'Slots', 'Busy', 'Level', 'List'], entries.map(row));
    for (const line of lines) out.line(line);
    if (entries.some((e) => summarizeInterfaces(e).some((i) => i.changes.length > 0))) out.line('* changed by a reader quirk (ccid info shows which and why)');
    printProblems(entries, out);
    return 0;
  },
};
