/**
 * The browser backend: `navigator.usb` as a {@link UsbHost}. WebUSB's `USBDevice`
 * already has the shape of the {@link UsbDevice} contract (no transfer timeouts, a
 * pending `transferIn` rejected on close/release/unplug); {@link WebUsbDevice} only
 * translates its `DOMException`s into {@link UsbTransportError}s.
 *
 * Typed structurally: no DOM WebUSB typings are needed (`@types/w3c-web-usb` is not a
 * dependency), and any WebUSB implementation fits (Chromium, Electron, npm `usb`'s `webusb`).
 */
import { CancelledError } from '../../errors.ts';
import type {
  UsbControlSetup,
  UsbDevice,
  UsbDirection,
  UsbHost,
  UsbHostEvent,
  UsbInTransferResult,
  UsbOutTransferResult,
} from '../transport.ts';
import { mapWebUsbError } from './errors.ts';

/** The part of WebUSB's `USBDevice` used here. */
export interface WebUsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName?: string | null | undefined;
  readonly productName?: string | null | undefined;
  readonly serialNumber?: string | null | undefined;
  readonly opened: boolean;
  readonly deviceVersionMajor?: number;
  readonly deviceVersionMinor?: number;
  readonly deviceVersionSubminor?: number;
  /** WebUSB's view of the active configuration (interface classes; no class descriptors). */
  readonly configuration?: { readonly interfaces: readonly { readonly interfaceNumber: number; readonly alternate: { readonly interfaceClass: number } }[] } | null;
  open(): Promise<void>;
  close(): Promise<void>;
  reset(): Promise<void>;
  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult>;
  controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult>;
  transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult>;
  transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult>;
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void>;
}

/** WebUSB's `USBDeviceFilter`. */
export interface WebUsbDeviceFilter {
  readonly vendorId?: number;
  readonly productId?: number;
  readonly classCode?: number;
  readonly subclassCode?: number;
  readonly protocolCode?: number;
  readonly serialNumber?: string;
}

/** The part of WebUSB's `USB` (`navigator.usb`) used here. */
export interface WebUsbLike {
  getDevices(): Promise<WebUsbDeviceLike[]>;
  requestDevice?(options: { filters: readonly WebUsbDeviceFilter[] }): Promise<WebUsbDeviceLike>;
  addEventListener(type: 'connect' | 'disconnect', listener: (event: { readonly device: WebUsbDeviceLike }) => void): void;
  removeEventListener(type: 'connect' | 'disconnect', listener: (event: { readonly device: WebUsbDeviceLike }) => void): void;
}

/** A WebUSB device behind the {@link UsbDevice} contract: same calls, typed errors. */
export class WebUsbDevice implements UsbDevice {
  readonly #native: WebUsbDeviceLike;

  constructor(native: WebUsbDeviceLike) {
    this.#native = native;
  }

  /** The WebUSB device underneath. */
  get native(): WebUsbDeviceLike {
    return this.#native;
  }
  get vendorId(): number {
    return this.#native.vendorId;
  }
  get productId(): number {
    return this.#native.productId;
  }
  get manufacturerName(): string | undefined {
    return this.#native.manufacturerName ?? undefined;
  }
  get productName(): string | undefined {
    return this.#native.productName ?? undefined;
  }
  get serialNumber(): string | undefined {
    return this.#native.serialNumber ?? undefined;
  }
  get opened(): boolean {
    return this.#native.opened;
  }
  /** bcdDevice rebuilt from WebUSB's split version (0x0200 for 2.00). */
  get deviceVersion(): number | undefined {
    const { deviceVersionMajor: major, deviceVersionMinor: minor, deviceVersionSubminor: sub } = this.#native;
    if (major === undefined || minor === undefined || sub === undefined) return undefined;
    return ((major & 0xff) << 8) | ((minor & 0x0f) << 4) | (sub & 0x0f);
  }

  async #call<T>(operation: string, run: () => Promise<T>, target?: string): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapWebUsbError(error, { operation, vendorId: this.vendorId, productId: this.productId, ...(target === undefined ? {} : { target }) });
    }
  }

  open(): Promise<void> {
    return this.#call('open', () => this.#native.open());
  }
  close(): Promise<void> {
    return this.#call('close', () => this.#native.close());
  }
  reset(): Promise<void> {
    return this.#call('reset', () => this.#native.reset());
  }
  selectConfiguration(configurationValue: number): Promise<void> {
    return this.#call('selectConfiguration', () => this.#native.selectConfiguration(configurationValue));
  }
  claimInterface(interfaceNumber: number): Promise<void> {
    return this.#call('claimInterface', () => this.#native.claimInterface(interfaceNumber), `interface ${interfaceNumber}`);
  }
  releaseInterface(interfaceNumber: number): Promise<void> {
    return this.#call('releaseInterface', () => this.#native.releaseInterface(interfaceNumber), `interface ${interfaceNumber}`);
  }
  controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    return this.#call('controlTransferIn', () => this.#native.controlTransferIn(setup, length));
  }
  controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult> {
    return this.#call('controlTransferOut', () => this.#native.controlTransferOut(setup, data));
  }
  transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    return this.#call('transferIn', () => this.#native.transferIn(endpointNumber, length), `endpoint ${endpointNumber}`);
  }
  transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    return this.#call('transferOut', () => this.#native.transferOut(endpointNumber, data), `endpoint ${endpointNumber}`);
  }
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    return this.#call('clearHalt', () => this.#native.clearHalt(direction, endpointNumber), `endpoint ${endpointNumber} ${direction}`);
  }
}

/** Interface classes that may carry a CCID interface: 0x0B, or vendor 0xFF with a CCID descriptor. */
const CANDIDATE_CLASSES = new Set([0x0b, 0xff]);

/** False only when WebUSB's configuration view shows no interface that could be CCID. */
function mayBeCcid(device: WebUsbDeviceLike): boolean {
  const interfaces = device.configuration?.interfaces;
  if (interfaces === undefined) return true;
  return interfaces.some((itf) => CANDIDATE_CLASSES.has(itf.alternate.interfaceClass));
}

/** A {@link UsbHost} over `navigator.usb`, plus the permission prompt. */
export interface WebUsbHost extends UsbHost {
  /**
   * Shows the browser's device chooser (must run in a user gesture). Default filter:
   * the smart-card class 0x0B.
   * @throws {CancelledError} when the user closes the chooser without choosing.
   */
  requestDevice(filters?: readonly WebUsbDeviceFilter[]): Promise<UsbDevice>;
}

/**
 * `navigator.usb` as a {@link UsbHost}: `getDevices()` lists the devices the user already
 * granted that may be CCID readers (class 0x0B or 0xFF interfaces); `watch()` follows
 * `connect`/`disconnect`. The same WebUSB device is always the same wrapper object.
 *
 * @example
 * ```ts
 * const host = webUsbHost(navigator.usb);
 * button.onclick = async () => { const reader = await host.requestDevice(); ... };
 * ```
 */
export function webUsbHost(usb: WebUsbLike): WebUsbHost {
  const wrappers = new WeakMap<WebUsbDeviceLike, WebUsbDevice>();
  const wrap = (native: WebUsbDeviceLike): WebUsbDevice => {
    let device = wrappers.get(native);
    if (device === undefined) {
      device = new WebUsbDevice(native);
      wrappers.set(native, device);
    }
    return device;
  };
  return {
    async getDevices(): Promise<UsbDevice[]> {
      let natives: WebUsbDeviceLike[];
      try {
        natives = await usb.getDevices();
      } catch (error) {
        throw mapWebUsbError(error, { operation: 'getDevices' });
      }
      return natives.filter(mayBeCcid).map(wrap);
    },
    watch(listener: (event: UsbHostEvent) => void): () => void {
      const onConnect = (event: { readonly device: WebUsbDeviceLike }) => {
        if (mayBeCcid(event.device)) listener({ type: 'connect', device: wrap(event.device) });
      };
      const onDisconnect = (event: { readonly device: WebUsbDeviceLike }) => {
        if (wrappers.has(event.device) || mayBeCcid(event.device)) listener({ type: 'disconnect', device: wrap(event.device) });
      };
      usb.addEventListener('connect', onConnect);
      usb.addEventListener('disconnect', onDisconnect);
      return () => {
        usb.removeEventListener('connect', onConnect);
        usb.removeEventListener('disconnect', onDisconnect);
      };
    },
    async requestDevice(filters: readonly WebUsbDeviceFilter[] = [{ classCode: 0x0b }]): Promise<UsbDevice> {
      if (usb.requestDevice === undefined) throw mapWebUsbError(new Error('this WebUSB implementation has no requestDevice'), { operation: 'requestDevice' });
      try {
        return wrap(await usb.requestDevice({ filters }));
      } catch (error) {
        const name = typeof error === 'object' && error !== null && 'name' in error ? (error as { name: unknown }).name : undefined;
        if (name === 'NotFoundError') throw new CancelledError('no device was selected in the browser\'s chooser', { cause: error });
        throw mapWebUsbError(error, { operation: 'requestDevice' });
      }
    },
  };
}
