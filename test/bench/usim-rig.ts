/**
 * The benchmark's rig: the hardware (emulated sysmoOCTSIMs with a USIM in every slot, in
 * this thread or a worker) and the driver opened on each reader through its public API.
 */
import { inThreadHardware } from './usim-hardware.ts';
import type { Hardware, HardwareSpec } from './usim-hardware.ts';
import { workerHardware } from './usim-remote.ts';
import { openDriver } from './usim-driver.ts';
import type { DriverOptions, DriverReader } from './usim-driver.ts';

/** Where the emulated readers run. */
export type Placement = 'worker' | 'thread';

/** Options of {@link openRig}. */
export interface RigOptions extends HardwareSpec {
  /** Emulated readers in the driver's thread, or in a worker thread behind a USB proxy. @default 'thread' */
  readonly place?: Placement;
  /** Driver options (frame trace). */
  readonly driver?: DriverOptions;
}

/** Hardware and driver handles, reader for reader. */
export interface Rig {
  /** The emulated readers. */
  readonly hardware: Hardware;
  /** The driver's readers. */
  readonly readers: readonly DriverReader[];
  /** Closes every driver reader, then stops the hardware. */
  close(): Promise<void>;
}

/** Plugs the readers and opens the driver on each. */
export async function openRig(options: RigOptions): Promise<Rig> {
  const hardware = (options.place ?? 'thread') === 'worker' ? await workerHardware(options) : inThreadHardware(options);
  const readers: DriverReader[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(readers.map((r) => r.close()));
    await hardware.dispose();
  };
  try {
    for (const device of hardware.devices) readers.push(await openDriver(device, options.driver));
  } catch (error) {
    await close();
    throw error;
  }
  return { hardware, readers, close };
}
