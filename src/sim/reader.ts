/**
 * An emulated CCID reader: a USB face (`device`, a {@link UsbDevice}) that speaks only
 * bytes, and a control face for tests and demos (insert and remove cards, unplug, arm
 * faults, read counters).
 *
 * @example
 * ```ts
 * const reader = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
 * reader.slots[0].insert(myCard);
 * await reader.device.open();
 * await reader.device.claimInterface(0);
 * await reader.device.transferOut(2, Uint8Array.of(0x62, 0, 0, 0, 0, 0, 0, 0, 0, 0));
 * const atr = await reader.device.transferIn(1, 512); // RDR_to_PC_DataBlock with the ATR
 * ```
 */
import { ArgumentError } from '../errors.ts';
import type { DescriptorFixture } from '../fixtures/desc-file.ts';
import type { UsbDevice } from '../usb/transport.ts';
import type { CardLink, VirtualCard } from './card.ts';
import type { ServedDescriptors } from './control.ts';
import { SimUsbDevice } from './device.ts';
import { FaultInjector } from './faults.ts';
import { CcidFunction } from './function.ts';
import { type EmulatedReaderOptions, type ReaderStats, type ResolvedOptions, newStats, resolveOptions } from './options.ts';
import type { CcidFunctionProfile, ReaderProfile } from './profile.ts';
import { loadProfile } from './profiles.ts';
import type { SimSlot, SlotState } from './slot.ts';

/** The control face of one slot. */
export interface SlotControl {
  /** bSlot. */
  readonly index: number;
  /** absent / inactive (card present, not powered) / active. */
  readonly state: SlotState;
  /** The card in the slot. */
  readonly card: VirtualCard | undefined;
  /** True while a command is in progress. */
  readonly busy: boolean;
  /** Clock, Fi, Di and protocol in force. */
  readonly link: CardLink;
  /**
   * Puts a card in the slot (NotifySlotChange follows).
   * @throws {ArgumentError} when the slot already holds a card.
   */
  insert(card: VirtualCard): void;
  /** Takes the card out (NotifySlotChange; a command in progress fails with "ICC absent"). No-op when empty. */
  remove(): void;
  /** Queues what the user "types" on the PIN pad for the next PC_to_RDR_Secure (`null`: the user cancels). */
  enterPin(pin: string | null): void;
}

/** The control face of one CCID interface. */
export interface FunctionControl {
  /** bInterfaceNumber. */
  readonly interfaceNumber: number;
  /** The interface's profile. */
  readonly profile: CcidFunctionProfile;
  /** Its slots. */
  readonly slots: readonly SlotControl[];
  /** Slots busy right now. */
  readonly busySlots: number;
  /** Queues `count` NotifySlotChange messages at once (a bouncing contact, a buggy firmware). */
  notificationStorm(count: number): void;
  /** Queues an interrupt HardwareError message for `slot`. */
  hardwareError(slot: number): void;
}

class SlotFace implements SlotControl {
  constructor(
    private readonly fn: CcidFunction,
    private readonly slot: SimSlot,
    private readonly reader: EmulatedReader,
  ) {}
  get index(): number {
    return this.slot.index;
  }
  get state(): SlotState {
    return this.slot.state;
  }
  get card(): VirtualCard | undefined {
    return this.slot.card;
  }
  get busy(): boolean {
    return this.slot.running !== undefined;
  }
  get link(): CardLink {
    return this.slot.link();
  }
  insert(card: VirtualCard): void {
    if (this.slot.card !== undefined) throw new ArgumentError(`slot ${this.slot.index} already holds a card ("${this.slot.card.label}")`);
    if (!this.reader.plugged) throw new ArgumentError('the reader is unplugged');
    this.fn.insertCard(this.slot, card);
  }
  remove(): void {
    this.fn.removeCard(this.slot);
  }
  enterPin(pin: string | null): void {
    this.slot.pinEntries.push(pin);
  }
}

class FunctionFace implements FunctionControl {
  readonly slots: readonly SlotControl[];
  constructor(
    private readonly fn: CcidFunction,
    reader: EmulatedReader,
  ) {
    this.slots = fn.slots.map((s) => new SlotFace(fn, s, reader));
  }
  get interfaceNumber(): number {
    return this.fn.profile.interfaceNumber;
  }
  get profile(): CcidFunctionProfile {
    return this.fn.profile;
  }
  get busySlots(): number {
    return this.fn.busySlots;
  }
  notificationStorm(count: number): void {
    this.fn.storm(count);
  }
  hardwareError(slot: number): void {
    const s = this.fn.slots[slot];
    if (s === undefined) throw new ArgumentError(`no slot ${slot}`);
    this.fn.hardwareError(s, 0);
  }
}

/** Patches the descriptors served: bulk wMaxPacketSize, and iSerialNumber when a serial is given. */
function serveDescriptors(profile: ReaderProfile, options: ResolvedOptions, serial: string | undefined): ServedDescriptors {
  const fixture: DescriptorFixture = profile.fixture;
  const device = fixture.device.slice();
  const configuration = fixture.configuration.slice();
  const strings = new Map(fixture.strings);
  const mps = options.maxPacketSize;
  if (mps !== undefined) {
    for (const fn of profile.functions) {
      for (const ep of [fn.bulkIn, fn.bulkOut]) {
        if (ep === undefined) continue;
        configuration[ep.offset + 4] = mps & 0xff;
        configuration[ep.offset + 5] = (mps >> 8) & 0x07;
      }
    }
  }
  if (serial !== undefined) {
    let index = device[16]!;
    if (index === 0) {
      index = 3;
      while (strings.has(index) && index < 255) index++;
      device[16] = index;
    }
    strings.set(index, serial);
  }
  return { device, configuration, strings };
}

/** One emulated reader. Create it with {@link createEmulatedReader}. */
export class EmulatedReader {
  /** The profile it was made from. */
  readonly profile: ReaderProfile;
  /** The USB face. */
  readonly device: UsbDevice;
  /** Every CCID interface, in configuration order. */
  readonly functions: readonly FunctionControl[];
  /** The slots of the first CCID interface (the only one for most readers). */
  readonly slots: readonly SlotControl[];
  /** Fault injection. */
  readonly faults: FaultInjector;
  /** Counters. */
  readonly stats: ReaderStats;
  private readonly sim: SimUsbDevice;
  private readonly cores: CcidFunction[];
  private isPlugged = true;
  private readonly unplugListeners = new Set<() => void>();

  /** @internal use {@link createEmulatedReader}. */
  constructor(profile: ReaderProfile, options: EmulatedReaderOptions = {}) {
    if (options.maxPacketSize !== undefined && !(Number.isInteger(options.maxPacketSize) && options.maxPacketSize >= 8 && options.maxPacketSize <= 1024)) {
      throw new ArgumentError(`maxPacketSize must be an integer in 8..1024, not ${options.maxPacketSize}`);
    }
    if (options.timeScale !== undefined && !(options.timeScale >= 0)) throw new ArgumentError('timeScale must be ≥ 0');
    this.profile = profile;
    const resolved = resolveOptions(options);
    this.faults = new FaultInjector(options.seed ?? 1);
    this.stats = newStats();
    const host = { options: resolved, stats: this.stats, faults: this.faults, unplug: () => this.unplug() };
    this.cores = profile.functions.map((f) => new CcidFunction(f, host));
    this.sim = new SimUsbDevice({
      profile,
      options: resolved,
      functions: this.cores,
      descriptors: serveDescriptors(profile, resolved, options.serialNumber),
      serialNumber: options.serialNumber,
    });
    this.device = this.sim;
    this.functions = this.cores.map((c) => new FunctionFace(c, this));
    this.slots = this.functions[0]!.slots;
  }

  /** False once unplugged. */
  get plugged(): boolean {
    return this.isPlugged;
  }

  /**
   * Unplugs the reader: commands in progress stop, every pending and later USB call
   * rejects with `CCID_ERR_USB_DEVICE_GONE`, and a {@link SimHost} holding it reports
   * `disconnect`. An unplugged reader stays unplugged (plug a new one).
   */
  unplug(): void {
    if (!this.isPlugged) return;
    this.isPlugged = false;
    for (const c of this.cores) c.shutdown();
    this.sim.disconnect();
    for (const listener of [...this.unplugListeners]) listener();
  }

  /** Calls `listener` once when the reader is unplugged; returns a function that removes it. */
  onUnplug(listener: () => void): () => void {
    this.unplugListeners.add(listener);
    return () => this.unplugListeners.delete(listener);
  }
}

/**
 * Creates an emulated reader from a built-in profile name (see `listProfiles()`), a
 * parsed descriptor fixture, or a profile.
 * @throws {ArgumentError} for an unknown profile name or a bad option.
 * @throws {FixtureError} for a fixture with no CCID interface.
 */
export function createEmulatedReader(profile: string | DescriptorFixture | ReaderProfile, options: EmulatedReaderOptions = {}): EmulatedReader {
  const p = typeof profile === 'object' && 'functions' in profile ? profile : loadProfile(profile);
  return new EmulatedReader(p, options);
}
