/**
 * `ccid info [READER]`: the descriptors of a connected reader in the layout of libccid's
 * `parse` tool (as `ccid parse` prints a fixture), then its supported-reader list
 * status and the reader quirks the library applies to it. READER is an index from
 * `ccid list`, a VID:PID, or part of the name; without it, every reader is shown.
 *
 * To read the class requests GET_CLOCK_FREQUENCIES / GET_DATA_RATES as `parse` does, the
 * CCID interfaces are claimed for the time of the reading (npm `usb` sends interface
 * requests only on a claimed interface). When another driver holds one (pcscd), the dump
 * is printed without those answers and the way out is shown (`--force` detaches it).
 *
 * `--json`: the decoded descriptors plus `list`, `notUsedBecause`, `quirks` and the
 * `effective` parameters; one object for a READER, an array otherwise.
 *
 * Exit codes: 0 shown; 1 no reader, no USB, or a reader could not be read; 2 usage.
 */
import { CcidError, UsbTransportError } from '../../errors.ts';
import { describeDevice, descriptionToJson, formatLibccidParse, type DeviceDescription } from '../../descriptors/index.ts';
import { describeQuirk, exchangeLevelName, type Quirk } from '../../readers/index.ts';
import { vidPid } from '../../util/hex.ts';
import type { Command } from '../command.ts';
import { HOST_OPTIONS, listOrExplain, openHost, printNoReader, selectReader, type ReaderEntry } from '../devices.ts';
import { jsonLine, type Output } from '../output.ts';
import { summarizeInterfaces } from './list.ts';

const STATUS_TEXT = { supported: 'supported (tested by libccid)', shouldwork: 'should work (listed by libccid, untested)', unsupported: 'unsupported', unlisted: 'not in libccid\'s list' } as const;

/** Reads the full description: interfaces claimed for the class requests when possible. */
async function readFull(entry: ReaderEntry, out: Output): Promise<{ description: DeviceDescription; problems: UsbTransportError[] }> {
  const { device } = entry;
  const base = entry.description!;
  const problems: UsbTransportError[] = [];
  const openedHere = !device.opened;
  if (openedHere) await device.open();
  const claimed: number[] = [];
  try {
    for (const itf of base.interfaces) {
      try {
        await device.claimInterface(itf.interfaceNumber);
        claimed.push(itf.interfaceNumber);
      } catch (error) {
        if (!(error instanceof UsbTransportError)) throw error;
        problems.push(error);
      }
    }
    const classRequests = claimed.length === base.interfaces.length;
    if (!classRequests) out.error(`ccid info: ${vidPid(device.vendorId, device.productId)}: GET_CLOCK_FREQUENCIES / GET_DATA_RATES not sent (an interface could not be claimed)`);
    return { description: await describeDevice(device, { classRequests }), problems };
  } finally {
    for (const n of claimed) await device.releaseInterface(n).catch(() => undefined);
    if (openedHere) await device.close().catch(() => undefined);
  }
}

function quirkJson(q: Quirk): Record<string, unknown> {
  return { ...q, description: describeQuirk(q) };
}

function printReport(entry: ReaderEntry, description: DeviceDescription, out: Output): void {
  const { listing, quirks, notUsedBecause } = entry.assessment;
  for (const line of formatLibccidParse(description)) out.line(line);
  out.line('');
  out.line(`List status: ${STATUS_TEXT[listing.status]}${listing.name === undefined ? '' : ` as "${listing.name}"`}`);
  if (listing.reason !== undefined) out.line(`  reason: ${listing.reason}`);
  if (notUsedBecause !== undefined) out.line(`Not used by default: ${notUsedBecause} (use it only on request)`);
  const withDescription = { ...entry, description };
  for (const itf of summarizeInterfaces(withDescription)) {
    const e = itf.effective;
    out.line(
      `Interface ${itf.interfaceNumber} as used: ${exchangeLevelName(e.exchangeLevel)} level, ${itf.slots} slot${itf.slots === 1 ? '' : 's'}, ${e.maxBusySlots} busy at once, dwMaxCCIDMessageLength ${e.maxMessageLength}, dwMaxDataRate ${e.maxDataRate} bps`,
    );
    for (const change of itf.changes) out.line(`  quirk: ${change}`);
  }
  if (quirks.length === 0) {
    out.line('Quirks applied: none');
    return;
  }
  out.line(`Quirks applied (${quirks.length}):`);
  for (const q of quirks) {
    out.line(`  - ${q.kind}: ${describeQuirk(q)}`);
    out.line(`    why: ${q.reason}${q.source === undefined ? '' : ` [${q.source}]`}`);
  }
}

function reportJson(entry: ReaderEntry, description: DeviceDescription): Record<string, unknown> {
  const { listing, quirks, notUsedBecause } = entry.assessment;
  return {
    ...descriptionToJson(description),
    list: { status: listing.status, name: listing.name ?? null, reason: listing.reason ?? null },
    notUsedBecause: notUsedBecause ?? null,
    quirks: quirks.map(quirkJson),
    effective: summarizeInterfaces({ ...entry, description }).map((i) => ({ interfaceNumber: i.interfaceNumber, ...i.effective, quirkChanges: i.changes })),
  };
}

function printError(entry: ReaderEntry, error: CcidError, out: Output): void {
  out.error(`ccid info: ${entry.index}: ${vidPid(entry.device.vendorId, entry.device.productId)}: ${error.message} [${error.code}]`);
  if (error instanceof UsbTransportError && error.hint !== undefined) out.error(error.hint);
}

/** The `info` command. */
export const infoCommand: Command = {
  name: 'info',
  usage: '[--json] [--force] [READER]',
  summary: "show a connected reader's descriptors (libccid parse layout), list status and quirks",
  options: HOST_OPTIONS,
  async run(args, out) {
    const json = args.options.has('json');
    const host = await openHost(args.options);
    const entries = await listOrExplain(host, out, 'info');
    if (entries === undefined) return 1;
    if (entries.length === 0) {
      if (json) out.line(jsonLine([]));
      printNoReader(out, 'info');
      return 1;
    }
    const spec = args.positionals[0];
    const chosen = spec === undefined ? entries : [selectReader(entries, spec)];
    const reports: Record<string, unknown>[] = [];
    let failed = false;
    for (const [i, entry] of chosen.entries()) {
      if (entry.description === undefined) {
        failed = true;
        if (entry.error !== undefined) printError(entry, entry.error, out);
        continue;
      }
      let description: DeviceDescription;
      try {
        const full = await readFull(entry, out);
        description = full.description;
        for (const problem of full.problems) printError(entry, problem, out);
      } catch (error) {
        if (!(error instanceof CcidError)) throw error;
        failed = true;
        printError(entry, error, out);
        continue;
      }
      for (const warning of description.warnings) out.error(`ccid info: ${vidPid(entry.device.vendorId, entry.device.productId)}: warning: ${warning}`);
      if (json) {
        reports.push(reportJson(entry, description));
      } else {
        if (i > 0) out.line('');
        printReport(entry, description, out);
      }
    }
    if (json) out.line(jsonLine(spec === undefined ? reports : (reports[0] ?? null)));
    return failed ? 1 : 0;
  },
};
