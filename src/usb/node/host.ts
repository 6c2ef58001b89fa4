/**
 * {@link NodeUsbHost}: the CCID readers npm `usb` v3 can see, as a {@link UsbHost}.
 *
 * `getDevices()` keeps the devices that have a CCID interface: class 0x0B, or a vendor
 * class 0xFF interface whose raw descriptors carry a 54-byte CCID class descriptor
 * (WebUSB's `configuration` does not show class descriptors, so those devices are read
 * with GET_DESCRIPTOR through `describeDevice` (`src/usb/ccid-filter.ts`)). Reading the configuration opens
 * the device node; a device this user may not open is kept only when its VID:PID is in
 * the supported-reader list, so that `ccid list` can say what to fix.
 *
 * `watch()` follows npm `usb`'s `connect`/`disconnect` events. Wrappers are kept by
 * npm `usb`'s device handle, so the device a `disconnect` reports is the object
 * `getDevices()` returned; it is marked gone (pending reads reject with
 * `CCID_ERR_USB_DEVICE_GONE`). Listening starts only after a successful device listing:
 * npm `usb` 3.1's own listener set-up lists devices without handling a failure, which
 * would surface as an unhandled rejection on a machine without USB.
 */
import { hasCcidInterface, type InterfaceVerdict } from '../ccid-filter.ts';
import { KnownDevices } from '../known-devices.ts';
import type { UsbDevice, UsbHost, UsbHostEvent } from '../transport.ts';
import { NodeUsbDevice, type NativeUsbDevice, type NodeUsbDeviceOptions } from './device.ts';
import { mapNodeUsbError } from './errors.ts';
import { UsbTransportError } from '../../errors.ts';

/** USB interface classes (USB-IF class codes). */
const USB_CLASS_CCID = 0x0b;
const USB_CLASS_VENDOR_SPEC = 0xff;

/** The WebUSB configuration view npm `usb` gives (only what the filter reads). */
export interface NativeConfiguration {
  readonly interfaces: readonly {
    readonly interfaceNumber: number;
    readonly alternate: { readonly interfaceClass: number };
    readonly alternates?: readonly { readonly interfaceClass: number }[];
  }[];
}

/** An npm `usb` device as its `usb` object lists it. */
export interface NativeHostDevice extends NativeUsbDevice {
  /** npm `usb`: a stable id of the device on its bus (`DeviceId { bus: 1, addr: 5 }`). */
  readonly handle?: string;
  readonly bus?: string;
  readonly address?: number;
  /** Reading it opens the device node when the device is not open (may throw). */
  readonly configuration?: NativeConfiguration | null;
}

/** npm `usb`'s `usb` object (its WebUSB class), structurally. */
export interface NativeUsb {
  getDevices(): Promise<NativeHostDevice[]>;
  addEventListener(type: 'connect' | 'disconnect', listener: (event: { readonly device: NativeHostDevice }) => void): void;
  removeEventListener(type: 'connect' | 'disconnect', listener: (event: { readonly device: NativeHostDevice }) => void): void;
}

/** Options of {@link NodeUsbHost}. */
export interface NodeUsbHostOptions {
  /** The `usb` object to use. @default npm `usb`'s `usb` (all devices allowed), loaded on first use */
  readonly usb?: NativeUsb;
  /** Timeouts and `--force` behaviour of every device. */
  readonly device?: NodeUsbDeviceOptions;
  /** Keep every device, not only those with a CCID interface. @default false */
  readonly allDevices?: boolean;
  /** Called with errors of the background work of `watch()` (listing, hot-plug classification). */
  readonly onError?: (error: UsbTransportError) => void;
}

let loaded: Promise<NativeUsb> | undefined;

/** Loads npm `usb` once; a missing native binding becomes `CCID_ERR_USB_NO_SUBSYSTEM`. */
function loadNodeUsb(): Promise<NativeUsb> {
  loaded ??= import('usb').then(
    (mod) => {
      const ns = mod as unknown as { usb?: NativeUsb; default?: { usb?: NativeUsb } };
      const usb = ns.usb ?? ns.default?.usb;
      if (usb === undefined) throw new UsbTransportError('CCID_ERR_USB_NO_SUBSYSTEM', 'npm usb loaded but exports no "usb" object');
      return usb;
    },
    (error: unknown) => {
      throw mapNodeUsbError(error, { operation: 'load npm usb' });
    },
  );
  return loaded;
}

function idOf(device: NativeHostDevice): string {
  return device.handle ?? `${device.bus ?? '?'}-${device.address ?? '?'}-${device.vendorId}:${device.productId}`;
}

/** What the interface classes of a configuration say. */
export function classifyConfiguration(configuration: NativeConfiguration): InterfaceVerdict {
  const classes = configuration.interfaces.flatMap((itf) => [itf.alternate.interfaceClass, ...(itf.alternates ?? []).map((a) => a.interfaceClass)]);
  if (classes.includes(USB_CLASS_CCID)) return 'ccid';
  if (classes.includes(USB_CLASS_VENDOR_SPEC)) return 'maybe-ccid';
  return 'not-ccid';
}

/** The CCID readers npm `usb` v3 sees, as a {@link UsbHost}. */
export class NodeUsbHost implements UsbHost {
  readonly #options: NodeUsbHostOptions;
  readonly #known = new KnownDevices<NativeHostDevice, NodeUsbDevice>(idOf);

  constructor(options: NodeUsbHostOptions = {}) {
    this.#options = options;
  }

  #usb(): Promise<NativeUsb> {
    return this.#options.usb !== undefined ? Promise.resolve(this.#options.usb) : loadNodeUsb();
  }

  #wrap(native: NativeHostDevice): NodeUsbDevice {
    return this.#known.wrap(native, (n) => new NodeUsbDevice(n, this.#options.device));
  }

  /** True when the device has a CCID interface (or may have one and cannot be read, but is a listed reader). */
  #isCcid(native: NativeHostDevice, device: NodeUsbDevice): Promise<boolean> {
    if (this.#options.allDevices === true) return Promise.resolve(true);
    // Reading `configuration` opens the device node: it may throw.
    return hasCcidInterface(device, () => {
      const configuration = native.configuration;
      return configuration === null || configuration === undefined ? undefined : classifyConfiguration(configuration);
    });
  }

  /**
   * The CCID readers present, in npm `usb`'s order. The same device is the same object
   * from call to call (and in `watch` events).
   * @throws {UsbTransportError} `CCID_ERR_USB_NO_SUBSYSTEM` when the machine has no USB
   *   subsystem npm `usb` can use (no /sys/bus/usb, or no native binding),
   *   `CCID_ERR_USB_ACCESS_DENIED` when the device list cannot be read.
   */
  async getDevices(): Promise<UsbDevice[]> {
    const usb = await this.#usb();
    let natives: NativeHostDevice[];
    try {
      natives = await usb.getDevices();
    } catch (error) {
      throw mapNodeUsbError(error, { operation: 'getDevices' });
    }
    this.#known.retainOnly(natives);
    const devices: UsbDevice[] = [];
    for (const native of natives) {
      const device = this.#wrap(native);
      if (await this.#isCcid(native, device)) devices.push(device);
    }
    return devices;
  }

  /**
   * Reports CCID readers plugged in and unplugged until the returned function is called.
   * Errors of the background work go to `onError` (they cannot reach `listener`).
   */
  watch(listener: (event: UsbHostEvent) => void): () => void {
    let stopped = false;
    let usb: NativeUsb | undefined;
    const report = (error: unknown, operation: string) => this.#options.onError?.(mapNodeUsbError(error, { operation }));
    const onConnect = (event: { readonly device: NativeHostDevice }) => {
      const native = event.device;
      const device = this.#wrap(native);
      this.#isCcid(native, device).then(
        (ccid) => {
          if (ccid && !stopped) listener({ type: 'connect', device });
        },
        (error: unknown) => report(error, 'connect'),
      );
    };
    const onDisconnect = (event: { readonly device: NativeHostDevice }) => {
      const device = this.#known.unplugged(event.device);
      if (device !== undefined && !stopped) listener({ type: 'disconnect', device });
    };
    void (async () => {
      try {
        const candidate = await this.#usb();
        await candidate.getDevices();
        if (stopped) return;
        candidate.addEventListener('connect', onConnect);
        candidate.addEventListener('disconnect', onDisconnect);
        usb = candidate;
      } catch (error) {
        report(error, 'watch');
      }
    })();
    return () => {
      stopped = true;
      if (usb !== undefined) {
        usb.removeEventListener('connect', onConnect);
        usb.removeEventListener('disconnect', onDisconnect);
        usb = undefined;
      }
    };
  }
}
