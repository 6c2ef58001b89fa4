/**
 * How CLI commands obtain readers: which {@link UsbHost} to use (npm `usb`, or the
 * emulator behind `--sim`, wrapped by `--capture` when asked), describing each reader it
 * lists, picking one by index, VID:PID or name, and the messages for "no reader" and
 * "no USB".
 */
import { ArgumentError, CcidError, UsbTransportError } from '../errors.ts';
import { describeDevice, type DeviceDescription } from '../descriptors/index.ts';
import { assessReader, type ReaderAssessment } from '../readers/index.ts';
import type { UsbDevice, UsbHost } from '../usb/transport.ts';
import { DEFAULT_NODE_USB_BACKEND, createNodeUsbHost, nodeUsbBackendFromEnv, parseNodeUsbBackend } from '../usb/node-backend.ts';
import { vidPid } from '../util/hex.ts';
import type { OptionSpec } from './args.ts';
import type { CaptureFile } from './capture-node.ts';
import type { Output } from './output.ts';
import { createSimSession, simProfileOf, type SimSession } from './sim-node.ts';

/** Options that choose or tune the host. */
export const HOST_OPTIONS: readonly OptionSpec[] = [
  { name: 'force', description: 'detach another driver holding the reader (Linux), e.g. when pcscd has it' },
  {
    name: 'usb',
    takesValue: true,
    description: `Node USB backend: libusb (npm usb 2.x) or nusb (npm usb 3.x); default ${DEFAULT_NODE_USB_BACKEND}, or $CCID_USB_BACKEND`,
  },
];

/** Makes the host for a command's options. */
export type HostFactory = (options: ReadonlyMap<string, string | true>) => Promise<UsbHost>;

const defaultFactory: HostFactory = async (options) => {
  const usb = options.get('usb');
  const backend = typeof usb === 'string' ? parseNodeUsbBackend(usb) : nodeUsbBackendFromEnv();
  return createNodeUsbHost({ backend, detachKernelDriver: options.has('force') });
};
let factory: HostFactory = defaultFactory;

/** Replaces the host factory (tests, embedding); call without argument to restore the default. */
export function setHostFactory(next?: HostFactory): void {
  factory = next ?? defaultFactory;
}

/**
 * What `runCli` binds to the options of one invocation: the `--capture` file and what to
 * do when the emulator is made. Keyed by the options map, so concurrent runs (tests) do
 * not mix.
 */
export interface HostContext {
  /** `--capture`: every host opened is wrapped so its devices' traffic goes to this file. */
  readonly capture?: CaptureFile | undefined;
  /** Called when `--sim` makes its emulator (the CLI prints "(emulated reader: ...)"). */
  readonly onEmulated?: ((session: SimSession) => void) | undefined;
}

const contexts = new WeakMap<ReadonlyMap<string, string | true>, HostContext>();
const emulations = new WeakMap<UsbHost, SimSession>();

/** Binds the global options' context to one invocation's options (done by `runCli`). */
export function bindHostContext(options: ReadonlyMap<string, string | true>, context: HostContext): void {
  contexts.set(options, context);
}

/** The emulator session behind a host from {@link openHost}, or undefined for real USB. */
export function emulationOf(host: UsbHost): SimSession | undefined {
  return emulations.get(host);
}

/**
 * The {@link UsbHost} the CLI uses for these options: the emulator with `--sim [PROFILE]`
 * (or `override.sim`), npm `usb` otherwise (`--usb libusb|nusb` picks the backend,
 * `--force` detaches other drivers); wrapped by
 * the `--capture` file when one is bound ({@link bindHostContext}).
 * @throws {ArgumentError} for an unknown `--sim` profile.
 */
export async function openHost(options: ReadonlyMap<string, string | true>, override: { sim?: string } = {}): Promise<UsbHost> {
  const context = contexts.get(options);
  const profile = override.sim ?? simProfileOf(options);
  let host: UsbHost;
  let session: SimSession | undefined;
  if (profile !== undefined) {
    session = createSimSession(profile);
    host = session.host;
    context?.onEmulated?.(session);
  } else {
    host = await factory(options);
  }
  if (context?.capture !== undefined) host = context.capture.wrapHost(host);
  if (session !== undefined) emulations.set(host, session);
  return host;
}

/** One reader as a command sees it. */
export interface ReaderEntry {
  /** Position in the host's list (what `ccid info N` takes). */
  readonly index: number;
  readonly device: UsbDevice;
  /** The descriptors, when they could be read. */
  readonly description?: DeviceDescription;
  /** Why the descriptors could not be read (permission, busy, gone...). */
  readonly error?: CcidError;
  /** bcdDevice, when known (descriptors, or the backend). */
  readonly bcdDevice?: number;
  /** List status, quirks and whether the reader is used by default. */
  readonly assessment: ReaderAssessment;
}

function backendVersion(device: UsbDevice): number | undefined {
  const version = (device as { deviceVersion?: unknown }).deviceVersion;
  return typeof version === 'number' ? version : undefined;
}

/** Manufacturer and product of an entry, from its descriptors or the backend. */
export function readerName(entry: ReaderEntry): string {
  const s = entry.description?.strings;
  const manufacturer = s?.manufacturer ?? entry.device.manufacturerName;
  const product = s?.product ?? entry.device.productName;
  return [manufacturer, product].filter((x): x is string => x !== undefined && x.trim() !== '').map((x) => x.trim()).join(' ') || entry.assessment.listing.name || '(no name)';
}

/** Serial number of an entry, when the reader has one. */
export function readerSerial(entry: ReaderEntry): string | undefined {
  return entry.description?.strings.serialNumber ?? entry.device.serialNumber;
}

/** Builds the entry of one device: describe it (without claiming), look it up. */
export async function describeEntry(device: UsbDevice, index: number, options: { classRequests?: boolean } = {}): Promise<ReaderEntry> {
  let description: DeviceDescription | undefined;
  let error: CcidError | undefined;
  try {
    description = await describeDevice(device, { classRequests: options.classRequests ?? false });
  } catch (e) {
    if (!(e instanceof CcidError)) throw e;
    error = e;
  }
  const bcdDevice = description?.device.deviceVersion ?? backendVersion(device);
  return {
    index,
    device,
    ...(description === undefined ? {} : { description }),
    ...(error === undefined ? {} : { error }),
    ...(bcdDevice === undefined ? {} : { bcdDevice }),
    assessment: assessReader(device.vendorId, device.productId, bcdDevice),
  };
}

/**
 * The readers of a host, described. A reader whose descriptors cannot be read is kept
 * with its `error`.
 * @throws {UsbTransportError} when the host cannot list devices (no USB subsystem...).
 */
export async function discoverReaders(host: UsbHost): Promise<ReaderEntry[]> {
  const devices = await host.getDevices();
  const entries: ReaderEntry[] = [];
  for (const [index, device] of devices.entries()) entries.push(await describeEntry(device, index));
  return entries;
}

/**
 * Picks readers by `spec`: an index from `ccid list`, a VID:PID (`1d50:6141`), or a
 * case-insensitive substring of the name.
 * @throws {ArgumentError} when nothing matches, or a name matches several readers.
 */
export function selectReader(entries: readonly ReaderEntry[], spec: string): ReaderEntry {
  const trimmed = spec.trim();
  let matches: ReaderEntry[];
  if (/^\d+$/.test(trimmed)) {
    matches = entries.filter((e) => e.index === Number(trimmed));
  } else if (/^[0-9a-f]{4}:[0-9a-f]{4}$/i.test(trimmed)) {
    matches = entries.filter((e) => vidPid(e.device.vendorId, e.device.productId) === trimmed.toLowerCase());
  } else {
    const needle = trimmed.toLowerCase();
    matches = entries.filter((e) => readerName(e).toLowerCase().includes(needle) || (e.assessment.listing.name ?? '').toLowerCase().includes(needle));
  }
  if (matches.length === 0) {
    const known = entries.map((e) => `  ${e.index}: ${vidPid(e.device.vendorId, e.device.productId)} ${readerName(e)}`).join('\n');
    throw new ArgumentError(`no reader matches "${spec}"; readers:\n${known}`);
  }
  if (matches.length > 1) {
    const list = matches.map((e) => `  ${e.index}: ${vidPid(e.device.vendorId, e.device.productId)} ${readerName(e)}`).join('\n');
    throw new ArgumentError(`"${spec}" matches ${matches.length} readers; give the index:\n${list}`);
  }
  return matches[0]!;
}

/** Prints the "no reader" message (standard error). */
export function printNoReader(out: Output, command: string): void {
  out.error(`ccid ${command}: no CCID reader found.`);
  out.error('Check that:');
  out.error('  - the reader is plugged in (lsusb lists it);');
  out.error('  - your user may open it (Linux: a udev rule for its VID:PID, see the README section "Linux permissions");');
  out.error('  - it has a CCID interface (class 0x0B, or a vendor-class interface with a CCID descriptor);');
  out.error('  - pcscd does not hold it exclusively (sudo systemctl stop pcscd.socket pcscd).');
}

/**
 * Lists the host's devices; on a host failure prints what it means and returns
 * `undefined` (the command then exits 1).
 */
export async function listOrExplain(host: UsbHost, out: Output, command: string): Promise<ReaderEntry[] | undefined> {
  try {
    return await discoverReaders(host);
  } catch (error) {
    if (!(error instanceof UsbTransportError)) throw error;
    if (error.code === 'CCID_ERR_USB_NO_SUBSYSTEM') {
      out.error(`ccid ${command}: no USB subsystem on this machine: no reader can be reached [${error.code}]`);
      if (error.cause instanceof Error) out.error(`  (${error.cause.message})`);
    } else {
      out.error(`ccid ${command}: cannot list USB devices: ${error.message} [${error.code}]`);
    }
    if (error.hint !== undefined) out.error(error.hint);
    if (error.code === 'CCID_ERR_USB_NO_SUBSYSTEM') out.error(TRY_THE_EMULATOR);
    return undefined;
  }
}

/** What to suggest when no real reader can be reached. */
export const TRY_THE_EMULATOR = 'To try ccid without a reader: ccid demo (npm start), or add --sim to any command (ccid sim --list).';
