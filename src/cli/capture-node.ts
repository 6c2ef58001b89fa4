/**
 * `--capture FILE.pcap`: writes the usbmon pcap stream of {@link captureDevice} to a file
 * (Node only). Writes are synchronous and unbuffered, one record per write, so the file
 * is complete up to the last transfer even if the process is killed, and records stay
 * in the order the transfers happened.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ArgumentError } from '../errors.ts';
import { captureDevice, captureHost, type CaptureOptions, type CapturingUsbDevice } from '../pcap/capture.ts';
import { PcapWriter } from '../pcap/pcap-writer.ts';
import type { UsbDevice, UsbHost } from '../usb/transport.ts';
import type { OptionSpec, ParsedArgs } from './args.ts';

/** The global `--capture FILE.pcap` option. */
export const CAPTURE_OPTION: OptionSpec = {
  name: 'capture',
  takesValue: true,
  description: 'write every USB transfer to FILE.pcap (Linux usbmon, for Wireshark/tshark)',
};

/** An open capture file. */
export interface CaptureFile {
  /** The file being written. */
  readonly path: string;
  /** Number of packets written so far. */
  readonly packets: number;
  /**
   * Wraps a device so its traffic goes into this file. Each wrapped device gets its own
   * device number (1, 2, 3... on bus 1) unless `options.device` says otherwise.
   */
  wrap(device: UsbDevice, options?: CaptureOptions): CapturingUsbDevice;
  /** A host whose devices are all wrapped ({@link CaptureFile.wrap}), each once. */
  wrapHost(host: UsbHost): UsbHost;
  /**
   * Closes the file.
   * @throws {ArgumentError} when a write failed earlier (disk full...), with the cause.
   */
  close(): void;
}

/**
 * Creates (or truncates) `path` and writes the pcap header.
 * @throws {ArgumentError} when the file cannot be created.
 */
export function openCaptureFile(path: string, defaults: CaptureOptions = {}): CaptureFile {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new ArgumentError(`cannot create the capture file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let failure: unknown;
  let open = true;
  const writer = new PcapWriter((chunk) => {
    if (!open || failure !== undefined) return;
    try {
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
    } catch (error) {
      // A full disk must not break the session being captured: stop writing, report at close.
      failure = error;
    }
  });
  let nextDevice = 1;
  const wrap = (device: UsbDevice, options: CaptureOptions = {}): CapturingUsbDevice =>
    captureDevice(device, writer, { ...defaults, ...options, device: options.device ?? nextDevice++ });
  return {
    path,
    get packets() {
      return writer.packets;
    },
    wrap,
    wrapHost: (host) => captureHost(host, (device) => wrap(device)),
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
      if (failure !== undefined) {
        throw new ArgumentError(`writing the capture file ${path} failed: ${failure instanceof Error ? failure.message : String(failure)}`, { cause: failure });
      }
    },
  };
}

/**
 * Opens the capture file named by `--capture`, or returns undefined without the option.
 * @throws {ArgumentError} when `--capture` has no file name or the file cannot be created.
 */
export function openCaptureFromArgs(args: ParsedArgs): CaptureFile | undefined {
  const value = args.options.get('capture');
  if (value === undefined) return undefined;
  if (value === true || value === '') throw new ArgumentError('--capture needs a file name, e.g. --capture session.pcap');
  return openCaptureFile(value);
}
