/**
 * The per-device CCID engine: one per opened CCID interface. It owns the interface's
 * endpoints (one bulk-IN read loop, ordered bulk-OUT writes, one interrupt-IN read loop),
 * reassembles answers, hands each to the command it answers ({@link Multiplexer}), turns
 * slot changes into events, and keeps per-device statistics.
 *
 * Lifecycle: `new` → `open()` → `open` → `close()` (drains: waits for every queued and
 * pending command, then releases the interface) or `destroy()` (fails pending work with a
 * typed error, then releases) → `closed`. An unplug (`CCID_ERR_USB_DEVICE_GONE` from any
 * transfer) moves to `gone` and fails every pending and queued command at once with
 * `ReaderGoneError` (`CCID_ERR_READER_GONE`). After close no timer or loop remains.
 *
 * @example
 * ```ts
 * const engine = await openCcidEngine(device, {
 *   interfaceNumber: 0, slotCount: 8, maxBusySlots: 8, maxMessageLength: 271,
 *   bulkIn: { endpointNumber: 2, packetSize: 64 }, bulkOut: { endpointNumber: 1, packetSize: 64 },
 *   interruptIn: { endpointNumber: 3, packetSize: 8 },
 * });
 * engine.on('cardInserted', ({ slot }) => console.log('card in slot', slot));
 * const atr = (await engine.slot(0).powerOn()).data;
 * const { data } = await engine.slot(0).xfrBlock(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x00));
 * await engine.close();
 * ```
 */
import { NotSupportedError, ReaderGoneError, ArgumentError, isCcidError } from '../errors.ts';
import type { CcidError } from '../errors.ts';
import { transferBytes } from '../usb/transport.ts';
import type { UsbDevice } from '../usb/transport.ts';
import { vidPid } from '../util/hex.ts';
import { applySlotChange, cardStateOf, setCardState } from './card-state.ts';
import { decodeDwordList, getClockFrequenciesSetup, getDataRatesSetup } from './class-requests.ts';
import { POLL, SHAPE_MESSAGE } from './command.ts';
import { encodeGetSlotStatus } from './encode.ts';
import { TypedEmitter, reportAsync } from './events.ts';
import type { EngineEvents } from './events.ts';
import { decodeInterruptTransfer, notifySlotChangeLength, slotChangeBits } from './interrupt.ts';
import type { InterruptMessage } from './messages.ts';
import { Multiplexer } from './multiplexer.ts';
import type { TraceListener } from './multiplexer.ts';
import { ReadLoop } from './read-loop.ts';
import { Reassembler } from './reassembler.ts';
import type { FrameProblem } from './reassembler.ts';
import { CcidSlot } from './slot.ts';
import { SlotQueue } from './slot-queue.ts';
import { copyStats, emptyStats } from './stats.ts';
import type { EngineStats } from './stats.ts';

/** An endpoint of the CCID interface (WebUSB endpoint number, without the direction bit). */
export interface EndpointFacts {
  /** Endpoint number (bEndpointAddress & 0x0F). */
  readonly endpointNumber: number;
  /** wMaxPacketSize. */
  readonly packetSize: number;
}

/** What the engine needs to know of the CCID interface (from its descriptors). */
export interface CcidInterfaceFacts {
  /** bInterfaceNumber of the CCID interface. */
  readonly interfaceNumber: number;
  /** Bulk-IN endpoint (responses). */
  readonly bulkIn: EndpointFacts;
  /** Bulk-OUT endpoint (commands). */
  readonly bulkOut: EndpointFacts;
  /** Interrupt-IN endpoint (slot changes); readers without one are polled. */
  readonly interruptIn?: EndpointFacts;
  /** bMaxSlotIndex + 1 (CCID 1.1 §5.1). Any number from 1 to 256. */
  readonly slotCount: number;
  /** bMaxCCIDBusySlots (§5.1); clamped to 1..slotCount. */
  readonly maxBusySlots: number;
  /** dwMaxCCIDMessageLength (§5.1): answers with a larger dwLength are discarded. */
  readonly maxMessageLength: number;
  /** Reader name for errors and events. @default the device's VID:PID */
  readonly name?: string;
}

/** Options of the engine. */
export interface EngineOptions {
  /** Lowest deadline a command may have, in ms; callers asking less get this. @default 3000 */
  minTimeoutMs?: number;
  /** Hard limit of one command, time extensions included, in ms. @default 300000 */
  maxDurationMs?: number;
  /** How long to wait for the answer to PC_to_RDR_Abort before freeing the slot anyway, in ms. @default 2000 */
  abortWaitMs?: number;
  /** GetSlotStatus polling period for readers without interrupt-IN, in ms; 0 = never. @default 1000 */
  pollIntervalMs?: number;
  /** Send GetSlotStatus to every slot right after open, so card states are known. @default true */
  probeSlotsOnOpen?: boolean;
  /** Receives every frame in and out (see {@link CcidEngine.trace}). */
  trace?: TraceListener;
  /** Clock in ms (tests). @default performance.now */
  now?: () => number;
}

/** Lifecycle states of an engine. */
export type EngineState = 'new' | 'opening' | 'open' | 'closing' | 'closed' | 'gone';

/** How long close() waits for the read loops to notice the released interface, in ms. */
const LOOP_EXIT_WAIT_MS = 1000;

/** The per-device CCID multiplexer. */
export class CcidEngine {
  /** The interface facts the engine was built with. */
  readonly facts: CcidInterfaceFacts;
  /** Reader name used in errors. */
  readonly name: string;
  private readonly events = new TypedEmitter<EngineEvents>();
  private readonly counters: EngineStats = emptyStats();
  private readonly queues: SlotQueue[];
  private readonly slotObjects: (CcidSlot | undefined)[];
  private readonly mux: Multiplexer;
  private readonly reassembler: Reassembler;
  private readonly bulkLoop: ReadLoop;
  private readonly interruptLoop: ReadLoop | undefined;
  private readonly pollIntervalMs: number;
  private readonly probeOnOpen: boolean;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private current: EngineState = 'new';
  private openedDevice = false;
  private closing: Promise<void> | undefined;

  /**
   * @throws {ArgumentError} when the facts are impossible (no slot, more than 256 slots...).
   */
  constructor(
    readonly device: UsbDevice,
    facts: CcidInterfaceFacts,
    options: EngineOptions = {},
  ) {
    checkFacts(facts);
    this.facts = facts;
    this.name = facts.name ?? vidPid(device.vendorId, device.productId);
    this.queues = Array.from({ length: facts.slotCount }, (_, i) => new SlotQueue(i));
    this.slotObjects = new Array<CcidSlot | undefined>(facts.slotCount).fill(undefined);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.probeOnOpen = options.probeSlotsOnOpen ?? true;
    const now = options.now ?? (() => performance.now());
    this.mux = new Multiplexer({
      device,
      interfaceNumber: facts.interfaceNumber,
      bulkOutEndpoint: facts.bulkOut.endpointNumber,
      slots: this.queues,
      maxBusySlots: facts.maxBusySlots,
      minTimeoutMs: options.minTimeoutMs ?? 3000,
      maxDurationMs: options.maxDurationMs ?? 300_000,
      abortWaitMs: options.abortWaitMs ?? 2000,
      reader: this.name,
      now,
      stats: this.counters,
      events: this.events,
      onCardStatus: (slot, icc, fromPoll) => setCardState(slot, cardStateOf(icc), fromPoll ? 'poll' : 'response', this.events),
      onGone: (error) => this.gone(error),
    });
    this.mux.trace = options.trace;
    this.mux.refuse(new ReaderGoneError('CCID_ERR_READER_CLOSED', `${this.name} is not open`, { reader: this.name }));
    this.reassembler = new Reassembler({
      maxMessageLength: facts.maxMessageLength,
      onError: (_error, dropped, problem) => this.mux.discard(DISCARD_OF[problem], dropped),
      isFrameStart: (frame) => this.mux.expects(frame),
    });
    const bulkLength = roundUp(10 + facts.maxMessageLength, facts.bulkIn.packetSize);
    this.bulkLoop = new ReadLoop(device, facts.bulkIn.endpointNumber, bulkLength, {
      data: (bytes) => this.onBulkIn(bytes),
      stall: () => this.counters.stalls++,
      end: (error) => this.loopEnded(error),
    });
    const intr = facts.interruptIn;
    if (intr !== undefined) {
      const length = roundUp(Math.max(notifySlotChangeLength(facts.slotCount), 4), intr.packetSize);
      this.interruptLoop = new ReadLoop(device, intr.endpointNumber, length, {
        data: (bytes) => this.onInterrupt(bytes),
        stall: () => this.counters.stalls++,
        end: (error) => this.interruptEnded(error),
      });
    }
  }

  /** Lifecycle state. */
  get state(): EngineState {
    return this.current;
  }

  /** Number of slots (bMaxSlotIndex + 1). */
  get slotCount(): number {
    return this.queues.length;
  }

  /** Busy-slot limit in force: bMaxCCIDBusySlots clamped to 1..slotCount. */
  get maxBusySlots(): number {
    return this.mux.maxBusySlots;
  }

  /** The frame trace listener, or undefined (tracing off costs one check per frame). */
  get trace(): TraceListener | undefined {
    return this.mux.trace;
  }
  set trace(listener: TraceListener | undefined) {
    this.mux.trace = listener;
  }

  /**
   * Opens the device if needed, claims the CCID interface and starts the read loops;
   * then probes (GetSlotStatus) or polls the slots as configured.
   */
  async open(): Promise<void> {
    if (this.current !== 'new') throw new ArgumentError(`engine of ${this.name} is ${this.current}, not new`);
    this.current = 'opening';
    try {
      if (!this.device.opened) {
        await this.device.open();
        this.openedDevice = true;
      }
      await this.device.claimInterface(this.facts.interfaceNumber);
    } catch (error) {
      this.current = 'closed';
      if (this.openedDevice) await this.device.close().catch(() => undefined);
      throw error;
    }
    this.current = 'open';
    this.mux.accept();
    this.bulkLoop.start();
    this.interruptLoop?.start();
    if (this.probeOnOpen) this.pollSlots();
    if (this.interruptLoop === undefined && this.pollIntervalMs > 0) this.schedulePoll();
  }

  /**
   * The slot `index` (0 .. bMaxSlotIndex), the same object on every call.
   * @throws {ArgumentError} when the reader has no such slot.
   */
  slot(index: number): CcidSlot {
    if (!Number.isInteger(index) || index < 0 || index >= this.queues.length) {
      throw new ArgumentError(`${this.name} has no slot ${index} (slots 0..${this.queues.length - 1})`, { reader: this.name, slot: index });
    }
    return (this.slotObjects[index] ??= new CcidSlot(this.queues[index]!, this.mux));
  }

  /** Adds an event listener; returns a function that removes it. */
  on<K extends keyof EngineEvents>(type: K, listener: (event: EngineEvents[K]) => void): () => void {
    return this.events.on(type, listener);
  }

  /** Removes an event listener. */
  off<K extends keyof EngineEvents>(type: K, listener: (event: EngineEvents[K]) => void): void {
    this.events.off(type, listener);
  }

  /**
   * Settles when no command is queued or pending and no abort procedure is running
   * (tests, and callers that want a quiet reader before a reset).
   */
  whenIdle(): Promise<void> {
    return this.mux.whenIdle();
  }

  /** A snapshot of the device's counters. */
  stats(): EngineStats {
    this.counters.fragmented = this.reassembler.fragmented;
    return copyStats(this.counters);
  }

  /** GET_CLOCK_FREQUENCIES (CCID 1.1 §5.3.2): the `count` (bNumClockSupported) clock frequencies, in kHz. */
  getClockFrequencies(count: number): Promise<number[]> {
    return this.dwordRequest(getClockFrequenciesSetup(this.facts.interfaceNumber), count, 'GET_CLOCK_FREQUENCIES');
  }

  /** GET_DATA_RATES (CCID 1.1 §5.3.3): the `count` (bNumDataRatesSupported) data rates, in bps. */
  getDataRates(count: number): Promise<number[]> {
    return this.dwordRequest(getDataRatesSetup(this.facts.interfaceNumber), count, 'GET_DATA_RATES');
  }

  /**
   * Refuses new commands, waits until every queued and pending command has settled (each
   * is bounded by its deadline), then releases the interface (and closes the device if
   * the engine opened it). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /**
   * Fails every queued and pending command with `error` (default ReaderGoneError
   * `CCID_ERR_READER_CLOSED`) at once, then releases like {@link close}.
   */
  destroy(error?: CcidError): Promise<void> {
    if (this.current === 'open' || this.current === 'closing') {
      this.mux.failAll(error ?? new ReaderGoneError('CCID_ERR_READER_CLOSED', `${this.name} was destroyed`, { reader: this.name }));
    }
    return this.close();
  }

  private async doClose(): Promise<void> {
    if (this.current === 'new' || this.current === 'closed') {
      this.current = 'closed';
      return;
    }
    if (this.current === 'open') {
      this.current = 'closing';
      this.mux.refuse(new ReaderGoneError('CCID_ERR_READER_CLOSED', `${this.name} is closing`, { reader: this.name }));
      this.stopPolling();
      await this.mux.whenIdle();
    }
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    this.stopPolling();
    this.mux.stop();
    this.bulkLoop.stop();
    this.interruptLoop?.stop();
    // Releasing the interface makes the pending transferIn calls reject (WebUSB cannot cancel them).
    try {
      await this.device.releaseInterface(this.facts.interfaceNumber);
    } catch {
      // Already released, or the device is gone: either way the transfers end.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([this.bulkLoop.finished, this.interruptLoop?.finished]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, LOOP_EXIT_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (this.openedDevice) {
      try {
        await this.device.close();
      } catch {
        // A device that is gone is closed enough.
      }
    }
    this.current = 'closed';
    this.events.emit('closed', {});
  }

  private gone(cause: unknown): void {
    if (this.current !== 'open' && this.current !== 'closing') return;
    const closed = isCcidError(cause) && cause.code === 'CCID_ERR_USB_CLOSED';
    const error = closed
      ? new ReaderGoneError('CCID_ERR_READER_CLOSED', `${this.name}: the USB interface was closed under the engine`, { reader: this.name, cause })
      : new ReaderGoneError('CCID_ERR_READER_GONE', `${this.name} is gone (unplugged or not answering)`, { reader: this.name, cause });
    this.current = 'gone';
    this.mux.failAll(error);
    this.stopPolling();
    this.bulkLoop.stop();
    this.interruptLoop?.stop();
    this.events.emit('gone', { error });
  }

  private loopEnded(error: unknown): void {
    if (this.current === 'open' || (this.current === 'closing' && !(isCcidError(error) && error.code === 'CCID_ERR_USB_CLOSED'))) this.gone(error);
  }

  /**
   * An interrupt endpoint that keeps failing (not gone, not closed) should not take the
   * bulk pipe down with it: fall back to polling the slots.
   */
  private interruptEnded(error: unknown): void {
    const code = isCcidError(error) ? error.code : undefined;
    if (code === 'CCID_ERR_USB_DEVICE_GONE' || code === 'CCID_ERR_USB_CLOSED') return this.loopEnded(error);
    if (this.current === 'open' && this.pollIntervalMs > 0 && this.pollTimer === undefined) this.schedulePoll();
  }

  private onBulkIn(bytes: Uint8Array): void {
    const stats = this.counters;
    stats.transfersIn++;
    stats.bytesIn += bytes.length;
    const messages = this.reassembler.push(bytes);
    const trace = this.mux.trace;
    for (let i = 0; i < messages.length; i++) {
      const msg = messages[i]!;
      if (trace !== undefined) {
        try {
          trace('in', msg.raw);
        } catch (error) {
          reportAsync(error);
        }
      }
      this.mux.onFrame(msg);
    }
  }

  private onInterrupt(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.mux.trace !== undefined) {
      try {
        this.mux.trace('interrupt', bytes);
      } catch (error) {
        reportAsync(error);
      }
    }
    let messages: InterruptMessage[];
    try {
      messages = decodeInterruptTransfer(bytes, this.queues.length);
    } catch {
      this.mux.discard('malformed', bytes);
      return;
    }
    for (const msg of messages) {
      this.counters.notifications++;
      if (msg.kind === 'RDR_to_PC_HardwareError') {
        this.counters.hardwareErrors++;
        this.events.emit('hardwareError', { slot: msg.slot, seq: msg.seq, code: msg.hardwareErrorCode });
        continue;
      }
      const n = Math.min(msg.slotCount, this.queues.length);
      for (let slot = 0; slot < n; slot++) {
        const bits = slotChangeBits(msg, slot)!;
        applySlotChange(this.queues[slot]!, bits.present, bits.changed, this.events);
      }
    }
  }

  /** One GetSlotStatus per idle slot with nothing queued (its answers update card states). */
  private pollSlots(): void {
    for (const q of this.queues) {
      if (q.activity !== 'idle' || q.hasWork()) continue;
      this.mux.submit(q, encodeGetSlotStatus(q.index, 0), undefined, POLL, SHAPE_MESSAGE, true).catch(() => undefined);
    }
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (this.current !== 'open') return;
      this.pollSlots();
      this.schedulePoll();
    }, this.pollIntervalMs);
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async dwordRequest(setup: Parameters<UsbDevice['controlTransferIn']>[0], count: number, name: string): Promise<number[]> {
    if (this.current !== 'open') throw new ReaderGoneError('CCID_ERR_READER_CLOSED', `${this.name} is ${this.current}`, { reader: this.name });
    if (!Number.isInteger(count) || count < 1 || count > 255) throw new ArgumentError(`${name}: count must be 1..255 (got ${count})`);
    const result = await this.device.controlTransferIn(setup, count * 4);
    if (result.status === 'stall') throw new NotSupportedError(`${this.name} does not answer ${name}`, { reader: this.name });
    return decodeDwordList(transferBytes(result));
  }
}

/** Creates an engine and opens it. */
export async function openCcidEngine(device: UsbDevice, facts: CcidInterfaceFacts, options?: EngineOptions): Promise<CcidEngine> {
  const engine = new CcidEngine(device, facts, options);
  await engine.open();
  return engine;
}

const DISCARD_OF = { 'bad-type': 'malformed', 'too-long': 'too-long', truncated: 'truncated' } as const satisfies Record<FrameProblem, string>;

function roundUp(n: number, multiple: number): number {
  const m = Math.max(1, multiple);
  return Math.ceil(n / m) * m;
}

function checkFacts(f: CcidInterfaceFacts): void {
  const bad = (what: string): never => {
    throw new ArgumentError(`impossible CCID interface facts: ${what}`);
  };
  if (!Number.isInteger(f.slotCount) || f.slotCount < 1 || f.slotCount > 256) bad(`slotCount ${f.slotCount} (1..256)`);
  if (!Number.isInteger(f.maxMessageLength) || f.maxMessageLength < 1) bad(`maxMessageLength ${f.maxMessageLength}`);
  if (!(f.maxBusySlots >= 0)) bad(`maxBusySlots ${f.maxBusySlots}`);
  for (const [name, ep] of [['bulkIn', f.bulkIn], ['bulkOut', f.bulkOut], ['interruptIn', f.interruptIn]] as const) {
    if (ep === undefined) continue;
    if (!Number.isInteger(ep.endpointNumber) || ep.endpointNumber < 1 || ep.endpointNumber > 15) bad(`${name} endpoint ${ep.endpointNumber}`);
    if (!Number.isInteger(ep.packetSize) || ep.packetSize < 1) bad(`${name} packet size ${ep.packetSize}`);
  }
}
