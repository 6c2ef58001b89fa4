/**
 * The wrappers a Node USB host has handed out, by the backend's device identity, so that
 * the same device is the same object from listing to listing and in hot-plug events, and
 * an unplugged one is marked gone. Shared by the libusb and nusb hosts.
 */

/** A backend wrapper: knows its native device and can be told it was unplugged. */
export interface KnownDevice<N> {
  readonly native: N;
  markGone(): void;
}

export class KnownDevices<N, D extends KnownDevice<N>> {
  readonly #byId = new Map<string, D>();

  /** @param idOf the backend's identity of a native device (bus and address, handle...) */
  constructor(private readonly idOf: (native: N) => string) {}

  /** The wrapper of `native`: the one handed out before, or a new one from `make`. */
  wrap(native: N, make: (native: N) => D): D {
    const id = this.idOf(native);
    let device = this.#byId.get(id);
    if (device === undefined || device.native !== native) {
      device = make(native);
      this.#byId.set(id, device);
    }
    return device;
  }

  /** Forgets the wrappers of devices no longer in `present` (a fresh listing). */
  retainOnly(present: readonly N[]): void {
    const ids = new Set(present.map(this.idOf));
    for (const id of [...this.#byId.keys()]) if (!ids.has(id)) this.#byId.delete(id);
  }

  /** On unplug: forgets the wrapper of `native`, marks it gone and returns it (undefined when never handed out). */
  unplugged(native: N): D | undefined {
    const id = this.idOf(native);
    const device = this.#byId.get(id);
    if (device === undefined) return undefined;
    this.#byId.delete(id);
    device.markGone();
    return device;
  }
}
