/**
 * {@link LibusbHost}: the CCID readers npm `usb` 2.x (libusb) can see, as a {@link UsbHost}.
 *
 * npm `usb` 2.x is installed under the alias `usb-libusb` (package.json), beside npm `usb`
 * 3.x. Listing needs no device access: libusb caches every device's descriptors, so a
 * CCID interface is recognised by its class (0x0B), or by a vendor-class (0xFF) interface
 * carrying the 54-byte CCID class descriptor (type 0x21, CCID 1.1 §5.1) in its extra
 * bytes or after its endpoints. Only a vendor-class interface without it is read with
 * GET_DESCRIPTOR (`describeDevice` (`src/usb/ccid-filter.ts`)), which opens the device. Names come from Linux
 * sysfs (as npm `usb` 3.x does), so listing never opens a reader another driver holds.
 *
 * `watch()` follows npm `usb` 2.x's `attach`/`detach` events (libusb hot-plug, or its
 * polling fallback); a detached device is marked gone: pending transfers reject with
 * `CCID_ERR_USB_DEVICE_GONE`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UsbTransportError } from '../../errors.ts';
import { hasCcidInterface, type InterfaceVerdict } from '../ccid-filter.ts';
import { KnownDevices } from '../known-devices.ts';
import type { UsbDevice, UsbHost, UsbHostEvent } from '../transport.ts';
import { LibusbDevice, type LibusbDeviceOptions, type LibusbInterfaceDescriptor, type LibusbNativeDevice, type LibusbTransferConstructor } from './device.ts';
import { mapLibusbError } from './errors.ts';

const USB_CLASS_CCID = 0x0b;
const USB_CLASS_VENDOR_SPEC = 0xff;
/** CCID 1.1 §5.1: the class descriptor is 54 bytes of type 0x21. */
const CCID_DESCRIPTOR_LENGTH = 0x36;
const CCID_DESCRIPTOR_TYPE = 0x21;
const SYSFS_DEVICES = '/sys/bus/usb/devices';

/** npm `usb` 2.x's module, structurally (what this host uses). */
export interface LibusbModule {
  getDeviceList(): LibusbNativeDevice[];
  readonly Transfer: LibusbTransferConstructor;
  /** The module's event emitter (`attach` / `detach`); `INIT_ERROR` when libusb failed to start. */
  readonly usb: {
    readonly INIT_ERROR?: unknown;
    on(event: 'attach' | 'detach', listener: (device: LibusbNativeDevice) => void): unknown;
    removeListener(event: 'attach' | 'detach', listener: (device: LibusbNativeDevice) => void): unknown;
  };
}

/** Options of {@link LibusbHost}. */
export interface LibusbHostOptions {
  /** The npm `usb` 2.x module to use. @default `usb-libusb`, loaded on first use */
  readonly module?: LibusbModule;
  /** Timeouts and `--force` behaviour of every device. */
  readonly device?: Omit<LibusbDeviceOptions, 'readString'>;
  /** Keep every device, not only those with a CCID interface. @default false */
  readonly allDevices?: boolean;
  /** Called with errors of the background work of `watch()`. */
  readonly onError?: (error: UsbTransportError) => void;
  /** Where USB devices appear in sysfs (tests). @default '/sys/bus/usb/devices' on Linux */
  readonly sysfs?: string | null;
}

const NO_SUBSYSTEM_HINT =
  'This machine has no USB subsystem that libusb can use (no /sys/bus/usb: a container or VM without USB passthrough?). Readers cannot be reached from here.';

let loaded: Promise<LibusbModule> | undefined;

/**
 * Loads npm `usb` 2.x once. On Linux, a machine without /sys/bus/usb is reported before
 * loading (libusb would otherwise start, print a warning and list nothing).
 */
function loadLibusb(): Promise<LibusbModule> {
  if (process.platform === 'linux' && !existsSync(SYSFS_DEVICES)) {
    return Promise.reject(new UsbTransportError('CCID_ERR_USB_NO_SUBSYSTEM', `no USB subsystem: ${SYSFS_DEVICES} not found`, { hint: NO_SUBSYSTEM_HINT }));
  }
  loaded ??= import('usb-libusb').then(
    (mod) => {
      const candidate = ((mod as { default?: unknown }).default ?? mod) as Partial<LibusbModule>;
      if (typeof candidate.getDeviceList !== 'function' || candidate.Transfer === undefined || candidate.usb === undefined) {
        throw new UsbTransportError('CCID_ERR_USB_NO_SUBSYSTEM', 'npm usb 2.x (usb-libusb) loaded without its libusb binding', { hint: NO_SUBSYSTEM_HINT });
      }
      if (candidate.usb.INIT_ERROR) throw new UsbTransportError('CCID_ERR_USB_NO_SUBSYSTEM', 'libusb failed to initialise', { hint: NO_SUBSYSTEM_HINT });
      return candidate as LibusbModule;
    },
    (error: unknown) => {
      throw new UsbTransportError('CCID_ERR_USB_NO_SUBSYSTEM', `cannot load npm usb 2.x (usb-libusb): ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        hint: 'Run npm ci (usb-libusb is a dependency), or use the nusb backend (--usb nusb).',
      });
    },
  );
  return loaded;
}

function idOf(device: LibusbNativeDevice): string {
  return `${device.busNumber}-${device.deviceAddress}`;
}

/** True when a descriptor list (libusb `extra` bytes) holds a CCID class descriptor. */
function hasCcidDescriptor(extra: Uint8Array | undefined): boolean {
  if (extra === undefined) return false;
  for (let i = 0; i + 1 < extra.length && extra[i]! > 0; i += extra[i]!) {
    if (extra[i] === CCID_DESCRIPTOR_LENGTH && extra[i + 1] === CCID_DESCRIPTOR_TYPE) return true;
  }
  return false;
}

/** What the cached interface descriptors of a device say. */
export function classifyLibusbInterfaces(interfaces: readonly (readonly LibusbInterfaceDescriptor[])[]): InterfaceVerdict {
  let vendor = false;
  for (const alternates of interfaces) {
    for (const itf of alternates) {
      if (itf.bInterfaceClass === USB_CLASS_CCID) return 'ccid';
      if (itf.bInterfaceClass !== USB_CLASS_VENDOR_SPEC) continue;
      // Some readers put the class descriptor after the endpoints (libccid: "class descriptor after endpoints").
      if (hasCcidDescriptor(itf.extra) || itf.endpoints.some((ep) => hasCcidDescriptor((ep as { extra?: Uint8Array }).extra))) return 'ccid';
      vendor = true;
    }
  }
  return vendor ? 'maybe-ccid' : 'not-ccid';
}

/** The CCID readers npm `usb` 2.x (libusb) sees, as a {@link UsbHost}. */
export class LibusbHost implements UsbHost {
  readonly #options: LibusbHostOptions;
  readonly #known = new KnownDevices<LibusbNativeDevice, LibusbDevice>(idOf);

  constructor(options: LibusbHostOptions = {}) {
    this.#options = options;
  }

  #module(): Promise<LibusbModule> {
    return this.#options.module !== undefined ? Promise.resolve(this.#options.module) : loadLibusb();
  }

  #sysfsReader(native: LibusbNativeDevice): LibusbDeviceOptions['readString'] {
    const root = this.#options.sysfs === undefined ? (process.platform === 'linux' ? SYSFS_DEVICES : null) : this.#options.sysfs;
    const ports = native.portNumbers;
    if (root === null || ports === undefined || ports.length === 0) return undefined;
    const dir = `${root}/${native.busNumber}-${ports.join('.')}`;
    return (attribute) => {
      try {
        return readFileSync(`${dir}/${attribute}`, 'utf8').replace(/\n$/, '');
      } catch {
        return undefined;
      }
    };
  }

  #wrap(module: LibusbModule, native: LibusbNativeDevice): LibusbDevice {
    return this.#known.wrap(native, (n) => {
      const readString = this.#sysfsReader(n);
      return new LibusbDevice(n, module.Transfer, { ...this.#options.device, ...(readString === undefined ? {} : { readString }) });
    });
  }

  #isCcid(native: LibusbNativeDevice, device: LibusbDevice): Promise<boolean> {
    if (this.#options.allDevices === true) return Promise.resolve(true);
    return hasCcidInterface(device, () => {
      const interfaces = native.configDescriptor?.interfaces;
      return interfaces === undefined ? undefined : classifyLibusbInterfaces(interfaces);
    });
  }

  /**
   * The CCID readers present, in libusb's order; the same device is the same object from
   * call to call (and in `watch` events).
   * @throws {UsbTransportError} `CCID_ERR_USB_NO_SUBSYSTEM` when the machine has no USB
   *   subsystem (no /sys/bus/usb) or libusb cannot start.
   */
  async getDevices(): Promise<UsbDevice[]> {
    const module = await this.#module();
    let natives: LibusbNativeDevice[];
    try {
      natives = module.getDeviceList();
    } catch (error) {
      throw mapLibusbError(error, { operation: 'getDeviceList' });
    }
    this.#known.retainOnly(natives);
    const devices: UsbDevice[] = [];
    for (const native of natives) {
      const device = this.#wrap(module, native);
      if (await this.#isCcid(native, device)) devices.push(device);
    }
    return devices;
  }

  /** Reports CCID readers plugged in and unplugged until the returned function is called. */
  watch(listener: (event: UsbHostEvent) => void): () => void {
    let stopped = false;
    let module: LibusbModule | undefined;
    const report = (error: unknown, operation: string) => this.#options.onError?.(mapLibusbError(error, { operation }));
    const onAttach = (native: LibusbNativeDevice) => {
      if (module === undefined) return;
      const device = this.#wrap(module, native);
      this.#isCcid(native, device).then(
        (ccid) => {
          if (ccid && !stopped) listener({ type: 'connect', device });
        },
        (error: unknown) => report(error, 'attach'),
      );
    };
    const onDetach = (native: LibusbNativeDevice) => {
      const device = this.#known.unplugged(native);
      if (device !== undefined && !stopped) listener({ type: 'disconnect', device });
    };
    void this.#module().then(
      (candidate) => {
        if (stopped) return;
        module = candidate;
        candidate.usb.on('attach', onAttach);
        candidate.usb.on('detach', onDetach);
      },
      (error: unknown) => report(error, 'watch'),
    );
    return () => {
      stopped = true;
      if (module !== undefined) {
        module.usb.removeListener('attach', onAttach);
        module.usb.removeListener('detach', onDetach);
        module = undefined;
      }
    };
  }
}
