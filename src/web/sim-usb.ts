/**
 * `?sim=PROFILE`: the built-in reader emulator installed as the page's USB. The emulated
 * reader sits behind a `navigator.usb`-shaped object ({@link WebUsbLike}), so the page runs
 * exactly the code path it runs on real hardware: `webUsbHost(usb).requestDevice(filters)`,
 * then the capture wrapper, then the driver.
 *
 * With `blockProtectedClass`, `claimInterface` on a smart-card interface rejects with the
 * `SecurityError` Chromium gives for protected classes, so the page's explanation of that
 * refusal can be seen (and tested) without a reader.
 */
import { ArgumentError } from '../errors.ts';
import { combinedCard, createEmulatedReader, listProfiles, SimHost, type EmulatedReader, type VirtualCard } from '../sim/index.ts';
import type { UsbDevice, UsbHostEvent } from '../usb/transport.ts';
import type { WebUsbDeviceFilter, WebUsbDeviceLike, WebUsbLike } from '../usb/web/index.ts';
import { SMART_CARD_CLASS } from './filters.ts';

/** Options of {@link simulatedUsb}. */
export interface SimulatedUsbOptions {
  /** Multiplier on card and wire time (0: instant answers). @default 1 */
  readonly timeScale?: number;
  /** Slots that start with a card (bSlot numbers). @default every slot */
  readonly cardSlots?: readonly number[];
  /** Reject `claimInterface` on class 0x0B interfaces as Chromium does. @default false */
  readonly blockProtectedClass?: boolean;
}

/** The emulated USB of the page. */
export interface SimulatedUsb {
  /** What to hand to `webUsbHost` in place of `navigator.usb`. */
  readonly usb: WebUsbLike;
  /** The host holding the emulated reader. */
  readonly host: SimHost;
  /** The emulated reader (its control face: insert, remove, unplug). */
  readonly reader: EmulatedReader;
  /** The profile name. */
  readonly profile: string;
  /** A fresh card for a slot, the one the emulator starts with. */
  newCard(slot: number): VirtualCard;
}

/** Chromium's message for a protected interface class (blink/modules/webusb/usb_device.cc). */
const PROTECTED_CLASS_MESSAGE = "Failed to execute 'claimInterface' on 'USBDevice': The requested interface implements a protected class.";

/** The names of the built-in profiles, for the "unknown profile" message. */
export function simProfileNames(): string[] {
  return listProfiles().map((p) => p.name);
}

function matches(reader: EmulatedReader, filter: WebUsbDeviceFilter): boolean {
  const profile = reader.profile;
  if (filter.vendorId !== undefined && filter.vendorId !== profile.vendorId) return false;
  if (filter.productId !== undefined && filter.productId !== profile.productId) return false;
  if (filter.classCode !== undefined && !profile.functions.some((f) => f.interfaceClass === filter.classCode)) return false;
  if (filter.serialNumber !== undefined && filter.serialNumber !== reader.device.serialNumber) return false;
  return true;
}

/** The emulated device as WebUSB shows it, optionally refusing protected interfaces. */
function nativeOf(reader: EmulatedReader, blockProtectedClass: boolean): WebUsbDeviceLike {
  const device: UsbDevice = reader.device;
  if (!blockProtectedClass) return device;
  const protectedInterfaces = new Set(reader.profile.functions.filter((f) => f.interfaceClass === SMART_CARD_CLASS).map((f) => f.interfaceNumber));
  // A prototype-less forwarder: every call goes to the emulated device except claimInterface.
  return new Proxy(device, {
    get(target, property, receiver) {
      if (property === 'claimInterface') {
        return async (interfaceNumber: number) => {
          if (protectedInterfaces.has(interfaceNumber)) throw new DOMException(PROTECTED_CLASS_MESSAGE, 'SecurityError');
          return target.claimInterface(interfaceNumber);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Builds the emulated USB: one reader of `profile`, a card in each slot of
 * `options.cardSlots` (hello-world + USIM applets, seeded by slot number).
 * @throws {ArgumentError} for an unknown profile name.
 */
export function simulatedUsb(profile: string, options: SimulatedUsbOptions = {}): SimulatedUsb {
  if (!simProfileNames().includes(profile)) {
    throw new ArgumentError(`unknown emulator profile "${profile}" (built-in: ${simProfileNames().join(', ')})`);
  }
  const reader = createEmulatedReader(profile, { timeScale: options.timeScale ?? 1, serialNumber: 'SIM0001' });
  const host = new SimHost([reader]);
  const newCard = (slot: number): VirtualCard => combinedCard({ seed: slot, label: 'hello-world + USIM' });
  const cardSlots = options.cardSlots ?? reader.slots.map((s) => s.index);
  for (const slot of reader.slots) if (cardSlots.includes(slot.index)) slot.insert(newCard(slot.index));

  const block = options.blockProtectedClass ?? false;
  const natives = new Map<UsbDevice, WebUsbDeviceLike>();
  const native = (device: UsbDevice): WebUsbDeviceLike => {
    let n = natives.get(device);
    if (n === undefined) {
      const owner = host.readerOf(device) ?? reader;
      n = nativeOf(owner, block);
      natives.set(device, n);
    }
    return n;
  };
  type Listener = (event: { readonly device: WebUsbDeviceLike }) => void;
  const stops = { connect: new Map<Listener, () => void>(), disconnect: new Map<Listener, () => void>() };

  const usb: WebUsbLike = {
    async getDevices() {
      return (await host.getDevices()).map(native);
    },
    async requestDevice({ filters }) {
      const chosen = host.readers.find((r) => r.plugged && filters.some((f) => matches(r, f)));
      // What Chromium rejects with when the chooser closes with nothing selected.
      if (chosen === undefined) throw new DOMException('No device selected.', 'NotFoundError');
      return native(chosen.device);
    },
    addEventListener(type, listener: Listener) {
      if (stops[type].has(listener)) return;
      stops[type].set(
        listener,
        host.watch((event: UsbHostEvent) => {
          if (event.type === type) listener({ device: native(event.device) });
        }),
      );
    },
    removeEventListener(type, listener: Listener) {
      stops[type].get(listener)?.();
      stops[type].delete(listener);
    },
  };
  return { usb, host, reader, profile, newCard };
}
