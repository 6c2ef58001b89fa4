/**
 * Serves an emulated reader as a real USB function through Linux FunctionFS (Node only):
 * the descriptors and strings go to `ep0`, then one loop per endpoint file moves bytes
 * between the kernel and the emulator's USB face (`reader.device`, the same WebUSB-shaped
 * {@link UsbDevice} the driver's tests use):
 *
 * - bulk-OUT: each read of `epN` (one packet, wMaxPacketSize bytes at most) goes to
 *   `device.transferOut`; the emulator joins full packets into messages (CCID 1.1 §5.2.1);
 * - bulk-IN / interrupt-IN: each `device.transferIn` chunk is written to `epN`; a bulk
 *   chunk that fills its last packet is followed by a zero-length packet so the host's
 *   larger read ends (USB 2.0 §5.8.3);
 * - ep0 events: ENABLE / DISABLE (the endpoint loops pause while disabled), SETUP for the
 *   CCID class requests ABORT, GET_CLOCK_FREQUENCIES, GET_DATA_RATES (CCID 1.1 §5.3),
 *   answered by the emulator's control face; anything it refuses is STALLed.
 *
 * The configfs gadget (device descriptor, UDC binding) is set up by the caller.
 *
 * Each blocking read/write of an ep file holds a libuv thread-pool thread: run with
 * `UV_THREADPOOL_SIZE` ≥ endpoints + 2 (the default 4 is enough for one CCID interface).
 *
 * @example
 * ```ts
 * const reader = createEmulatedReader('sysmoOCTSIM', { timeScale: 1 });
 * const server = await serveFunctionFs(reader, '/dev/ffs-ccid');
 * // write the UDC name into the gadget's UDC file; the host now sees the reader
 * await server.close();
 * ```
 */
import { closeSync, openSync, read, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UsbTransportError } from '../errors.ts';
import type { UsbControlSetup, UsbDevice } from '../usb/transport.ts';
import { FUNCTIONFS_EVENT_SIZE, type FunctionFsEndpoint, type FunctionFsEvent, type FunctionFsSetupPacket, decodeFunctionFsEvents, functionFsSetup } from './functionfs.ts';
import type { EmulatedReader } from './reader.ts';

/** Options of {@link serveFunctionFs}. */
export interface FunctionFsOptions {
  /** Offer high-speed descriptors (the reader must use `maxPacketSize: 512`). @default false */
  readonly highSpeed?: boolean;
  /** Receives what happens (events, errors), for logs. */
  readonly log?: (line: string) => void;
}

/** What a {@link FunctionFsServer} counted. */
export interface FunctionFsCounters {
  /** Reads of bulk-OUT files (packets). */
  outTransfers: number;
  /** Writes to IN files (transfers), zero-length packets not included. */
  inTransfers: number;
  /** Zero-length packets written after a transfer that filled its last packet. */
  zlps: number;
  /** SETUP events answered (or stalled). */
  setups: number;
  /** SETUPs stalled. */
  stalls: number;
  /** Kernel I/O errors (disable, unbind). */
  errors: number;
  /** Total ms spent in writes to IN files (waiting for the host to read). */
  inWriteMs: number;
  /** Total ms from a bulk-OUT read's completion to the emulator having taken it. */
  outHandleMs: number;
}

/** A running FunctionFS server. */
export interface FunctionFsServer {
  /** The ep files and the emulator endpoints behind them. */
  readonly endpoints: readonly FunctionFsEndpoint[];
  /** True between ENABLE and DISABLE (the host configured the device). */
  readonly enabled: boolean;
  /** Resolves at the next ENABLE (at once when enabled). */
  whenEnabled(): Promise<void>;
  /** Counters: bytes and transfers each way, setups answered and stalled. */
  readonly counters: FunctionFsCounters;
  /** Stops the loops and closes the files (blocked kernel I/O ends when the gadget is unbound). */
  close(): Promise<void>;
}

function readAsync(fd: number, buffer: Uint8Array, length: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, length, null, (error, n) => (error === null ? resolve(n) : reject(error))));
}

function writeAsync(fd: number, data: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => write(fd, data, 0, data.length, null, (error, n) => (error === null ? resolve(n) : reject(error))));
}

function setupOf(p: FunctionFsSetupPacket): UsbControlSetup {
  const types = ['standard', 'class', 'vendor'] as const;
  const recipients = ['device', 'interface', 'endpoint', 'other'] as const;
  return {
    requestType: types[(p.bmRequestType >> 5) & 0x03] ?? 'vendor',
    recipient: recipients[p.bmRequestType & 0x1f] ?? 'other',
    request: p.bRequest,
    value: p.wValue,
    index: p.wIndex,
  };
}

/**
 * Writes the descriptors and strings to `<mountpoint>/ep0`, opens the endpoint files and
 * starts serving `reader`. Resolves once the function is ready for the UDC binding.
 * @throws {UsbTransportError} `CCID_ERR_USB_IO` when ep0 refuses the descriptors or an
 *   endpoint file cannot be opened.
 */
export async function serveFunctionFs(reader: EmulatedReader, mountpoint: string, options: FunctionFsOptions = {}): Promise<FunctionFsServer> {
  const setup = functionFsSetup(reader.profile, { highSpeed: options.highSpeed === true });
  const log = options.log ?? ((): void => undefined);
  const device: UsbDevice = reader.device;
  let ep0: number;
  try {
    ep0 = openSync(join(mountpoint, 'ep0'), 'r+');
    writeSync(ep0, setup.descriptors);
    writeSync(ep0, setup.strings);
  } catch (error) {
    throw new UsbTransportError('CCID_ERR_USB_IO', `FunctionFS at ${mountpoint}: descriptors refused (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const files = new Map<number, number>();
  try {
    for (const ep of setup.endpoints) files.set(ep.file, openSync(join(mountpoint, `ep${ep.file}`), 'r+'));
  } catch (error) {
    throw new UsbTransportError('CCID_ERR_USB_IO', `FunctionFS at ${mountpoint}: endpoint file (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  await device.open();
  for (const n of setup.interfaceNumbers) await device.claimInterface(n);

  const counters: FunctionFsCounters = { outTransfers: 0, inTransfers: 0, zlps: 0, setups: 0, stalls: 0, errors: 0, inWriteMs: 0, outHandleMs: 0 };
  let stopped = false;
  let enabled = false;
  let enableWaiters: (() => void)[] = [];
  const whenEnabled = (): Promise<void> => (enabled ? Promise.resolve() : new Promise((resolve) => enableWaiters.push(resolve)));

  /** Kernel I/O failed (endpoint disabled, host gone): wait for the next ENABLE. */
  const recover = async (what: string, error: unknown): Promise<void> => {
    if (stopped) return;
    counters.errors++;
    log(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    if (enabled) await new Promise((r) => setTimeout(r, 10));
    await whenEnabled();
  };

  const outLoop = async (ep: FunctionFsEndpoint, fd: number): Promise<void> => {
    const buffer = new Uint8Array(ep.maxPacketSize);
    while (!stopped) {
      let n: number;
      try {
        n = await readAsync(fd, buffer, buffer.length);
      } catch (error) {
        await recover(`ep${ep.file} read`, error);
        continue;
      }
      counters.outTransfers++;
      const t = performance.now();
      try {
        await device.transferOut(ep.endpointNumber, buffer.slice(0, n));
        counters.outHandleMs += performance.now() - t;
      } catch (error) {
        await recover(`emulator transferOut(${ep.endpointNumber})`, error);
      }
    }
  };

  const inLoop = async (ep: FunctionFsEndpoint, fd: number): Promise<void> => {
    while (!stopped) {
      let chunk: Uint8Array;
      try {
        const result = await device.transferIn(ep.endpointNumber, 1 << 16);
        if (result.status !== 'ok' || result.data === undefined) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        chunk = new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength).slice();
      } catch (error) {
        await recover(`emulator transferIn(${ep.endpointNumber})`, error);
        continue;
      }
      try {
        await whenEnabled();
        const t = performance.now();
        await writeAsync(fd, chunk);
        counters.inWriteMs += performance.now() - t;
        counters.inTransfers++;
        if (ep.type === 'bulk' && chunk.length > 0 && chunk.length % ep.maxPacketSize === 0) {
          await writeAsync(fd, new Uint8Array(0));
          counters.zlps++;
        }
      } catch (error) {
        // The host went away mid-transfer (disable, reset): the chunk is lost, as on a wire.
        await recover(`ep${ep.file} write`, error);
      }
    }
  };

  const stall = async (p: FunctionFsSetupPacket): Promise<void> => {
    counters.stalls++;
    // FunctionFS: reading ep0 during an IN setup (writing during an OUT setup) halts it.
    try {
      if ((p.bmRequestType & 0x80) !== 0) await readAsync(ep0, new Uint8Array(1), 1);
      else await writeAsync(ep0, new Uint8Array(1));
    } catch {
      // EL2HLT: the stall was sent.
    }
  };

  const answerSetup = async (p: FunctionFsSetupPacket): Promise<void> => {
    counters.setups++;
    const control = setupOf(p);
    try {
      if ((p.bmRequestType & 0x80) !== 0) {
        const result = await device.controlTransferIn(control, p.wLength);
        if (result.status !== 'ok' || result.data === undefined) return stall(p);
        const data = new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength).slice(0, p.wLength);
        await writeAsync(ep0, data);
      } else {
        // The data stage (and the status stage) is a read of wLength bytes; Node skips 0-byte
        // reads, so ask for at least 1: FunctionFS clamps the length to wLength.
        const buffer = new Uint8Array(Math.max(1, p.wLength));
        await readAsync(ep0, buffer, buffer.length);
        const result = await device.controlTransferOut(control, buffer.slice(0, p.wLength));
        if (result.status !== 'ok') log(`setup ${p.bRequest}: the emulator refused it after the status stage`);
      }
    } catch (error) {
      log(`setup ${p.bmRequestType.toString(16)}/${p.bRequest}: ${error instanceof Error ? error.message : String(error)}`);
      await stall(p);
    }
  };

  const handle = async (event: FunctionFsEvent): Promise<void> => {
    log(`event ${event.type}${event.setup === undefined ? '' : ` ${JSON.stringify(event.setup)}`}`);
    if (event.type === 'enable') {
      enabled = true;
      const waiters = enableWaiters;
      enableWaiters = [];
      for (const w of waiters) w();
    } else if (event.type === 'disable' || event.type === 'unbind') {
      enabled = false;
    } else if (event.type === 'setup' && event.setup !== undefined) {
      await answerSetup(event.setup);
    }
  };

  const ep0Loop = async (): Promise<void> => {
    const buffer = new Uint8Array(FUNCTIONFS_EVENT_SIZE * 8);
    while (!stopped) {
      let n: number;
      try {
        n = await readAsync(ep0, buffer, buffer.length);
      } catch (error) {
        if (stopped) return;
        counters.errors++;
        log(`ep0 read: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      for (const event of decodeFunctionFsEvents(buffer.subarray(0, n))) await handle(event);
    }
  };

  void ep0Loop();
  for (const ep of setup.endpoints) {
    const fd = files.get(ep.file)!;
    if (ep.direction === 'out') void outLoop(ep, fd);
    else void inLoop(ep, fd);
  }

  return {
    endpoints: setup.endpoints,
    get enabled() {
      return enabled;
    },
    whenEnabled,
    counters,
    async close() {
      stopped = true;
      for (const fd of files.values()) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
      try {
        closeSync(ep0);
      } catch {
        // already closed
      }
      await device.close().catch(() => undefined);
    },
  };
}
