/**
 * An opened CCID reader: the glue of the descriptor layer (what the reader says it is),
 * the reader list and quirks (what it really is), the CCID engine (how to talk to it) and
 * the ISO 7816 layer (how to talk to its cards), behind {@link Reader} and its
 * {@link Slot}s.
 *
 * Lifecycle: {@link openReader} → open → `close()` (waits for every queued command, then
 * releases the interface and closes the device if it opened it) or `destroy()` (fails
 * pending work with `ReaderGoneError` `CCID_ERR_READER_CLOSED` at once). An unplug fails
 * everything pending with `CCID_ERR_READER_GONE` and emits `gone`.
 *
 * @example
 * ```ts
 * const reader = await openReader(device);
 * const slot = reader.slots[0];
 * await slot.powerOn();
 * const { data, sw } = await slot.transmit(hex`00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01`);
 * await reader.close();
 * ```
 */
import { openCcidEngine, type CcidEngine, type EngineOptions } from '../ccid/engine.ts';
import type { EngineStats } from '../ccid/stats.ts';
import type { TraceListener } from '../ccid/multiplexer.ts';
import type { CcidInterfaceDescription } from '../descriptors/ccid-interface.ts';
import type { DeviceDescription } from '../descriptors/description.ts';
import { describeDevice } from '../descriptors/read.ts';
import { ArgumentError, DescriptorError, NotSupportedError, type CcidError } from '../errors.ts';
import { applyQuirks, assessReader, parametersFromInterface, type ReaderParameters } from '../readers/apply.ts';
import type { ReaderListing } from '../readers/list.ts';
import type { Quirk } from '../readers/quirk.ts';
import type { UsbDevice } from '../usb/transport.ts';
import { vidPid } from '../util/hex.ts';
import { capabilitiesOf, voltagesOf, type ReaderCapabilities } from './capabilities.ts';
import { featuresOf, tlvProperties, type Part10Feature, type TlvProperties } from './features.ts';
import { delay } from './pin.ts';
import { Slot } from './slot.ts';

/** Options of {@link openReader}. */
export interface OpenReaderOptions {
  /** bInterfaceNumber of the CCID interface to use. @default the first CCID interface with bulk endpoints */
  interfaceNumber?: number;
  /** Open a reader that libccid lists as unsupported, or whose firmware is known bogus. @default false */
  allowUnsupported?: boolean;
  /** Options of the CCID engine (deadlines, polling...). */
  engine?: EngineOptions;
  /** Receives every CCID frame in and out (costs nothing when absent). */
  trace?: TraceListener;
  /** The device's description, when already read (skips reading the descriptors again). */
  description?: DeviceDescription;
  /** Offer FEATURE_CCID_ESC_COMMAND (raw escape through `slot.control`). @default true */
  escape?: boolean;
  /** Cancels opening (between transfers). */
  signal?: AbortSignal;
}

/** Events of a {@link Reader}. */
export interface ReaderEvents {
  /** A card appeared in a slot. */
  cardInserted: { readonly slot: Slot; readonly source: 'interrupt' | 'response' | 'poll' };
  /** A card left a slot (its session ended). */
  cardRemoved: { readonly slot: Slot; readonly source: 'interrupt' | 'response' | 'poll' };
  /** RDR_to_PC_HardwareError (CCID 1.1 §6.3.2): `code` 0x01 is an overcurrent. */
  hardwareError: { readonly slot: Slot | undefined; readonly code: number };
  /** The reader was unplugged or stopped answering; everything pending failed with `error`. */
  gone: { readonly error: CcidError };
  /** The reader asked for more time for a command (bmCommandStatus = 2, CCID 1.1 §6.2.6). */
  timeExtension: { readonly slot: Slot | undefined; readonly multiplier: number };
}

/** The effective clock list (kHz) and data-rate list (bps) after asking the reader again if needed. */
interface LinkLists {
  readonly clocksKhz: readonly number[];
  readonly dataRates: readonly number[] | undefined;
}

/** An opened CCID reader. Create it with {@link openReader}. */
export class Reader {
  /** The product name (iProduct), or the reader list's name, or VID:PID. */
  readonly name: string;
  /** idVendor. */
  readonly vendorId: number;
  /** idProduct. */
  readonly productId: number;
  /** The device's descriptors. */
  readonly description: DeviceDescription;
  /** The CCID interface in use. */
  readonly ccidInterface: CcidInterfaceDescription;
  /** What libccid's list says of the reader. */
  readonly listing: ReaderListing;
  /** The reader's quirks (see `readers/quirk.ts`). */
  readonly quirks: readonly Quirk[];
  /** The slots, 0 .. bMaxSlotIndex. */
  readonly slots: readonly Slot[];
  /** The descriptor values after quirks (slot 0). */
  readonly parameters: ReaderParameters;
  readonly #engine: CcidEngine;
  readonly #features: readonly Part10Feature[];
  readonly #clocksKhz: readonly number[];
  readonly #closeDevice: boolean;
  #closing: Promise<void> | undefined;

  /** @internal use {@link openReader}. */
  constructor(init: {
    device: UsbDevice;
    description: DeviceDescription;
    itf: CcidInterfaceDescription;
    listing: ReaderListing;
    quirks: readonly Quirk[];
    engine: CcidEngine;
    lists: LinkLists;
    escape: boolean;
    closeDevice: boolean;
  }) {
    const { description, itf, quirks, engine } = init;
    this.vendorId = description.device.vendorId;
    this.productId = description.device.productId;
    this.description = description;
    this.ccidInterface = itf;
    this.listing = init.listing;
    this.quirks = quirks;
    this.name = description.strings.product ?? init.listing.name ?? vidPid(this.vendorId, this.productId);
    this.#engine = engine;
    this.#closeDevice = init.closeDevice;
    this.#clocksKhz = init.lists.clocksKhz;
    const base: ReaderParameters = { ...parametersFromInterface(itf), dataRates: init.lists.dataRates };
    this.parameters = applyQuirks(base, quirks, 0).parameters;
    this.#features = featuresOf(this.parameters, quirks, init.escape);
    const voltages = voltagesOf(itf);
    this.slots = Array.from({ length: engine.slotCount }, (_, i) => {
      const parameters = i === 0 ? this.parameters : applyQuirks(base, quirks, i).parameters;
      return new Slot(this, {
        ccid: engine.slot(i),
        voltages,
        automaticVoltage: itf.ccid.features.automaticVoltageSelection,
        quirks,
        name: this.name,
        itf,
        parameters,
        clockKhz: itf.ccid.defaultClockKhz,
        features: this.#features,
      });
    });
    engine.on('cardRemoved', ({ slot }) => this.slots[slot]?.cardRemoved());
    engine.on('cardInserted', ({ slot }) => this.slots[slot]?.cardInserted());
    engine.on('gone', () => {
      for (const s of this.slots) s.cardRemoved();
    });
  }

  /** What the reader can do (descriptor values after quirks, class-request answers, part 10 features). */
  capabilities(): ReaderCapabilities {
    return capabilitiesOf(this.ccidInterface, this.parameters, this.#clocksKhz, this.#features);
  }

  /** FEATURE_GET_TLV_PROPERTIES (PC/SC v2 part 10 §2.6.14), decoded and as TLV bytes. */
  tlvProperties(): TlvProperties {
    return tlvProperties(this.ccidInterface, this.parameters, this.quirks, this.vendorId, this.productId);
  }

  /** The engine's counters (commands, timeouts, aborts, discarded frames...). */
  stats(): EngineStats {
    return this.#engine.stats();
  }

  /** The lifecycle state: `open`, `closing`, `closed`, or `gone` after an unplug. */
  get state(): 'open' | 'closing' | 'closed' | 'gone' {
    const s = this.#engine.state;
    return s === 'new' || s === 'opening' ? 'open' : s;
  }

  /** Adds an event listener; returns a function that removes it. */
  on<K extends keyof ReaderEvents>(type: K, listener: (event: ReaderEvents[K]) => void): () => void {
    switch (type) {
      case 'cardInserted':
      case 'cardRemoved': {
        const kind: 'cardInserted' | 'cardRemoved' = type;
        return this.#engine.on(kind, (e) => (listener as (x: ReaderEvents['cardInserted']) => void)({ slot: this.slots[e.slot]!, source: e.source }));
      }
      case 'hardwareError':
        return this.#engine.on('hardwareError', (e) => (listener as (x: ReaderEvents['hardwareError']) => void)({ slot: this.slots[e.slot], code: e.code }));
      case 'gone':
        return this.#engine.on('gone', (e) => (listener as (x: ReaderEvents['gone']) => void)({ error: e.error }));
      case 'timeExtension':
        return this.#engine.on('timeExtension', (e) => (listener as (x: ReaderEvents['timeExtension']) => void)({ slot: this.slots[e.slot], multiplier: e.multiplier }));
      default:
        throw new ArgumentError(`unknown reader event "${String(type)}"`);
    }
  }

  /** Waits for every queued command, then releases the interface (and closes the device if openReader opened it). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#engine.close().then(() => this.#release());
    return this.#closing;
  }

  /** Fails every pending command with `ReaderGoneError` (`CCID_ERR_READER_CLOSED`) at once, then releases. */
  destroy(): void {
    this.#closing ??= this.#engine.destroy().then(() => this.#release());
    this.#closing.catch(() => undefined);
  }

  async #release(): Promise<void> {
    for (const s of this.slots) s.cardRemoved();
    if (this.#closeDevice) await this.#engine.device.close().catch(() => undefined);
  }
}

/** The CCID interface to use. */
function chooseInterface(description: DeviceDescription, name: string, interfaceNumber: number | undefined): CcidInterfaceDescription {
  const candidates = description.interfaces;
  if (candidates.length === 0) throw new DescriptorError('CCID_ERR_NOT_CCID', `${name} has no CCID interface`, { reader: name });
  if (interfaceNumber !== undefined) {
    const itf = candidates.find((i) => i.interfaceNumber === interfaceNumber);
    if (itf === undefined) throw new ArgumentError(`${name} has no CCID interface ${interfaceNumber} (CCID interfaces: ${candidates.map((i) => i.interfaceNumber).join(', ')})`, { reader: name });
    return itf;
  }
  const usable = candidates.find((i) => i.kind === 'ccid' && i.endpoints.bulkIn !== undefined && i.endpoints.bulkOut !== undefined);
  if (usable !== undefined) return usable;
  throw new NotSupportedError(`${name}: only ICCD interfaces (control-transfer smart-card tokens), which this driver does not speak yet`, { reader: name });
}

/** Asks the reader again for its clock and data-rate lists when reading the descriptors could not (interface not claimed then). */
async function linkLists(engine: CcidEngine, itf: CcidInterfaceDescription): Promise<LinkLists> {
  const ask = async (result: CcidInterfaceDescription['clockFrequencies'], count: number, request: (n: number) => Promise<number[]>): Promise<number[] | undefined> => {
    if (result.kind === 'values') return result.values;
    if (count === 0 || result.kind === 'error' && result.reason === 'stall') return undefined;
    try {
      return await request(count);
    } catch {
      return undefined;
    }
  };
  const clocks = await ask(itf.clockFrequencies, itf.ccid.numClockSupported, (n) => engine.getClockFrequencies(n));
  const rates = await ask(itf.dataRates, itf.ccid.numDataRatesSupported, (n) => engine.getDataRates(n));
  return { clocksKhz: clocks ?? [], dataRates: rates };
}

/**
 * Opens a CCID reader: reads its descriptors (unless given), looks it up in the reader
 * list and the quirk table, claims the CCID interface, starts the engine and learns the
 * state of every slot.
 * @throws {DescriptorError} `CCID_ERR_NOT_CCID` for a device without a CCID interface;
 *   {@link NotSupportedError} for a reader listed as unsupported or with bogus firmware
 *   (unless `allowUnsupported`), or an ICCD-only device; {@link UsbTransportError} when
 *   the device cannot be opened or claimed (with a hint).
 */
export async function openReader(device: UsbDevice, options: OpenReaderOptions = {}): Promise<Reader> {
  const openedHere = !device.opened;
  if (openedHere) await device.open();
  try {
    // Class requests wait until the interface is claimed (linkLists): npm usb v3 and browsers refuse them before.
    const description = options.description ?? (await describeDevice(device, { signal: options.signal, classRequests: false }));
    const vendorId = description.device.vendorId;
    const productId = description.device.productId;
    const label = description.strings.product ?? vidPid(vendorId, productId);
    const itf = chooseInterface(description, label, options.interfaceNumber);
    const { listing, quirks, notUsedBecause } = assessReader(vendorId, productId, description.device.deviceVersion);
    if (notUsedBecause !== undefined && options.allowUnsupported !== true) {
      throw new NotSupportedError(`${label} (${vidPid(vendorId, productId)}) is not used by default: ${notUsedBecause}; pass allowUnsupported to try it`, { reader: label });
    }
    const parameters = applyQuirks(parametersFromInterface(itf), quirks).parameters;
    for (const q of quirks) if (q.kind === 'openDelay') await delay(q.ms, options.signal);
    let minTimeoutMs = options.engine?.minTimeoutMs;
    for (const q of quirks) if (q.kind === 'responseTimeout' && q.phase === 'always') minTimeoutMs = Math.max(minTimeoutMs ?? 3000, q.ms);
    const engine = await openCcidEngine(
      device,
      {
        interfaceNumber: itf.interfaceNumber,
        bulkIn: { endpointNumber: itf.endpoints.bulkIn!.number, packetSize: itf.endpoints.bulkIn!.maxPacketSize },
        bulkOut: { endpointNumber: itf.endpoints.bulkOut!.number, packetSize: itf.endpoints.bulkOut!.maxPacketSize },
        ...(itf.endpoints.interruptIn === undefined ? {} : { interruptIn: { endpointNumber: itf.endpoints.interruptIn.number, packetSize: itf.endpoints.interruptIn.maxPacketSize } }),
        slotCount: itf.slotCount,
        maxBusySlots: parameters.maxBusySlots,
        maxMessageLength: parameters.maxMessageLength,
        name: label,
      },
      { ...options.engine, ...(minTimeoutMs === undefined ? {} : { minTimeoutMs }), ...(options.trace === undefined ? {} : { trace: options.trace }) },
    );
    try {
      const lists = await linkLists(engine, itf);
      // The engine probed every slot (GetSlotStatus) on open: wait for the answers so slot states are known.
      await engine.whenIdle();
      return new Reader({ device, description, itf, listing, quirks, engine, lists, escape: options.escape ?? true, closeDevice: openedHere });
    } catch (error) {
      await engine.destroy().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    if (openedHere) await device.close().catch(() => undefined);
    throw error;
  }
}
