/**
 * The benchmark's "hardware": emulated sysmoOCTSIM readers with a USIM in every slot,
 * either in the driver's thread (the default) or in a worker thread.
 *
 * Real readers do the card timing and the card's work in their own silicon, and each USB
 * transfer costs the host a system call and a completion callback. In the driver's thread
 * the emulator's work (about 20 µs per APDU, measured by `usim-cpu.ts`) stands in for that
 * USB cost. In a worker thread the driver sees the readers through a {@link UsbDevice}
 * proxy whose every call is one message each way; on the 2-core test VM one such round
 * trip costs about 50 µs of CPU, two per CCID command, which is far more than a libusb
 * completion, so the worker placement measures Node's `postMessage` more than the driver.
 */
import { ArgumentError } from '../../src/errors.ts';
import type { DescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { createEmulatedReader, loadProfile } from '../../src/sim/index.ts';
import type { CardLink, EmulatedReader, ReaderProfile } from '../../src/sim/index.ts';
import type { UsbDevice } from '../../src/usb/transport.ts';
import { benchCard, cardSeed } from './usim-workload.ts';

/** What to plug. */
export interface HardwareSpec {
  /** Emulated readers (8 slots each). */
  readonly readers: number;
  /** bMaxCCIDBusySlots the descriptor declares: 8 (the real sysmoOCTSIM) or 1 (serialised baseline). */
  readonly busySlots: 8 | 1;
  /** The emulator's time multiplier: 1 for real card timing, 0 for answers at once. */
  readonly timeScale: number;
  /** The cards' processing time per APDU, ms (wire time comes on top). @default the emulator's */
  readonly cardMs?: number | undefined;
}

/** Counters summed over the readers. */
export interface HardwareCounters {
  /** CMD_SLOT_BUSY answers (slot or reader busy): a correct driver causes none. */
  readonly busyAnswers: number;
  /** Most slots busy at once on one reader. */
  readonly peakBusy: number;
  /** Time the readers' own thread has been busy so far, ms (0 when they share the driver's thread). */
  readonly activeMs: number;
}

/** Plugged readers, wherever they run. */
export interface Hardware {
  /** One USB device per reader. */
  readonly devices: readonly UsbDevice[];
  /** The counters now. */
  counters(): Promise<HardwareCounters>;
  /** The card link in force in a slot (clock, Fi, Di, protocol). */
  link(reader: number, slot: number): Promise<CardLink>;
  /** Stops the worker, if any. */
  dispose(): Promise<void>;
}

/** Offset of the CCID class descriptor (bDescriptorType 0x21) in a configuration descriptor. */
function classDescriptorOffset(configuration: Uint8Array): number {
  for (let o = 0; o + 1 < configuration.length && configuration[o]! > 0; o += configuration[o]!) {
    if (configuration[o + 1] === 0x21 && configuration[o]! >= 0x36) return o;
  }
  throw new ArgumentError('bench: no CCID class descriptor in the sysmoOCTSIM fixture');
}

let serialProfile: ReaderProfile | undefined;

/**
 * The sysmoOCTSIM profile with bMaxCCIDBusySlots (CCID 1.1 §5.1, offset 53) set to 1:
 * a reader without simultaneous slot access. The emulator enforces it (a second busy
 * slot gets CMD_SLOT_BUSY), so the driver has to serialise.
 */
export function serialisedProfile(): ReaderProfile {
  if (serialProfile !== undefined) return serialProfile;
  const real = loadProfile('sysmoOCTSIM').fixture;
  const configuration = real.configuration.slice();
  configuration[classDescriptorOffset(configuration) + 53] = 1;
  const fixture: DescriptorFixture = {
    ...real,
    configuration,
    comments: [...real.comments, 'bench: bMaxCCIDBusySlots patched from 8 to 1 (serialised baseline)'],
  };
  serialProfile = loadProfile(fixture, 'sysmoOCTSIM (bMaxCCIDBusySlots 1)');
  return serialProfile;
}

/** Creates the readers of `spec` in this thread, a USIM with its own seed in every slot. */
export function plugReaders(spec: HardwareSpec): EmulatedReader[] {
  return Array.from({ length: spec.readers }, (_, i) => {
    const reader = createEmulatedReader(spec.busySlots === 1 ? serialisedProfile() : 'sysmoOCTSIM', {
      timeScale: spec.timeScale,
      serialNumber: `OCT${String(i).padStart(2, '0')}`,
    });
    reader.slots.forEach((slot, s) => slot.insert(benchCard(cardSeed(i, s), spec.cardMs)));
    return reader;
  });
}

/** Counters of readers in this thread. */
export function countersOf(readers: readonly EmulatedReader[]): HardwareCounters {
  return {
    busyAnswers: readers.reduce((n, r) => n + r.stats.slotBusy + r.stats.readerBusy, 0),
    peakBusy: Math.max(0, ...readers.map((r) => r.stats.peakBusySlots)),
    activeMs: 0,
  };
}

/** Readers in the driver's thread. */
export function inThreadHardware(spec: HardwareSpec): Hardware {
  const readers = plugReaders(spec);
  return {
    devices: readers.map((r) => r.device),
    counters: async () => countersOf(readers),
    link: async (reader, slot) => readers[reader]!.slots[slot]!.link,
    dispose: async () => undefined,
  };
}
