/**
 * The heart of the engine: many callers, many slots, one bulk pipe each way.
 *
 * - Scheduling: a FIFO per slot with one command in flight per slot, and a device-wide
 *   limit of bMaxCCIDBusySlots slots in flight. Slots waiting for a token queue in a
 *   device-wide ready FIFO (fair across slots; nothing scans all slots per frame).
 * - Matching: each answer is looked up by bSeq (O(1)) and checked against its command's
 *   bSlot and expected message type; anything else is discarded and counted by reason,
 *   never handed to another caller.
 * - Deadlines: one lazy timer; time extensions (bmCommandStatus = 2) push a command's
 *   deadline, up to its hard limit, for every command type.
 * - Abort (CCID 1.1 §5.3.1): on deadline or cancel of a command whose bytes left, the
 *   caller is failed at once; the slot keeps its token while the ABORT class request and
 *   PC_to_RDR_Abort (same bSlot, a fresh bSeq) go out; the aborted command's bSeq stays
 *   reserved so its late answer is recognised and dropped; the slot is usable again when
 *   the Abort is answered or after a bounded wait.
 */
import { ArgumentError, CancelledError, TimeoutError } from '../errors.ts';
import type { CcidError } from '../errors.ts';
import type { UsbDevice } from '../usb/transport.ts';
import { abortSetup } from './class-requests.ts';
import { ABORTED, ABORT_CMD, Command, DONE, POLL, QUEUED, SENT, SHAPE_MESSAGE, SHAPE_XFR, USER } from './command.ts';
import type { CommandOptions } from './command.ts';
import { DeadlineTimer } from './deadlines.ts';
import { encodeAbort } from './encode.ts';
import type { EngineEvents } from './events.ts';
import { reportAsync } from './events.ts';
import type { TypedEmitter } from './events.ts';
import { PC_to_RDR_Abort, RDR_to_PC_SlotStatus, messageTypeName, responseTypeOf } from './messages.ts';
import type { DataBlock, RdrToPcMessage } from './messages.ts';
import { FATE_ABORTED, FATE_ANSWERED, SequenceTable } from './sequence.ts';
import { slotErrorFor } from './slot-errors.ts';
import type { SlotQueue } from './slot-queue.ts';
import type { DiscardReason, EngineStats } from './stats.ts';
import { COMMAND_STATUS_FAILED, COMMAND_STATUS_TIME_EXTENSION } from './status.ts';
import { WriteQueue } from './write-queue.ts';

/** Receives every frame the engine sends or receives (costs nothing when unset). */
export type TraceListener = (direction: 'out' | 'in' | 'interrupt', bytes: Uint8Array) => void;

/** What the multiplexer needs from its engine. */
export interface MultiplexerConfig {
  readonly device: UsbDevice;
  readonly interfaceNumber: number;
  readonly bulkOutEndpoint: number;
  readonly slots: readonly SlotQueue[];
  readonly maxBusySlots: number;
  readonly minTimeoutMs: number;
  readonly maxDurationMs: number;
  readonly abortWaitMs: number;
  readonly reader: string;
  readonly now: () => number;
  readonly stats: EngineStats;
  readonly events: TypedEmitter<EngineEvents>;
  /** A matched answer's bmICCStatus, for the slot's card state. */
  readonly onCardStatus: (slot: SlotQueue, iccStatus: number, fromPoll: boolean) => void;
  /** A transport failure that means the reader is gone. */
  readonly onGone: (error: unknown) => void;
}

/** Scheduler, matcher and abort machinery of one device. */
export class Multiplexer {
  trace: TraceListener | undefined = undefined;
  private readonly seqs = new SequenceTable<Command>();
  private ready: SlotQueue[] = [];
  private readyHead = 0;
  private busy = 0;
  private readonly maxBusy: number;
  private readonly inFlight = new Set<Command>();
  private readonly writer: WriteQueue;
  private readonly deadlines: DeadlineTimer;
  private pendingUser = 0;
  private idleWaiters: (() => void)[] = [];
  private refused: CcidError | undefined;

  constructor(private readonly c: MultiplexerConfig) {
    this.maxBusy = Math.max(1, Math.min(c.slots.length, Math.floor(c.maxBusySlots) || 1));
    this.writer = new WriteQueue(c.device, c.bulkOutEndpoint, (cmd, error) => this.writeFailed(cmd, error));
    this.deadlines = new DeadlineTimer(c.now, (now) => this.scan(now));
  }

  /** Busy-slot tokens: bMaxCCIDBusySlots clamped to 1..slots. */
  get maxBusySlots(): number {
    return this.maxBusy;
  }

  /** Slots with a command in flight or being aborted. */
  get busySlots(): number {
    return this.busy;
  }

  /** Refuses new commands with `error` from now on (not open yet, closing, gone). */
  refuse(error: CcidError): void {
    this.refused ??= error;
  }

  /** Accepts commands again (the engine has opened). */
  accept(): void {
    this.refused = undefined;
  }

  /**
   * Queues `frame` (an encoded PC_to_RDR message; its bSlot and bSeq are overwritten) on
   * `slot` and settles with the answer.
   */
  submit(slot: SlotQueue, frame: Uint8Array, options: CommandOptions | undefined, kind: number, shape: number, returnFailed: boolean): Promise<unknown> {
    if (this.refused !== undefined) return Promise.reject(this.refused);
    const signal = options?.signal;
    if (signal?.aborted) {
      return Promise.reject(new CancelledError(`${messageTypeName(frame[0]!)} cancelled before it was sent`, { reader: this.c.reader, slot: slot.index, cause: signal.reason }));
    }
    const expected = responseTypeOf(frame[0]!);
    if (frame.length < 10 || expected === undefined) return Promise.reject(new ArgumentError(`not a PC_to_RDR command: ${messageTypeName(frame[0] ?? -1)}`));
    const asked = options?.timeoutMs;
    if (asked !== undefined && !(asked > 0)) return Promise.reject(new ArgumentError(`timeoutMs must be a positive number of milliseconds (got ${asked})`));
    frame[5] = slot.index;
    const timeoutMs = Math.max(this.c.minTimeoutMs, asked ?? 0);
    const cmd = new Command(
      slot,
      frame,
      frame[0]!,
      expected,
      kind,
      shape,
      timeoutMs,
      Math.max(timeoutMs, options?.maxDurationMs ?? this.c.maxDurationMs),
      shape === SHAPE_XFR ? false : (options?.returnFailed ?? returnFailed),
    );
    cmd.onTimeExtension = options?.onTimeExtension;
    const promise = new Promise<unknown>((resolve, reject) => {
      cmd.resolve = resolve;
      cmd.reject = reject;
    });
    if (signal !== undefined) {
      cmd.signal = signal;
      cmd.abortListener = () => this.cancel(cmd, 'cancelled');
      signal.addEventListener('abort', cmd.abortListener, { once: true });
    }
    if (kind === USER) this.pendingUser++;
    slot.enqueue(cmd);
    this.schedule(slot);
    return promise;
  }

  /** Routes one reassembled bulk-IN message. */
  onFrame(msg: RdrToPcMessage): void {
    const cmd = this.seqs.owner(msg.seq);
    if (cmd === undefined) {
      const fate = this.seqs.fate(msg.seq, msg.slot);
      this.discard(fate === FATE_ABORTED ? 'late' : fate === FATE_ANSWERED ? 'duplicate' : 'unknown-seq', msg.raw);
      return;
    }
    const slot = cmd.slot as SlotQueue;
    if (slot.index !== msg.slot) return this.discard('wrong-slot', msg.raw);
    // A reader may answer any command it rejects with a failed SlotStatus; bSeq and bSlot
    // already match, and the answer only ever fails the command.
    if (msg.messageType !== cmd.expected && !(msg.messageType === RDR_to_PC_SlotStatus && msg.commandStatus === COMMAND_STATUS_FAILED)) {
      return this.discard('wrong-type', msg.raw);
    }
    this.c.onCardStatus(slot, msg.iccStatus, cmd.kind === POLL);
    if (cmd.state === ABORTED) {
      this.seqs.release(cmd.seq, FATE_ABORTED, slot.index);
      cmd.state = DONE;
      this.discard('late', msg.raw);
      this.pumpReady();
      return;
    }
    if (cmd.state !== SENT) return this.discard('unknown-seq', msg.raw);
    if (msg.commandStatus === COMMAND_STATUS_TIME_EXTENSION) return this.extend(cmd, msg);
    this.complete(cmd, msg);
  }

  /**
   * True when a whole bulk-IN frame answers a command in flight (bSeq, bSlot and type
   * match): how the reassembler tells a truncated message from a continuation.
   */
  expects(frame: Uint8Array): boolean {
    const cmd = this.seqs.owner(frame[6]!);
    return cmd !== undefined && cmd.slot.index === frame[5] && (frame[0] === cmd.expected || frame[0] === RDR_to_PC_SlotStatus);
  }

  /** Counts (and reports, when listened to) a frame that reached no caller. */
  discard(reason: DiscardReason, bytes: Uint8Array): void {
    this.c.stats.discarded[reason]++;
    if (this.c.events.has('discard')) this.c.events.emit('discard', { reason, bytes });
  }

  /** Settles when no user command is pending and nothing is in flight (aborts included). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Fails every queued and pending command with `error` and stops writing. */
  failAll(error: CcidError): void {
    this.refuse(error);
    for (const slot of this.c.slots) {
      for (const cmd of slot.drain()) if (cmd.state === QUEUED) this.settle(cmd, error);
      slot.forceIdle();
    }
    for (const cmd of this.inFlight) if (cmd.state === SENT) this.settle(cmd, error);
    this.inFlight.clear();
    this.seqs.clear();
    this.ready = [];
    this.readyHead = 0;
    this.busy = 0;
    this.pendingUser = 0;
    this.writer.stop();
    this.deadlines.stop();
    this.checkIdle();
  }

  /** Stops timers and the writer (after draining, or when shutting down). */
  stop(): void {
    this.writer.stop();
    this.deadlines.stop();
  }

  // --- scheduling ----------------------------------------------------------------------

  private schedule(slot: SlotQueue): void {
    if (slot.activity !== 'idle' || slot.inReady || !slot.hasWork()) return;
    if (this.busy < this.maxBusy && this.readyHead === this.ready.length && this.dispatch(slot)) return;
    slot.inReady = true;
    this.ready.push(slot);
  }

  private pumpReady(): void {
    while (this.busy < this.maxBusy && this.readyHead < this.ready.length) {
      const slot = this.ready[this.readyHead]!;
      if (slot.activity === 'idle' && slot.hasWork() && !this.dispatch(slot)) return; // no free bSeq: wait for one
      this.readyHead++;
      slot.inReady = false;
    }
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
  }

  /** Sends the slot's next command; false when no bSeq is free. */
  private dispatch(slot: SlotQueue): boolean {
    const cmd = slot.shift()!;
    const seq = this.seqs.allocate(cmd);
    if (seq < 0) {
      slot.unshift(cmd);
      return false;
    }
    cmd.seq = seq;
    cmd.frame[6] = seq;
    cmd.state = SENT;
    slot.begin(cmd);
    this.busy++;
    const now = this.c.now();
    cmd.deadline = now + cmd.timeoutMs;
    cmd.hardDeadline = now + cmd.maxDurationMs;
    this.inFlight.add(cmd);
    this.deadlines.armAt(cmd.deadline);
    this.sent(cmd);
    if (cmd.kind === POLL) this.c.stats.polls++;
    this.writer.push(cmd);
    return true;
  }

  private sent(cmd: Command): void {
    this.c.stats.commands++;
    this.c.stats.bytesOut += cmd.frame.length;
    if (this.trace !== undefined) {
      try {
        this.trace('out', cmd.frame);
      } catch (error) {
        reportAsync(error);
      }
    }
  }

  // --- answers ---------------------------------------------------------------------------

  private complete(cmd: Command, msg: RdrToPcMessage): void {
    const slot = cmd.slot as SlotQueue;
    this.inFlight.delete(cmd);
    this.seqs.release(cmd.seq, FATE_ANSWERED, slot.index);
    cmd.state = DONE;
    const stats = this.c.stats;
    stats.answered++;
    const failed = msg.commandStatus === COMMAND_STATUS_FAILED;
    if (failed) stats.failed++;
    if (cmd.kind === ABORT_CMD) return this.endAbort(cmd);
    slot.finish();
    this.busy--;
    this.detach(cmd);
    this.schedule(slot);
    this.pumpReady();
    if (cmd.kind === USER) this.pendingUser--;
    if (failed && !cmd.returnFailed) cmd.reject(slotErrorFor(msg, cmd.type, this.c.reader));
    else if (cmd.shape === SHAPE_XFR) cmd.resolve({ data: (msg as DataBlock).data, bChainParameter: (msg as DataBlock).chainParameter });
    else cmd.resolve(msg);
    this.checkIdle();
  }

  private extend(cmd: Command, msg: RdrToPcMessage): void {
    this.c.stats.timeExtensions++;
    const multiplier = msg.error;
    // The multiplier scales the card's waiting time, which the engine does not know; the
    // command's own timeout stands in for it, capped by the hard limit.
    cmd.deadline = Math.min(cmd.hardDeadline, Math.max(cmd.deadline, this.c.now() + cmd.timeoutMs * Math.max(1, multiplier)));
    this.deadlines.armAt(cmd.deadline);
    if (cmd.onTimeExtension !== undefined) {
      try {
        cmd.onTimeExtension(multiplier);
      } catch (error) {
        reportAsync(error);
      }
    }
    if (this.c.events.has('timeExtension')) {
      this.c.events.emit('timeExtension', { slot: msg.slot, seq: msg.seq, command: cmd.type, multiplier });
    }
  }

  // --- deadlines, cancel, abort ------------------------------------------------------------

  private scan(now: number): number {
    let next = Infinity;
    for (const cmd of this.inFlight) {
      if (now >= cmd.deadline) {
        if (cmd.kind === ABORT_CMD) this.abortUnanswered(cmd);
        else this.cancel(cmd, 'timeout');
      } else if (cmd.deadline < next) next = cmd.deadline;
    }
    return next;
  }

  private cancel(cmd: Command, reason: 'timeout' | 'cancelled'): void {
    const slot = cmd.slot as SlotQueue;
    const stats = this.c.stats;
    const name = messageTypeName(cmd.type);
    if (cmd.state === QUEUED) {
      stats.cancelled++;
      this.settle(cmd, new CancelledError(`${name} cancelled before it was sent`, { reader: this.c.reader, slot: slot.index, cause: cmd.signal?.reason }));
      this.checkIdle();
      return;
    }
    if (cmd.state !== SENT || cmd.kind === ABORT_CMD) return;
    this.inFlight.delete(cmd);
    const ctx = { reader: this.c.reader, slot: slot.index, bSeq: cmd.seq, bMessageType: cmd.type };
    let error: CcidError;
    if (reason === 'timeout') {
      stats.timeouts++;
      error = new TimeoutError(`${name} got no answer on slot ${slot.index} within its deadline`, { ...ctx, timeoutMs: cmd.timeoutMs });
    } else {
      stats.cancelled++;
      error = new CancelledError(`${name} cancelled on slot ${slot.index}`, { ...ctx, cause: cmd.signal?.reason });
    }
    if (!cmd.written) {
      // Its bytes never left: nothing to abort in the reader.
      this.seqs.release(cmd.seq, FATE_ABORTED, slot.index);
      this.failAndFreeSlot(slot, cmd, error);
      return;
    }
    cmd.state = ABORTED;
    slot.startAbort();
    if (cmd.kind === USER) this.pendingUser--;
    this.detach(cmd);
    cmd.reject(error);
    this.startAbort(slot, cmd, reason);
  }

  private startAbort(slot: SlotQueue, victim: Command, reason: 'timeout' | 'cancelled'): void {
    const stats = this.c.stats;
    stats.aborts++;
    const frame = encodeAbort(slot.index, 0);
    const abort = new Command(slot, frame, PC_to_RDR_Abort, RDR_to_PC_SlotStatus, ABORT_CMD, SHAPE_MESSAGE, this.c.abortWaitMs, this.c.abortWaitMs, true);
    abort.victim = victim;
    const seq = this.seqs.allocate(abort);
    if (seq < 0) {
      // No bSeq to number the abort with: free the slot after the bounded wait alone.
      abort.seq = -1;
    } else {
      abort.seq = seq;
      frame[6] = seq;
    }
    abort.state = SENT;
    abort.deadline = abort.hardDeadline = this.c.now() + this.c.abortWaitMs;
    this.inFlight.add(abort);
    this.deadlines.armAt(abort.deadline);
    if (this.c.events.has('abort')) this.c.events.emit('abort', { slot: slot.index, seq: victim.seq, abortSeq: seq, reason });
    if (seq < 0) return;
    const sendBulk = (): void => {
      if (abort.state !== SENT) return;
      this.sent(abort);
      this.writer.pushUrgent(abort);
    };
    // §5.3.1: the ABORT class request first, then PC_to_RDR_Abort with the same bSlot and bSeq.
    // A reader that refuses the request may still honour the bulk Abort, so it goes out anyway.
    let request: Promise<unknown>;
    try {
      request = this.c.device.controlTransferOut(abortSetup(this.c.interfaceNumber, slot.index, seq));
    } catch (error) {
      request = Promise.reject(error);
    }
    request.then(sendBulk, (error: unknown) => {
      if (isGone(error)) this.c.onGone(error);
      else sendBulk();
    });
  }

  /** The PC_to_RDR_Abort was answered: the slot is free again. */
  private endAbort(abort: Command): void {
    const slot = abort.slot as SlotQueue;
    const victim = abort.victim!;
    if (victim.state === ABORTED) {
      this.seqs.release(victim.seq, FATE_ABORTED, slot.index);
      victim.state = DONE;
    }
    slot.endAbort();
    this.busy--;
    this.schedule(slot);
    this.pumpReady();
    this.checkIdle();
  }

  /** No answer to PC_to_RDR_Abort within the bounded wait: free the slot anyway. */
  private abortUnanswered(abort: Command): void {
    this.c.stats.abortsUnanswered++;
    this.inFlight.delete(abort);
    if (abort.seq >= 0) this.seqs.release(abort.seq, FATE_ABORTED, abort.slot.index);
    abort.state = DONE;
    this.endAbort(abort);
  }

  private writeFailed(cmd: Command, error: unknown): void {
    if (isGone(error)) return this.c.onGone(error);
    if (cmd.state !== SENT) return;
    const slot = cmd.slot as SlotQueue;
    if (isStall(error)) {
      this.c.stats.stalls++;
      this.c.device.clearHalt('out', this.c.bulkOutEndpoint).catch(() => undefined);
    }
    this.inFlight.delete(cmd);
    this.seqs.release(cmd.seq, FATE_ABORTED, slot.index);
    if (cmd.kind === ABORT_CMD) {
      // The bulk half of an abort failed: wait no longer for its answer.
      cmd.state = DONE;
      this.endAbort(cmd);
      return;
    }
    this.failAndFreeSlot(slot, cmd, error);
  }

  /** Fails a command that held its slot, frees the slot, and lets the queues move on. */
  private failAndFreeSlot(slot: SlotQueue, cmd: Command, error: unknown): void {
    slot.finish();
    this.busy--;
    this.settle(cmd, error);
    this.schedule(slot);
    this.pumpReady();
    this.checkIdle();
  }

  // --- bookkeeping -------------------------------------------------------------------------

  /** Fails a command that is no longer pending anywhere. */
  private settle(cmd: Command, error: unknown): void {
    cmd.state = DONE;
    this.detach(cmd);
    if (cmd.kind === USER) this.pendingUser--;
    cmd.reject(error);
  }

  private detach(cmd: Command): void {
    if (cmd.signal !== undefined && cmd.abortListener !== undefined) cmd.signal.removeEventListener('abort', cmd.abortListener);
    cmd.signal = undefined;
    cmd.abortListener = undefined;
  }

  private isIdle(): boolean {
    return this.pendingUser === 0 && this.inFlight.size === 0;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function isGone(error: unknown): boolean {
  return codeOf(error) === 'CCID_ERR_USB_DEVICE_GONE';
}

function isStall(error: unknown): boolean {
  return codeOf(error) === 'CCID_ERR_USB_STALL';
}
