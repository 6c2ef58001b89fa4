/**
 * One emulated CCID interface ("function"): its slots and endpoints, the dispatch of PC_to_RDR messages (CCID 1.1 §6.1),
 * per-slot and device-wide busy accounting (bMaxCCIDBusySlots, §5.1), the ABORT pairing
 * (§5.3.1), time extensions (§6.2.6) and slot-change notifications (§6.3.1).
 *
 * Commands with no time complete inside the `transferOut` call (no timer), so a
 * zero-latency reader costs a few microseconds per exchange.
 */
import type { VirtualCard } from './card.ts';
import { BulkOutAssembler, type BulkOutSink } from './bulk-out.ts';
import { HANDLERS } from './commands.ts';
import { InEndpoint } from './endpoint.ts';
import { ABORT_FAULTS, COMMAND_FAULTS, type FaultInjector } from './faults.ts';
import { BulkInWriter } from './bulk-in.ts';
import { bulkFrame } from './frames.ts';
import { SlotChangeNotifier } from './notifier.ts';
import type { ReaderStats, ResolvedOptions } from './options.ts';
import type { CommandEnv, Outcome } from './outcome.ts';
import type { CcidFunctionProfile } from './profile.ts';
import { type FinalAnswer, type RunningCommand, SimSlot } from './slot.ts';
import {
  CCID_HEADER_LENGTH,
  CMD_ABORTED,
  CMD_NOT_SUPPORTED,
  CMD_SLOT_BUSY,
  COMMAND_STATUS_FAILED,
  COMMAND_STATUS_TIME_EXTENSION,
  ICC_MUTE,
  ICC_STATUS_ABSENT,
  OFFSET_bSlot,
  OFFSET_dwLength,
  PC_to_RDR_Abort,
  RDR_to_PC_SlotStatus,
  responseTypeFor,
} from './spec.ts';

/** What the function needs from its reader. @internal */
export interface FunctionHost {
  readonly options: ResolvedOptions;
  readonly stats: ReaderStats;
  readonly faults: FaultInjector;
  /** Unplugs the whole device (fault). */
  unplug(): void;
}

/** One CCID interface of an emulated device. */
export class CcidFunction implements CommandEnv {
  readonly profile: CcidFunctionProfile;
  readonly slots: readonly SimSlot[];
  readonly bulkIn: InEndpoint | undefined;
  readonly interruptIn: InEndpoint | undefined;
  /** Effective dwMaxCCIDMessageLength (at least a header and one byte). */
  readonly maxMessage: number;
  /** wMaxPacketSize of bulk-IN (after the options' override). */
  readonly bulkInPacketSize: number;
  /** wMaxPacketSize of bulk-OUT (after the options' override). */
  readonly bulkOutPacketSize: number;
  private readonly host: FunctionHost;
  private busy = 0;
  private readonly assembler: BulkOutAssembler;
  private readonly out: BulkInWriter;
  private readonly notifier: SlotChangeNotifier;
  private dead = false;

  constructor(profile: CcidFunctionProfile, host: FunctionHost) {
    this.profile = profile;
    this.host = host;
    const ccid = profile.ccid;
    const slots: SimSlot[] = [];
    for (let i = 0; i < profile.slotCount; i++) {
      slots.push(new SimSlot(i, (ccid.dwDefaultClock || 4000) * 1000, ccid.dwDataRate, ccid.bClassGetResponse, ccid.bClassEnvelope));
    }
    this.slots = slots;
    this.maxMessage = Math.max(CCID_HEADER_LENGTH + 1, ccid.dwMaxCCIDMessageLength);
    const mps = host.options.maxPacketSize;
    this.bulkInPacketSize = mps ?? profile.bulkIn?.maxPacketSize ?? 64;
    this.bulkOutPacketSize = mps ?? profile.bulkOut?.maxPacketSize ?? 64;
    this.bulkIn = profile.bulkIn === undefined ? undefined : new InEndpoint(profile.bulkIn.number);
    this.interruptIn = profile.interruptIn === undefined ? undefined : new InEndpoint(profile.interruptIn.number);
    this.assembler = new BulkOutAssembler(this.bulkOutPacketSize, this.maxMessage);
    this.out = new BulkInWriter(this.bulkIn, this.bulkInPacketSize, host);
    this.notifier = new SlotChangeNotifier(this.interruptIn, () => this.slots.map((x) => x.card !== undefined), host.stats);
  }

  get options(): ResolvedOptions {
    return this.host.options;
  }

  get stats(): ReaderStats {
    return this.host.stats;
  }

  get faults(): FaultInjector {
    return this.host.faults;
  }

  /** Slots busy right now. */
  get busySlots(): number {
    return this.busy;
  }

  // ---------------------------------------------------------------- bulk-OUT

  /**
   * One bulk-OUT transfer. Whole messages are handled at once; a message cut at a
   * wMaxPacketSize boundary waits for the rest (the USB transfer is not over); a message
   * cut by a short packet is malformed and answered with bError = offset of dwLength.
   */
  bulkOut(data: Uint8Array): void {
    this.host.stats.bytesOut += data.length;
    this.assembler.write(data, this.sink);
  }

  private readonly sink: BulkOutSink = {
    message: (msg) => this.handle(msg),
    malformed: (header) => {
      this.host.stats.malformedOut++;
      if (header === undefined) return;
      this.host.stats.badParameters++;
      this.answerNow(header[0]!, header[5]!, header[6]!, COMMAND_STATUS_FAILED, OFFSET_dwLength);
    },
    alive: () => !this.dead,
  };

  /** One whole PC_to_RDR message. */
  private handle(msg: Uint8Array): void {
    const stats = this.host.stats;
    const type = msg[0]!;
    const bSlot = msg[5]!;
    const bSeq = msg[6]!;
    stats.commands++;
    stats.byType.set(type, (stats.byType.get(type) ?? 0) + 1);
    const faults = this.host.faults;
    if (!faults.idle) {
      const storm = faults.check(COMMAND_FAULTS, bSlot, bSeq);
      if (storm !== undefined) {
        stats.faults++;
        this.storm(storm.count ?? 50);
      }
    }
    const slot = this.slots[bSlot];
    if (slot === undefined) {
      stats.badParameters++;
      this.answerNow(type, bSlot, bSeq, COMMAND_STATUS_FAILED | ICC_STATUS_ABSENT, OFFSET_bSlot);
      return;
    }
    if (type === PC_to_RDR_Abort) {
      this.abortCommand(slot, bSeq);
      return;
    }
    if (slot.abortRequestSeq >= 0) {
      // Between the class ABORT request and PC_to_RDR_Abort, commands for the slot fail (§5.3.1).
      stats.aborted++;
      this.answerNow(type, bSlot, bSeq, COMMAND_STATUS_FAILED | slot.iccStatus, CMD_ABORTED);
      return;
    }
    if (slot.running !== undefined) {
      stats.slotBusy++;
      this.answerNow(type, bSlot, bSeq, COMMAND_STATUS_FAILED | slot.iccStatus, CMD_SLOT_BUSY);
      return;
    }
    if (this.busy >= this.profile.maxBusySlots) {
      stats.readerBusy++;
      this.answerNow(type, bSlot, bSeq, COMMAND_STATUS_FAILED | slot.iccStatus, CMD_SLOT_BUSY);
      return;
    }
    const handler = HANDLERS[type];
    if (handler === undefined) {
      stats.notSupported++;
      this.answerNow(RDR_to_PC_SlotStatus, bSlot, bSeq, COMMAND_STATUS_FAILED | slot.iccStatus, CMD_NOT_SUPPORTED, 0, true);
      return;
    }
    const outcome = handler(this, slot, msg);
    const a = outcome.answer;
    if (a.commandStatus !== 0) {
      if (a.bError === CMD_NOT_SUPPORTED) stats.notSupported++;
      else if (a.bError < 0x80) stats.badParameters++;
    }
    this.run(slot, type, bSeq, outcome);
  }

  /** Sends the outcome now (no time) or after its time, the slot busy meanwhile. */
  private run(slot: SimSlot, type: number, bSeq: number, outcome: Outcome): void {
    const scale = this.host.options.timeScale;
    const ms = (outcome.ms ?? 0) * scale;
    const responseType = responseTypeFor(type);
    if (ms <= 0 && outcome.endless !== true && outcome.removeCard !== true) {
      this.final(slot, responseType, bSeq, outcome.answer);
      return;
    }
    const running: RunningCommand = {
      bSeq,
      responseType,
      finish: () => outcome.answer,
      wouldBe: outcome.answer,
      timer: undefined,
      extensionTimer: undefined,
    };
    slot.running = running;
    this.busy++;
    if (this.busy > this.host.stats.peakBusySlots) this.host.stats.peakBusySlots = this.busy;
    if (outcome.endless === true) {
      this.extend(slot, running, 0);
      return;
    }
    if (outcome.removeCard === true) {
      running.timer = setTimeout(() => {
        running.timer = undefined;
        this.removeCard(slot);
      }, ms / 2);
      return;
    }
    const extra = Math.min(ms, (outcome.extraMs ?? 0) * scale);
    if (extra > 0) this.extend(slot, running, ms - extra);
    running.timer = setTimeout(() => {
      running.timer = undefined;
      this.end(slot, running);
      this.final(slot, responseType, bSeq, running.finish());
    }, ms);
  }

  /** Time extensions (bmCommandStatus 2, bError = multiplier 1) from `startMs`, every interval, until the command ends. */
  private extend(slot: SimSlot, running: RunningCommand, startMs: number): void {
    const tick = (): void => {
      if (slot.running !== running) return;
      this.host.stats.timeExtensions++;
      this.out.push(bulkFrame(running.responseType, slot.index, running.bSeq, COMMAND_STATUS_TIME_EXTENSION | slot.iccStatus, 1, 0));
      running.extensionTimer = setTimeout(tick, this.host.options.timeExtensionIntervalMs);
    };
    running.extensionTimer = setTimeout(tick, startMs);
  }

  /** Marks the slot idle and stops the command's timers. */
  private end(slot: SimSlot, running: RunningCommand): void {
    if (running.timer !== undefined) clearTimeout(running.timer);
    if (running.extensionTimer !== undefined) clearTimeout(running.extensionTimer);
    running.timer = undefined;
    running.extensionTimer = undefined;
    if (slot.running === running) {
      slot.running = undefined;
      this.busy--;
    }
  }

  /** A final answer, through the response faults. */
  private final(slot: SimSlot, responseType: number, bSeq: number, a: FinalAnswer): void {
    const frame = bulkFrame(responseType, slot.index, bSeq, a.commandStatus | slot.iccStatus, a.bError, a.byte9, a.data);
    slot.lastFinal = frame;
    this.host.stats.responses++;
    this.out.pushFinal(frame, slot.index, bSeq);
  }

  /** An answer with no time and no data, outside the response faults (busy, bad slot, malformed). */
  private answerNow(type: number, bSlot: number, bSeq: number, bStatus: number, bError: number, byte9 = 0, isResponseType = false): void {
    this.host.stats.responses++;
    this.out.push(bulkFrame(isResponseType ? type : responseTypeFor(type), bSlot, bSeq, bStatus, bError, byte9));
  }

  // ---------------------------------------------------------------- abort (§5.3.1)

  /** Ends the slot's command in progress with CMD_ABORTED; returns what it would have answered. */
  private abortRunning(slot: SimSlot): { bSeq: number; responseType: number; answer: FinalAnswer | undefined } | undefined {
    const running = slot.running;
    if (running === undefined) return undefined;
    this.end(slot, running);
    this.host.stats.aborted++;
    this.host.stats.responses++;
    this.out.push(bulkFrame(running.responseType, slot.index, running.bSeq, COMMAND_STATUS_FAILED | slot.iccStatus, CMD_ABORTED, 0));
    return { bSeq: running.bSeq, responseType: running.responseType, answer: running.wouldBe };
  }

  private lastAborted = new Map<number, { bSeq: number; responseType: number; answer: FinalAnswer | undefined }>();

  /** The class ABORT request (wValue = bSeq << 8 | bSlot). False when the slot does not exist (the device STALLs). */
  controlAbort(bSlot: number, bSeq: number): boolean {
    const slot = this.slots[bSlot];
    if (slot === undefined) return false;
    this.host.stats.abortRequests++;
    const aborted = this.abortRunning(slot);
    if (aborted !== undefined) this.lastAborted.set(bSlot, aborted);
    if (slot.abortCommandSeq >= 0) {
      const seq = slot.abortCommandSeq;
      slot.abortCommandSeq = -1;
      this.answerAbort(slot, seq);
    } else {
      slot.abortRequestSeq = bSeq;
    }
    return true;
  }

  /** PC_to_RDR_Abort: answered once the class ABORT request has come too. */
  private abortCommand(slot: SimSlot, bSeq: number): void {
    this.host.stats.aborts++;
    const aborted = this.abortRunning(slot);
    if (aborted !== undefined) this.lastAborted.set(slot.index, aborted);
    if (slot.abortRequestSeq >= 0) {
      slot.abortRequestSeq = -1;
      this.answerAbort(slot, bSeq);
    } else {
      slot.abortCommandSeq = bSeq;
    }
  }

  private answerAbort(slot: SimSlot, bSeq: number): void {
    slot.chainParts = undefined;
    slot.pendingResponse = undefined;
    this.host.stats.responses++;
    this.out.push(bulkFrame(RDR_to_PC_SlotStatus, slot.index, bSeq, slot.iccStatus, 0, 0));
    const aborted = this.lastAborted.get(slot.index);
    this.lastAborted.delete(slot.index);
    const faults = this.host.faults;
    if (faults.idle) return;
    const spec = faults.check(ABORT_FAULTS, slot.index, bSeq);
    if (spec === undefined) return;
    this.host.stats.faults++;
    // The late answer of the aborted command, or the slot's previous answer: a frame nobody waits for.
    if (aborted?.answer !== undefined) {
      const a = aborted.answer;
      this.out.push(bulkFrame(aborted.responseType, slot.index, aborted.bSeq, a.commandStatus | slot.iccStatus, a.bError, a.byte9, a.data));
    } else if (slot.lastFinal !== undefined) {
      this.out.push(slot.lastFinal.slice());
    }
  }

  // ---------------------------------------------------------------- cards and notifications

  /** Puts a card in a slot and notifies. */
  insertCard(slot: SimSlot, card: VirtualCard): void {
    slot.card = card;
    slot.resetSession();
    this.notify(slot.index);
  }

  /** Takes the card out; a command in progress ends with "ICC absent" (ICC_MUTE). */
  removeCard(slot: SimSlot): void {
    if (slot.card === undefined) return;
    const running = slot.running;
    slot.card = undefined;
    slot.resetSession();
    if (running !== undefined) {
      this.end(slot, running);
      this.final(slot, running.responseType, running.bSeq, { commandStatus: COMMAND_STATUS_FAILED, bError: ICC_MUTE, byte9: 0 });
    }
    this.notify(slot.index);
  }

  /** @internal CommandEnv: Mechanical eject. */
  ejectCard(slot: SimSlot): void {
    this.removeCard(slot);
  }

  /** Queues a NotifySlotChange for a change in `slotIndex`. */
  notify(slotIndex: number): void {
    this.notifier.changed(slotIndex);
  }

  /** Queues `count` NotifySlotChange messages at once (fault). */
  storm(count: number): void {
    this.notifier.storm(count);
  }

  /** CommandEnv: an interrupt HardwareError for the slot. */
  hardwareError(slot: SimSlot, bSeq: number): void {
    this.notifier.hardwareError(slot.index, bSeq);
  }

  // ---------------------------------------------------------------- lifecycle

  /** USB reset: commands in progress dropped, queues flushed, cards deactivated. */
  reset(): void {
    for (const slot of this.slots) {
      if (slot.running !== undefined) this.end(slot, slot.running);
      slot.abortCommandSeq = -1;
      slot.abortRequestSeq = -1;
      if (slot.powered) {
        try {
          slot.card?.powerOff();
        } catch {
          this.host.stats.cardErrors++;
        }
      }
      slot.resetSession();
    }
    this.assembler.clear();
    this.bulkIn?.flush();
    this.bulkIn?.clearHalt();
  }

  /** Unplug: every timer stops, nothing more is queued. */
  shutdown(): void {
    this.dead = true;
    this.out.shutdown();
    this.notifier.shutdown();
    for (const slot of this.slots) if (slot.running !== undefined) this.end(slot, slot.running);
  }
}
