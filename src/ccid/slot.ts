/**
 * A slot of an opened CCID reader: the object the ISO 7816 layer exchanges blocks through
 * ({@link SlotExchange}), with a typed method for every other PC_to_RDR command.
 *
 * Obtained once from {@link CcidEngine.slot}, which checks the index against
 * bMaxSlotIndex; it is not a number passed around. Commands on one slot run one at a time
 * in call order; commands on different slots run at once, up to bMaxCCIDBusySlots.
 *
 * Failures: a failed answer (bmCommandStatus = 1) rejects with {@link SlotError}
 * (`CCID_ERR_CARD_MUTE`, `CCID_ERR_CARD_ABSENT`, `CCID_ERR_SLOT_BUSY`, `CCID_ERR_SLOT`),
 * unless `returnFailed` asks for the answer itself; no answer in time rejects with
 * {@link TimeoutError}, a cancelled signal with {@link CancelledError}, an unplugged or
 * closed reader with {@link ReaderGoneError}.
 */
import { SHAPE_MESSAGE, SHAPE_XFR, USER } from './command.ts';
import type { CommandOptions } from './command.ts';
import * as enc from './encode.ts';
import type { SecureOperation } from './encode.ts';
import type { SlotExchange, XfrOptions, XfrResult } from './exchange.ts';
import type { DataBlock, DataRateAndClockFrequency, EscapeResponse, Parameters, ProtocolData, RdrToPcMessage, SlotStatus } from './messages.ts';
import type { Multiplexer } from './multiplexer.ts';
import type { CardState, SlotQueue, SlotState } from './slot-queue.ts';

/** bPowerSelect of IccPowerOn (CCID 1.1 §6.1.1): automatic, or the voltage in volts. */
export type PowerSelect = 'auto' | 5 | 3 | 1.8;

const POWER_SELECT: Record<string, number> = { auto: 0, '5': 1, '3': 2, '1.8': 3 };

/** Options of PC_to_RDR_Secure (§6.1.11). */
export interface SecureOptions extends CommandOptions {
  /** bBWI. @default 0 */
  bBWI?: number;
  /** wLevelParameter. @default 0 */
  wLevelParameter?: number;
}

/** Options of {@link CcidSlot.xfrBlock}: the exchange contract's, plus the hard limit. */
export interface SlotXfrOptions extends XfrOptions {
  /** Hard limit in ms that time extensions cannot stretch past. @default engine's `maxDurationMs` */
  maxDurationMs?: number;
}

/** bFunction of PC_to_RDR_Mechanical (§6.1.12). */
export type MechanicalFunction = 'accept' | 'eject' | 'capture' | 'lock' | 'unlock';

const MECHANICAL: Record<MechanicalFunction, number> = { accept: 1, eject: 2, capture: 3, lock: 4, unlock: 5 };

/** One slot of an opened reader. */
export class CcidSlot implements SlotExchange {
  /** @internal Created by the engine only. */
  constructor(
    private readonly q: SlotQueue,
    private readonly mux: Multiplexer,
  ) {}

  /** Slot index (bSlot), 0 .. bMaxSlotIndex. */
  get index(): number {
    return this.q.index;
  }

  /** `busy` / `aborting` while the engine works on it, else what is known of the card. */
  get state(): SlotState {
    return this.q.state;
  }

  /** What is known of the card: `unknown` until a notification, a poll or an answer tells. */
  get card(): CardState {
    return this.q.card;
  }

  /** PC_to_RDR_XfrBlock → RDR_to_PC_DataBlock (§6.1.4): one block with the card. */
  xfrBlock(data: Uint8Array, options?: SlotXfrOptions): Promise<XfrResult> {
    const frame = enc.encodeXfrBlock(this.q.index, 0, data, options?.bBWI ?? 0, options?.wLevelParameter ?? 0);
    return this.mux.submit(this.q, frame, options, USER, SHAPE_XFR, false) as Promise<XfrResult>;
  }

  /** PC_to_RDR_IccPowerOn (§6.1.1): activates the card; the DataBlock's `data` is the ATR. */
  powerOn(voltage: PowerSelect = 'auto', options?: CommandOptions): Promise<DataBlock> {
    return this.run(enc.encodeIccPowerOn(this.q.index, 0, POWER_SELECT[String(voltage)] ?? 0), options) as Promise<DataBlock>;
  }

  /** PC_to_RDR_IccPowerOff (§6.1.2). */
  powerOff(options?: CommandOptions): Promise<SlotStatus> {
    return this.run(enc.encodeIccPowerOff(this.q.index, 0), options) as Promise<SlotStatus>;
  }

  /**
   * PC_to_RDR_GetSlotStatus (§6.1.3). The answer *is* the status, so a failed one (no
   * card, mute) is returned, not thrown, unless `returnFailed: false`.
   */
  getSlotStatus(options?: CommandOptions): Promise<SlotStatus> {
    return this.run(enc.encodeGetSlotStatus(this.q.index, 0), options, true) as Promise<SlotStatus>;
  }

  /** PC_to_RDR_GetParameters (§6.1.5). */
  getParameters(options?: CommandOptions): Promise<Parameters> {
    return this.run(enc.encodeGetParameters(this.q.index, 0), options) as Promise<Parameters>;
  }

  /** PC_to_RDR_ResetParameters (§6.1.6). */
  resetParameters(options?: CommandOptions): Promise<Parameters> {
    return this.run(enc.encodeResetParameters(this.q.index, 0), options) as Promise<Parameters>;
  }

  /** PC_to_RDR_SetParameters (§6.1.7) with a T=0 or T=1 structure. */
  setParameters(parameters: ProtocolData, options?: CommandOptions): Promise<Parameters> {
    return this.run(enc.encodeSetParameters(this.q.index, 0, parameters), options) as Promise<Parameters>;
  }

  /** PC_to_RDR_Escape (§6.1.8): vendor bytes in, vendor bytes out. */
  escape(data: Uint8Array, options?: CommandOptions): Promise<EscapeResponse> {
    return this.run(enc.encodeEscape(this.q.index, 0, data), options) as Promise<EscapeResponse>;
  }

  /** PC_to_RDR_IccClock (§6.1.9): restart or stop the card clock. */
  iccClock(command: 'restart' | 'stop', options?: CommandOptions): Promise<SlotStatus> {
    return this.run(enc.encodeIccClock(this.q.index, 0, command === 'stop' ? 1 : 0), options) as Promise<SlotStatus>;
  }

  /** PC_to_RDR_T0APDU (§6.1.10): bmChanges, bClassGetResponse, bClassEnvelope. */
  t0apdu(changes: number, classGetResponse: number, classEnvelope: number, options?: CommandOptions): Promise<SlotStatus> {
    return this.run(enc.encodeT0Apdu(this.q.index, 0, changes, classGetResponse, classEnvelope), options) as Promise<SlotStatus>;
  }

  /** PC_to_RDR_Secure (§6.1.11): PIN verification / modification on the reader's PIN pad. */
  secure(operation: SecureOperation, options?: SecureOptions): Promise<DataBlock> {
    const frame = enc.encodeSecure(this.q.index, 0, operation, options?.bBWI ?? 0, options?.wLevelParameter ?? 0);
    return this.run(frame, options) as Promise<DataBlock>;
  }

  /** PC_to_RDR_Mechanical (§6.1.12). */
  mechanical(fn: MechanicalFunction, options?: CommandOptions): Promise<SlotStatus> {
    return this.run(enc.encodeMechanical(this.q.index, 0, MECHANICAL[fn]), options) as Promise<SlotStatus>;
  }

  /** PC_to_RDR_SetDataRateAndClockFrequency (§6.1.14): clock in kHz, data rate in bps. */
  setDataRateAndClockFrequency(clockFrequency: number, dataRate: number, options?: CommandOptions): Promise<DataRateAndClockFrequency> {
    const frame = enc.encodeSetDataRateAndClockFrequency(this.q.index, 0, clockFrequency, dataRate);
    return this.run(frame, options) as Promise<DataRateAndClockFrequency>;
  }

  /**
   * Sends any encoded PC_to_RDR message (a copy: its bSlot and bSeq are set by the engine)
   * and returns the matching answer. (A PC_to_RDR_Abort sent this way waits its turn like
   * any command: to abort, cancel the command's signal.)
   */
  transmit(frame: Uint8Array, options?: CommandOptions): Promise<RdrToPcMessage> {
    return this.run(frame.slice(), options);
  }

  private run(frame: Uint8Array, options: CommandOptions | undefined, returnFailed = false): Promise<RdrToPcMessage> {
    return this.mux.submit(this.q, frame, options, USER, SHAPE_MESSAGE, returnFailed) as Promise<RdrToPcMessage>;
  }
}
