/**
 * {@link NodeUsbDevice}: an npm `usb` v3 `USBDevice` behind the {@link UsbDevice}
 * contract of `src/usb/transport.ts`.
 *
 * What npm `usb` 3.1 does (read in its sources, node-usb-rs `tsc/index.ts` and
 * `src/webusb_device.rs`, and nusb 0.2), and what this wrapper does about it:
 *
 * - **Default timeout 1000 ms.** `transferIn/Out` and `controlTransferIn/Out` take a
 *   third `timeout` argument that defaults to `DEFAULT_TIMEOUT = 1000` ms; nusb's
 *   `transfer_blocking` then cancels the transfer and node-usb rejects with
 *   `transferIn error: Cancelled`. A CCID response may legitimately take minutes, and
 *   the contract says an IN transfer has no timeout. So every call here passes an
 *   explicit timeout: control transfers `controlTimeoutMs`, bulk-OUT `outTimeoutMs`,
 *   and bulk/interrupt-IN `inRearmMs`, after which the read is silently re-armed ("nothing
 *   yet", never an error) until data, a stall, unplugging, `releaseInterface()` or
 *   `close()`.
 * - **One transfer per endpoint.** node-usb asks nusb for the endpoint on every call and
 *   nusb hands an endpoint to one user at a time, so a second transfer on an endpoint
 *   that has one in flight fails at once with `endpoint not found`. This wrapper rejects
 *   such a call itself with a clear `CCID_ERR_USB_IO` (callers run one read loop per
 *   IN endpoint and queue OUT writes), and waits for an abandoned native read (see
 *   below) to end before starting the next one.
 * - **No cancellation; close does not release.** node-usb's `close()` drops the device
 *   handle but keeps claimed interfaces (and an in-flight transfer keeps its interface
 *   alive until its timeout). So `close()` here first rejects pending reads with
 *   `CCID_ERR_USB_CLOSED`, releases every interface it claimed, waits (at most one
 *   re-arm period) for abandoned native reads to end, then closes. Data that arrives for
 *   an abandoned read is lost, as with WebUSB's close.
 * - **Stalls reject.** node-usb rejects on a STALL where WebUSB resolves with
 *   `status: 'stall'`; this wrapper resolves like WebUSB.
 * - **Short reads are truncated silently.** node-usb rounds an IN request up to a
 *   multiple of wMaxPacketSize and then cuts the data to the `length` asked for: a
 *   longer packet loses its tail with no error (WebUSB would report `babble`). Callers
 *   read bulk-IN with a length that is a multiple of wMaxPacketSize and at least
 *   dwMaxCCIDMessageLength.
 * - **Partial data on a timeout.** When the re-arm timeout hits while a multi-packet
 *   response is half received, nusb reports the cancellation and node-usb drops the
 *   bytes already received. The window is one packet time per re-arm period of
 *   *silence*, so the re-arm period is long (2 s by default).
 */
import { UsbTransportError } from '../../errors.ts';
import type {
  UsbControlSetup,
  UsbDevice,
  UsbDirection,
  UsbInTransferResult,
  UsbOutTransferResult,
} from '../transport.ts';
import { isNodeUsbStall, isNodeUsbTimeout, mapNodeUsbError } from './errors.ts';

/**
 * The part of npm `usb` v3's `USBDevice` this wrapper uses (structural, so tests can
 * pass a fake). Transfers take WebUSB's arguments plus npm `usb`'s timeout in ms.
 */
export interface NativeUsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName?: string | null | undefined;
  readonly productName?: string | null | undefined;
  readonly serialNumber?: string | null | undefined;
  readonly opened: boolean;
  /** bcdDevice, split as WebUSB does. */
  readonly deviceVersionMajor?: number;
  readonly deviceVersionMinor?: number;
  readonly deviceVersionSubminor?: number;
  open(): Promise<void>;
  close(): Promise<void>;
  reset(): Promise<void>;
  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  controlTransferIn(setup: UsbControlSetup, length: number, timeout?: number): Promise<UsbInTransferResult>;
  controlTransferOut(setup: UsbControlSetup, data?: BufferSource, timeout?: number): Promise<UsbOutTransferResult>;
  transferIn(endpointNumber: number, length: number, timeout?: number): Promise<UsbInTransferResult>;
  transferOut(endpointNumber: number, data: BufferSource, timeout?: number): Promise<UsbOutTransferResult>;
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void>;
  /** Linux only. */
  detachKernelDriver?(interfaceNumber: number): Promise<void>;
}

/** Timeouts of {@link NodeUsbDevice}, in milliseconds. */
export interface NodeUsbDeviceOptions {
  /** Timeout of each control transfer. @default 5000 */
  readonly controlTimeoutMs?: number;
  /** Timeout of each bulk-OUT transfer (the reader NAKs for this long → `CCID_ERR_USB_TIMEOUT`). @default 5000 */
  readonly outTimeoutMs?: number;
  /** Period after which an idle bulk/interrupt-IN read is re-armed (never reported). @default 2000 */
  readonly inRearmMs?: number;
  /**
   * When `claimInterface` finds the interface held by another driver, detach it (Linux
   * `USBDEVFS_DISCONNECT`) and claim again: the CLI's `--force`. @default false
   */
  readonly detachKernelDriver?: boolean;
}

const DEFAULTS = { controlTimeoutMs: 5000, outTimeoutMs: 5000, inRearmMs: 2000 } as const;

/** Rejects when the endpoint's read is abandoned (close, release, unplug). */
interface Abandon {
  readonly promise: Promise<never>;
  reject(error: UsbTransportError): void;
}

function abandonHandle(): Abandon {
  let reject!: (error: UsbTransportError) => void;
  const promise = new Promise<never>((_, r) => {
    reject = r;
  });
  promise.catch(() => undefined);
  return { promise, reject };
}

/** An npm `usb` v3 device behind the {@link UsbDevice} contract. Create through {@link NodeUsbHost} or directly. */
export class NodeUsbDevice implements UsbDevice {
  readonly #native: NativeUsbDevice;
  readonly #options: Required<Omit<NodeUsbDeviceOptions, 'detachKernelDriver'>> & { detachKernelDriver: boolean };
  /** Interfaces this wrapper claimed. */
  readonly #claimed = new Set<number>();
  /** Caller-visible transfers in flight, by `in:N` / `out:N`. */
  readonly #busy = new Set<string>();
  /** Native IN reads still running (possibly abandoned), by endpoint number. */
  readonly #nativeReads = new Map<number, Promise<unknown>>();
  /** How to abandon the caller's read on an endpoint. */
  readonly #abandon = new Map<number, Abandon>();
  #gone = false;

  constructor(native: NativeUsbDevice, options: NodeUsbDeviceOptions = {}) {
    this.#native = native;
    this.#options = {
      controlTimeoutMs: options.controlTimeoutMs ?? DEFAULTS.controlTimeoutMs,
      outTimeoutMs: options.outTimeoutMs ?? DEFAULTS.outTimeoutMs,
      inRearmMs: options.inRearmMs ?? DEFAULTS.inRearmMs,
      detachKernelDriver: options.detachKernelDriver ?? false,
    };
  }

  /** The npm `usb` device underneath (for platform extras; the core never needs it). */
  get native(): NativeUsbDevice {
    return this.#native;
  }

  get vendorId(): number {
    return this.#native.vendorId;
  }

  get productId(): number {
    return this.#native.productId;
  }

  get manufacturerName(): string | undefined {
    return this.#string(() => this.#native.manufacturerName);
  }

  get productName(): string | undefined {
    return this.#string(() => this.#native.productName);
  }

  get serialNumber(): string | undefined {
    return this.#string(() => this.#native.serialNumber);
  }

  /** bcdDevice rebuilt from WebUSB's split version (0x0200 for 2.00), when npm `usb` gives it. */
  get deviceVersion(): number | undefined {
    const { deviceVersionMajor: major, deviceVersionMinor: minor, deviceVersionSubminor: sub } = this.#native;
    if (major === undefined || minor === undefined || sub === undefined) return undefined;
    return ((major & 0xff) << 8) | ((minor & 0x0f) << 4) | (sub & 0x0f);
  }

  get opened(): boolean {
    return this.#native.opened;
  }

  /** npm `usb` reads names from sysfs, or by opening the device: a permission failure means "unknown". */
  #string(read: () => string | null | undefined): string | undefined {
    try {
      return read() ?? undefined;
    } catch {
      return undefined;
    }
  }

  #fail(error: unknown, operation: string, target?: string): UsbTransportError {
    return mapNodeUsbError(error, { operation, vendorId: this.vendorId, productId: this.productId, ...(target === undefined ? {} : { target }) });
  }

  async #call<T>(operation: string, run: () => Promise<T>, target?: string): Promise<T> {
    if (this.#gone) throw this.#goneError(operation);
    try {
      return await run();
    } catch (error) {
      throw this.#fail(error, operation, target);
    }
  }

  #closedError(operation: string): UsbTransportError {
    return new UsbTransportError('CCID_ERR_USB_CLOSED', `${operation}: the device is not open`, { reader: this.#reader() });
  }

  #goneError(operation: string): UsbTransportError {
    return new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', `${operation}: the device was unplugged`, { reader: this.#reader() });
  }

  #reader(): string {
    return `${this.vendorId.toString(16).padStart(4, '0')}:${this.productId.toString(16).padStart(4, '0')}`;
  }

  async open(): Promise<void> {
    this.#gone = false;
    await this.#call('open', () => this.#native.open());
  }

  /**
   * Rejects pending reads (`CCID_ERR_USB_CLOSED`), releases the interfaces this wrapper
   * claimed, waits for abandoned native reads to end (at most one re-arm period), closes.
   */
  async close(): Promise<void> {
    this.#abandonReads('CCID_ERR_USB_CLOSED', 'the device was closed');
    for (const n of [...this.#claimed]) {
      this.#claimed.delete(n);
      await this.#native.releaseInterface(n).catch(() => undefined);
    }
    await this.#drain();
    if (this.#native.opened) await this.#call('close', () => this.#native.close());
  }

  async selectConfiguration(configurationValue: number): Promise<void> {
    await this.#call('selectConfiguration', () => this.#native.selectConfiguration(configurationValue));
  }

  /** Claims an interface; with `detachKernelDriver`, detaches another driver that holds it and retries once. */
  async claimInterface(interfaceNumber: number): Promise<void> {
    const target = `interface ${interfaceNumber}`;
    try {
      await this.#call('claimInterface', () => this.#native.claimInterface(interfaceNumber), target);
    } catch (error) {
      const detach = this.#native.detachKernelDriver;
      if (!(error instanceof UsbTransportError) || error.code !== 'CCID_ERR_USB_BUSY' || !this.#options.detachKernelDriver || detach === undefined) throw error;
      await this.#call('detachKernelDriver', () => detach.call(this.#native, interfaceNumber), target);
      await this.#call('claimInterface', () => this.#native.claimInterface(interfaceNumber), target);
    }
    this.#claimed.add(interfaceNumber);
  }

  /** Rejects pending reads with `CCID_ERR_USB_CLOSED`, then releases. */
  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#abandonReads('CCID_ERR_USB_CLOSED', `interface ${interfaceNumber} was released`);
    this.#claimed.delete(interfaceNumber);
    await this.#call('releaseInterface', () => this.#native.releaseInterface(interfaceNumber), `interface ${interfaceNumber}`);
  }

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    if (this.#gone) throw this.#goneError('controlTransferIn');
    try {
      return await this.#native.controlTransferIn(setup, length, this.#options.controlTimeoutMs);
    } catch (error) {
      if (isNodeUsbStall(error)) return { status: 'stall' };
      throw this.#fail(error, 'controlTransferIn', `request 0x${setup.request.toString(16).padStart(2, '0')}`);
    }
  }

  async controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult> {
    if (this.#gone) throw this.#goneError('controlTransferOut');
    try {
      return await this.#native.controlTransferOut(setup, data ?? new Uint8Array(0), this.#options.controlTimeoutMs);
    } catch (error) {
      if (isNodeUsbStall(error)) return { bytesWritten: 0, status: 'stall' };
      throw this.#fail(error, 'controlTransferOut', `request 0x${setup.request.toString(16).padStart(2, '0')}`);
    }
  }

  /**
   * Reads from a bulk or interrupt IN endpoint. Resolves when data (or a zero-length
   * packet) arrives or the endpoint stalls; re-arms silently every `inRearmMs`; rejects
   * with `CCID_ERR_USB_CLOSED` on close/release and `CCID_ERR_USB_DEVICE_GONE` on unplug.
   */
  async transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    const key = `in:${endpointNumber}`;
    this.#enter(key, 'transferIn', endpointNumber);
    const abandon = abandonHandle();
    this.#abandon.set(endpointNumber, abandon);
    try {
      for (;;) {
        // An abandoned read may still hold the endpoint in nusb: let it end first.
        const previous = this.#nativeReads.get(endpointNumber);
        if (previous !== undefined) await Promise.race([previous.catch(() => undefined), abandon.promise]);
        if (this.#gone) throw this.#goneError('transferIn');
        if (!this.#native.opened) throw this.#closedError('transferIn');
        const read = this.#native.transferIn(endpointNumber, length, this.#options.inRearmMs);
        const tracked = read.finally(() => {
          if (this.#nativeReads.get(endpointNumber) === tracked) this.#nativeReads.delete(endpointNumber);
        });
        tracked.catch(() => undefined);
        this.#nativeReads.set(endpointNumber, tracked);
        try {
          return await Promise.race([read, abandon.promise]);
        } catch (error) {
          if (error instanceof UsbTransportError) throw error;
          if (isNodeUsbTimeout(error)) continue;
          if (isNodeUsbStall(error)) return { status: 'stall' };
          throw this.#fail(error, 'transferIn', `endpoint ${endpointNumber}`);
        }
      }
    } finally {
      if (this.#abandon.get(endpointNumber) === abandon) this.#abandon.delete(endpointNumber);
      this.#busy.delete(key);
    }
  }

  async transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    const key = `out:${endpointNumber}`;
    this.#enter(key, 'transferOut', endpointNumber);
    try {
      if (this.#gone) throw this.#goneError('transferOut');
      if (!this.#native.opened) throw this.#closedError('transferOut');
      return await this.#native.transferOut(endpointNumber, data, this.#options.outTimeoutMs);
    } catch (error) {
      if (error instanceof UsbTransportError) throw error;
      if (isNodeUsbStall(error)) return { bytesWritten: 0, status: 'stall' };
      throw this.#fail(error, 'transferOut', `endpoint ${endpointNumber}`);
    } finally {
      this.#busy.delete(key);
    }
  }

  async clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    await this.#call('clearHalt', () => this.#native.clearHalt(direction, endpointNumber), `endpoint ${endpointNumber} ${direction}`);
  }

  async reset(): Promise<void> {
    await this.#call('reset', () => this.#native.reset());
  }

  /**
   * Marks the device unplugged (the host calls this on npm `usb`'s `disconnect` event):
   * pending and later transfers reject with `CCID_ERR_USB_DEVICE_GONE`.
   */
  markGone(): void {
    this.#gone = true;
    this.#abandonReads('CCID_ERR_USB_DEVICE_GONE', 'the device was unplugged');
  }

  #enter(key: string, operation: string, endpointNumber: number): void {
    if (this.#busy.has(key)) {
      throw new UsbTransportError(
        'CCID_ERR_USB_IO',
        `${operation} on endpoint ${endpointNumber} while another ${operation} is in flight on it: npm usb v3 allows one transfer per endpoint (run one read loop per IN endpoint, queue OUT writes)`,
        { reader: this.#reader() },
      );
    }
    this.#busy.add(key);
  }

  #abandonReads(code: 'CCID_ERR_USB_CLOSED' | 'CCID_ERR_USB_DEVICE_GONE', why: string): void {
    for (const [endpointNumber, abandon] of this.#abandon) {
      abandon.reject(new UsbTransportError(code, `transferIn on endpoint ${endpointNumber}: ${why}`, { reader: this.#reader() }));
    }
    this.#abandon.clear();
  }

  async #drain(): Promise<void> {
    const pending = [...this.#nativeReads.values()].map((p) => p.catch(() => undefined));
    if (pending.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cap = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.inRearmMs + 2000);
    });
    await Promise.race([Promise.all(pending), cap]);
    clearTimeout(timer);
  }
}
