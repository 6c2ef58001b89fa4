/**
 * {@link LibusbDevice}: an npm `usb` 2.x (libusb) device behind the {@link UsbDevice}
 * contract of `src/usb/transport.ts`.
 *
 * npm `usb` 2.x wraps libusb's asynchronous API closely (read in node-usb 2.18
 * `src/transfer.cc`, `src/device.cc`, `dist/usb/*.js`), which is what this wrapper
 * relies on:
 *
 * - **Transfers are libusb transfers.** A `Transfer` object is one `libusb_transfer`,
 *   submitted with a buffer and completed through one callback; it can be submitted again
 *   once completed. This wrapper keeps one per endpoint and re-submits it, so a CCID
 *   exchange costs two submissions and no allocation beyond the data buffer.
 * - **IN transfers wait for ever, and can be cancelled.** A libusb timeout of 0 means
 *   none, which is the contract's "an IN transfer has no timeout"; `close()`,
 *   `releaseInterface()` and unplugging cancel pending reads (`libusb_cancel_transfer`)
 *   and reject them with `CCID_ERR_USB_CLOSED` / `CCID_ERR_USB_DEVICE_GONE`: unlike npm
 *   `usb` 3.x there is no re-arming and no abandoned native read.
 * - **Several transfers per endpoint are allowed** (libusb queues them). The driver core
 *   keeps one per endpoint anyway; a second one here gets its own `Transfer`.
 * - **A device cannot close with a transfer pending** ("Can't close device with a pending
 *   request"), so `close()` cancels and waits for every transfer first.
 * - **Stalls and babble are statuses**, as in WebUSB: `LIBUSB_TRANSFER_STALL` resolves
 *   with `status: 'stall'`, `LIBUSB_TRANSFER_OVERFLOW` with `status: 'babble'`.
 */
import { UsbTransportError } from '../../errors.ts';
import { vidPid } from '../../util/hex.ts';
import type {
  UsbControlSetup,
  UsbDevice,
  UsbDirection,
  UsbInTransferResult,
  UsbOutTransferResult,
} from '../transport.ts';
import { LIBUSB_ERROR, LIBUSB_TRANSFER, libusbErrno, mapLibusbError } from './errors.ts';

/** npm `usb` 2.x `LibUSBException`, structurally. */
export type LibusbError = Error & { readonly errno?: number };

/** libusb's parsed endpoint descriptor, as npm `usb` 2.x gives it. */
export interface LibusbEndpointDescriptor {
  readonly bEndpointAddress: number;
  readonly bmAttributes: number;
  readonly wMaxPacketSize: number;
}

/** libusb's parsed interface descriptor; `extra` holds class descriptors (CCID's 0x21). */
export interface LibusbInterfaceDescriptor {
  readonly bInterfaceNumber: number;
  readonly bAlternateSetting: number;
  readonly bInterfaceClass: number;
  readonly extra: Uint8Array;
  readonly endpoints: readonly LibusbEndpointDescriptor[];
}

/** libusb's parsed configuration descriptor: `interfaces[i]` lists interface i's alternate settings. */
export interface LibusbConfigDescriptor {
  readonly bConfigurationValue: number;
  readonly interfaces: readonly (readonly LibusbInterfaceDescriptor[])[];
}

/** An npm `usb` 2.x `Interface` (what this wrapper uses). */
export interface LibusbNativeInterface {
  claim(): void;
  release(callback: (error?: LibusbError) => void): void;
  isKernelDriverActive(): boolean;
  detachKernelDriver(): void;
  readonly endpoints: readonly { readonly address: number; clearHalt(callback: (error?: LibusbError) => void): void }[];
}

/** An npm `usb` 2.x `Device` (what this wrapper uses). */
export interface LibusbNativeDevice {
  readonly busNumber: number;
  readonly deviceAddress: number;
  readonly portNumbers?: readonly number[] | undefined;
  readonly deviceDescriptor: {
    readonly idVendor: number;
    readonly idProduct: number;
    readonly bcdDevice: number;
  };
  /** Read from libusb's cache; undefined when the device is unconfigured or gone. */
  readonly configDescriptor: LibusbConfigDescriptor | undefined;
  /** Timeout of `controlTransfer`, ms. */
  timeout: number;
  open(defaultConfig?: boolean): void;
  close(): void;
  interface(interfaceNumber: number): LibusbNativeInterface;
  setConfiguration(configurationValue: number, callback: (error?: LibusbError) => void): void;
  reset(callback: (error?: LibusbError) => void): void;
  controlTransfer(
    bmRequestType: number,
    bRequest: number,
    wValue: number,
    wIndex: number,
    dataOrLength: number | Uint8Array,
    callback: (error: LibusbError | undefined, data: Uint8Array | number | undefined) => void,
  ): unknown;
}

/** An npm `usb` 2.x `Transfer`: one libusb transfer, re-submittable once completed. */
export interface LibusbNativeTransfer {
  submit(buffer: Uint8Array): unknown;
  cancel(): boolean;
}

/** npm `usb` 2.x's `Transfer` constructor. */
export type LibusbTransferConstructor = new (
  device: LibusbNativeDevice,
  endpointAddress: number,
  transferType: number,
  timeoutMs: number,
  callback: (error: LibusbError | undefined, buffer: Uint8Array, actualLength: number) => void,
) => LibusbNativeTransfer;

/** Timeouts and behaviour of a {@link LibusbDevice}, in milliseconds. */
export interface LibusbDeviceOptions {
  /** Timeout of each control transfer. @default 5000 */
  readonly controlTimeoutMs?: number;
  /** Timeout of each bulk-OUT transfer (the reader NAKs for this long → `CCID_ERR_USB_TIMEOUT`). @default 5000 */
  readonly outTimeoutMs?: number;
  /**
   * When `claimInterface` finds the interface held by a kernel driver, detach it and claim
   * again: the CLI's `--force`. @default false
   */
  readonly detachKernelDriver?: boolean;
  /** Reads a string the OS knows without opening the device (Linux sysfs `manufacturer`, `product`, `serial`). */
  readonly readString?: (attribute: 'manufacturer' | 'product' | 'serial') => string | undefined;
}

/** libusb.h `enum libusb_transfer_type`. */
const TRANSFER_TYPE_BULK = 2;
const ENDPOINT_IN = 0x80;
const REQUEST_TYPE = { standard: 0x00, class: 0x20, vendor: 0x40 } as const;
const RECIPIENT = { device: 0x00, interface: 0x01, endpoint: 0x02, other: 0x03 } as const;

/** The transfer in flight on one libusb `Transfer` object. */
interface Pending {
  readonly address: number;
  settle(error: LibusbError | undefined, buffer: Uint8Array, actualLength: number): void;
  /** Why it was cancelled, when this wrapper cancelled it. */
  cancelledBecause?: UsbTransportError;
}

/** One re-usable libusb transfer on an endpoint. */
interface Slot {
  readonly transfer: LibusbNativeTransfer;
  pending?: Pending | undefined;
}

/** An npm `usb` 2.x (libusb) device behind the {@link UsbDevice} contract. Create through {@link LibusbHost} or directly. */
export class LibusbDevice implements UsbDevice {
  readonly #native: LibusbNativeDevice;
  readonly #Transfer: LibusbTransferConstructor;
  readonly #options: Required<Omit<LibusbDeviceOptions, 'readString'>>;
  readonly #readString: LibusbDeviceOptions['readString'];
  /** Idle, re-usable transfers by endpoint address. */
  readonly #idle = new Map<number, Slot[]>();
  /** Transfers in flight. */
  readonly #inFlight = new Set<Slot>();
  /** Interfaces this wrapper claimed. */
  readonly #claimed = new Set<number>();
  /** Endpoint address → libusb transfer type, from the active configuration. */
  #endpointTypes = new Map<number, number>();
  #opened = false;
  #gone = false;

  constructor(native: LibusbNativeDevice, Transfer: LibusbTransferConstructor, options: LibusbDeviceOptions = {}) {
    this.#native = native;
    this.#Transfer = Transfer;
    this.#options = {
      controlTimeoutMs: options.controlTimeoutMs ?? 5000,
      outTimeoutMs: options.outTimeoutMs ?? 5000,
      detachKernelDriver: options.detachKernelDriver ?? false,
    };
    this.#readString = options.readString;
  }

  /** The npm `usb` 2.x device underneath. */
  get native(): LibusbNativeDevice {
    return this.#native;
  }

  get vendorId(): number {
    return this.#native.deviceDescriptor.idVendor;
  }

  get productId(): number {
    return this.#native.deviceDescriptor.idProduct;
  }

  /** bcdDevice, from the device descriptor libusb caches. */
  get deviceVersion(): number {
    return this.#native.deviceDescriptor.bcdDevice;
  }

  get manufacturerName(): string | undefined {
    return this.#readString?.('manufacturer');
  }

  get productName(): string | undefined {
    return this.#readString?.('product');
  }

  get serialNumber(): string | undefined {
    return this.#readString?.('serial');
  }

  get opened(): boolean {
    return this.#opened;
  }

  #reader(): string {
    return vidPid(this.vendorId, this.productId);
  }

  #fail(error: unknown, operation: string, target?: string): UsbTransportError {
    return mapLibusbError(error, { operation, vendorId: this.vendorId, productId: this.productId, ...(target === undefined ? {} : { target }) });
  }

  #check(operation: string): void {
    if (this.#gone) throw new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', `${operation}: the device was unplugged`, { reader: this.#reader() });
    if (!this.#opened) throw new UsbTransportError('CCID_ERR_USB_CLOSED', `${operation}: the device is not open`, { reader: this.#reader() });
  }

  /** Runs a synchronous npm `usb` call, mapping what it throws. */
  #sync<T>(operation: string, run: () => T, target?: string): T {
    try {
      return run();
    } catch (error) {
      throw this.#fail(error, operation, target);
    }
  }

  /** Runs a callback-style npm `usb` call. */
  #callback(operation: string, run: (done: (error?: LibusbError) => void) => void, target?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        run((error) => (error ? reject(this.#fail(error, operation, target)) : resolve()));
      } catch (error) {
        reject(this.#fail(error, operation, target));
      }
    });
  }

  async open(): Promise<void> {
    if (this.#gone) this.#check('open');
    if (this.#opened) return;
    this.#sync('open', () => this.#native.open(true));
    this.#native.timeout = this.#options.controlTimeoutMs;
    this.#opened = true;
    this.#readEndpointTypes();
  }

  #readEndpointTypes(): void {
    const types = new Map<number, number>();
    for (const alternates of this.#native.configDescriptor?.interfaces ?? []) {
      for (const itf of alternates) for (const ep of itf.endpoints) types.set(ep.bEndpointAddress, ep.bmAttributes & 0x03);
    }
    this.#endpointTypes = types;
  }

  /** Cancels every transfer in flight (rejecting them with `CCID_ERR_USB_CLOSED`), releases claimed interfaces, closes. */
  async close(): Promise<void> {
    if (!this.#opened) return;
    await this.#cancelAll(new UsbTransportError('CCID_ERR_USB_CLOSED', 'the device was closed', { reader: this.#reader() }));
    for (const n of [...this.#claimed]) {
      this.#claimed.delete(n);
      await this.#callback('releaseInterface', (done) => this.#native.interface(n).release(done)).catch(() => undefined);
    }
    this.#idle.clear();
    this.#opened = false;
    try {
      this.#native.close();
    } catch (error) {
      // Closing an unplugged device's handle may fail; it is closed either way.
      if (!this.#gone) throw this.#fail(error, 'close');
    }
  }

  async selectConfiguration(configurationValue: number): Promise<void> {
    this.#check('selectConfiguration');
    // Setting the active configuration again resets the device's endpoints (libusb docs): skip it, as WebUSB does.
    if (this.#native.configDescriptor?.bConfigurationValue === configurationValue) return;
    await this.#callback('selectConfiguration', (done) => this.#native.setConfiguration(configurationValue, done));
    this.#readEndpointTypes();
  }

  /** Claims an interface; with `detachKernelDriver`, detaches a kernel driver that holds it and claims again. */
  async claimInterface(interfaceNumber: number): Promise<void> {
    this.#check('claimInterface');
    const target = `interface ${interfaceNumber}`;
    const itf = this.#sync('claimInterface', () => this.#native.interface(interfaceNumber), target);
    try {
      this.#sync('claimInterface', () => itf.claim(), target);
    } catch (error) {
      if (!(error instanceof UsbTransportError) || error.code !== 'CCID_ERR_USB_BUSY' || !this.#options.detachKernelDriver) throw error;
      this.#sync('detachKernelDriver', () => itf.isKernelDriverActive() && itf.detachKernelDriver(), target);
      this.#sync('claimInterface', () => itf.claim(), target);
    }
    this.#claimed.add(interfaceNumber);
  }

  /** Cancels the transfers in flight (`CCID_ERR_USB_CLOSED`), then releases. */
  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#check('releaseInterface');
    await this.#cancelAll(new UsbTransportError('CCID_ERR_USB_CLOSED', `interface ${interfaceNumber} was released`, { reader: this.#reader() }));
    this.#claimed.delete(interfaceNumber);
    await this.#callback('releaseInterface', (done) => this.#native.interface(interfaceNumber).release(done), `interface ${interfaceNumber}`);
  }

  #control(setup: UsbControlSetup, direction: number, dataOrLength: number | Uint8Array): Promise<{ error?: LibusbError; data?: Uint8Array | number }> {
    const bmRequestType = direction | REQUEST_TYPE[setup.requestType] | RECIPIENT[setup.recipient];
    return new Promise((resolve) => {
      try {
        this.#native.controlTransfer(bmRequestType, setup.request, setup.value, setup.index, dataOrLength, (error, data) =>
          resolve(error ? { error } : data === undefined ? {} : { data }),
        );
      } catch (error) {
        resolve({ error: error as LibusbError });
      }
    });
  }

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    this.#check('controlTransferIn');
    const { error, data } = await this.#control(setup, ENDPOINT_IN, length);
    if (error !== undefined) {
      if (isStall(error)) return { status: 'stall' };
      throw this.#fail(error, 'controlTransferIn', `request 0x${setup.request.toString(16).padStart(2, '0')}`);
    }
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(0);
    return { data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), status: 'ok' };
  }

  async controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult> {
    this.#check('controlTransferOut');
    const { error, data: written } = await this.#control(setup, 0, toBuffer(data));
    if (error !== undefined) {
      if (isStall(error)) return { bytesWritten: 0, status: 'stall' };
      throw this.#fail(error, 'controlTransferOut', `request 0x${setup.request.toString(16).padStart(2, '0')}`);
    }
    return { bytesWritten: typeof written === 'number' ? written : 0, status: 'ok' };
  }

  /**
   * Reads from a bulk or interrupt IN endpoint: resolves when data (or a zero-length packet)
   * arrives, with `status: 'stall'` when the endpoint stalls and `'babble'` when the device
   * sent more than `length`; no timeout. Rejects with `CCID_ERR_USB_CLOSED` on close or
   * release and `CCID_ERR_USB_DEVICE_GONE` on unplug.
   */
  async transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    this.#check('transferIn');
    const address = ENDPOINT_IN | endpointNumber;
    // A zeroed buffer of its own per read (Buffer.alloc never uses Node's shared pool): the
    // answer is handed on as a view, so its backing memory must hold nothing else.
    const { error, buffer, actual } = await this.#submit(address, Buffer.alloc(length), 0, 'transferIn');
    if (error !== undefined) {
      switch (libusbErrno(error)) {
        case LIBUSB_TRANSFER.STALL:
          return { status: 'stall' };
        case LIBUSB_TRANSFER.OVERFLOW:
          return { data: new DataView(buffer.buffer, buffer.byteOffset, actual), status: 'babble' };
        default:
          throw this.#fail(error, 'transferIn', `endpoint ${endpointNumber}`);
      }
    }
    return { data: new DataView(buffer.buffer, buffer.byteOffset, actual), status: 'ok' };
  }

  async transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    this.#check('transferOut');
    const { error, actual } = await this.#submit(endpointNumber, toBuffer(data), this.#options.outTimeoutMs, 'transferOut');
    if (error !== undefined) {
      if (libusbErrno(error) === LIBUSB_TRANSFER.STALL) return { bytesWritten: actual, status: 'stall' };
      throw this.#fail(error, 'transferOut', `endpoint ${endpointNumber}`);
    }
    return { bytesWritten: actual, status: 'ok' };
  }

  /**
   * Submits `buffer` on an idle transfer of the endpoint (made on first use) and waits for
   * its completion. Rejects only when this wrapper cancelled it (close, release, unplug)
   * or libusb refused the submission; a failed transfer resolves with its `error`.
   */
  #submit(address: number, buffer: Uint8Array, timeoutMs: number, operation: string): Promise<{ error?: LibusbError; buffer: Uint8Array; actual: number }> {
    const slot = this.#takeSlot(address, timeoutMs);
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        address,
        settle: (error, _buffer, actual) => {
          slot.pending = undefined;
          this.#inFlight.delete(slot);
          if (!this.#gone && this.#opened) this.#idleSlots(address).push(slot);
          if (pending.cancelledBecause !== undefined) reject(pending.cancelledBecause);
          else if (error !== undefined && libusbErrno(error) === LIBUSB_TRANSFER.CANCELLED && this.#gone) reject(this.#goneError(operation));
          else resolve(error === undefined ? { buffer, actual } : { error, buffer, actual });
        },
      };
      slot.pending = pending;
      try {
        slot.transfer.submit(buffer);
      } catch (error) {
        slot.pending = undefined;
        reject(this.#fail(error, operation, `endpoint 0x${address.toString(16).padStart(2, '0')}`));
        return;
      }
      this.#inFlight.add(slot);
    });
  }

  #idleSlots(address: number): Slot[] {
    let slots = this.#idle.get(address);
    if (slots === undefined) {
      slots = [];
      this.#idle.set(address, slots);
    }
    return slots;
  }

  /** An idle transfer of the endpoint, or a new one (an endpoint's transfers all have the same timeout: 0 for IN, `outTimeoutMs` for OUT). */
  #takeSlot(address: number, timeoutMs: number): Slot {
    const idle = this.#idleSlots(address).pop();
    if (idle !== undefined) return idle;
    const type = this.#endpointTypes.get(address) ?? TRANSFER_TYPE_BULK;
    const slot: Slot = {
      transfer: new this.#Transfer(this.#native, address, type, timeoutMs, (error, buffer, actual) => slot.pending?.settle(error ?? undefined, buffer, actual)),
    };
    return slot;
  }

  /** Cancels every transfer in flight, rejecting it with `reason`, and waits until libusb has completed them all. */
  async #cancelAll(reason: UsbTransportError): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const slot of this.#inFlight) {
      const pending = slot.pending;
      if (pending === undefined) continue;
      pending.cancelledBecause = reason;
      waits.push(
        new Promise<void>((resolve) => {
          const settle = pending.settle;
          (pending as { settle: Pending['settle'] }).settle = (error, buffer, actual) => {
            settle(error, buffer, actual);
            resolve();
          };
        }),
      );
      try {
        if (!slot.transfer.cancel()) continue;
      } catch {
        // Already completing, or the device is gone: its callback still comes.
      }
    }
    await Promise.all(waits);
  }

  async clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    this.#check('clearHalt');
    const address = (direction === 'in' ? ENDPOINT_IN : 0) | endpointNumber;
    const target = `endpoint ${endpointNumber} ${direction}`;
    for (const n of this.#claimed) {
      const endpoint = this.#native.interface(n).endpoints.find((ep) => ep.address === address);
      if (endpoint !== undefined) {
        await this.#callback('clearHalt', (done) => endpoint.clearHalt(done), target);
        return;
      }
    }
    throw new UsbTransportError('CCID_ERR_USB_CLOSED', `clearHalt (${target}) on ${this.#reader()}: no claimed interface has this endpoint`, { reader: this.#reader() });
  }

  async reset(): Promise<void> {
    this.#check('reset');
    await this.#callback('reset', (done) => this.#native.reset(done));
  }

  /**
   * Marks the device unplugged (the host calls this on npm `usb`'s `detach` event):
   * pending and later transfers reject with `CCID_ERR_USB_DEVICE_GONE`.
   */
  markGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    void this.#cancelAll(this.#goneError('transferIn'));
  }

  #goneError(operation: string): UsbTransportError {
    return new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', `${operation}: the device was unplugged`, { reader: this.#reader() });
  }
}

function isStall(error: LibusbError): boolean {
  const errno = libusbErrno(error);
  return errno === LIBUSB_TRANSFER.STALL || errno === LIBUSB_ERROR.PIPE;
}

/**
 * npm `usb` 2.x wants a Node `Buffer`. A small OUT message (every CCID command but long
 * APDUs) is copied into Node's buffer pool: cheaper than viewing the caller's array, which
 * would make V8 move a small on-heap array's bytes off the heap (~1 µs a message).
 */
function toBuffer(data: BufferSource | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (data instanceof Uint8Array && data.byteLength < 1024) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
