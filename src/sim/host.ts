/**
 * A {@link UsbHost} made of emulated readers: what `navigator.usb` or npm `usb` are for
 * real devices. Plugging a reader reports `connect`, unplugging it (by the host, by the
 * reader's own `unplug()`, or by a fault) reports `disconnect`.
 *
 * @example
 * ```ts
 * const host = new SimHost();
 * const readers = Array.from({ length: 12 }, (_, i) => host.plug('sysmoOCTSIM', { serialNumber: `OCT${i}` }));
 * const stop = host.watch((e) => console.log(e.type, e.device.serialNumber));
 * ```
 */
import type { DescriptorFixture } from '../fixtures/desc-file.ts';
import type { UsbDevice, UsbHost, UsbHostEvent } from '../usb/transport.ts';
import type { EmulatedReaderOptions } from './options.ts';
import type { ReaderProfile } from './profile.ts';
import { EmulatedReader, createEmulatedReader } from './reader.ts';

/** A USB host holding any number of emulated readers. */
export class SimHost implements UsbHost {
  private readonly plugged: EmulatedReader[] = [];
  private readonly listeners = new Set<(event: UsbHostEvent) => void>();

  /** @param readers readers plugged from the start (no `connect` event for them). */
  constructor(readers: readonly EmulatedReader[] = []) {
    for (const r of readers) this.attach(r, false);
  }

  /** The readers plugged now. */
  get readers(): readonly EmulatedReader[] {
    return this.plugged;
  }

  /**
   * Plugs a reader: an existing one, or a new one made from a profile name, fixture or
   * profile with `options`. Reports `connect`.
   */
  plug(reader: EmulatedReader | string | DescriptorFixture | ReaderProfile, options?: EmulatedReaderOptions): EmulatedReader {
    const r = reader instanceof EmulatedReader ? reader : createEmulatedReader(reader, options);
    this.attach(r, true);
    return r;
  }

  /** Unplugs a reader (reports `disconnect`). */
  unplug(reader: EmulatedReader): void {
    reader.unplug();
  }

  private attach(reader: EmulatedReader, announce: boolean): void {
    if (!reader.plugged || this.plugged.includes(reader)) return;
    this.plugged.push(reader);
    reader.onUnplug(() => {
      const i = this.plugged.indexOf(reader);
      if (i >= 0) this.plugged.splice(i, 1);
      this.emit({ type: 'disconnect', device: reader.device });
    });
    if (announce) this.emit({ type: 'connect', device: reader.device });
  }

  private emit(event: UsbHostEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  /** UsbHost: the devices plugged now. */
  async getDevices(): Promise<UsbDevice[]> {
    return this.plugged.map((r) => r.device);
  }

  /** UsbHost: connect/disconnect events; returns a function that stops them. */
  watch(listener: (event: UsbHostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The emulated reader behind a device of this host. */
  readerOf(device: UsbDevice): EmulatedReader | undefined {
    return this.plugged.find((r) => r.device === device);
  }
}
