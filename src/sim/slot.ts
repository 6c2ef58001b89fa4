/**
 * The state of one emulated slot: the card it holds (if any), whether the card is
 * powered, the protocol parameters and clock in force, APDU-level chaining state, the
 * command in progress and the two halves of an abort (CCID 1.1 §5.3.1).
 */
import type { CardLink, VirtualCard } from './card.ts';
import { type SlotParameters, defaultParameters, diOf, fiOf } from './params.ts';
import { ICC_STATUS_ABSENT, ICC_STATUS_ACTIVE, ICC_STATUS_INACTIVE } from './spec.ts';

/** A command the slot is working on (card time not over yet). */
export interface RunningCommand {
  /** bSeq of the command. */
  readonly bSeq: number;
  /** The response message type. */
  readonly responseType: number;
  /** Builds the final answer when the time is over (status bits, bError, byte 9, data). */
  readonly finish: () => FinalAnswer;
  /** The answer the command would give if it completed (for the stale-frame fault). */
  readonly wouldBe?: FinalAnswer | undefined;
  /** Completion timer. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Time-extension timer. */
  extensionTimer: ReturnType<typeof setTimeout> | undefined;
}

/** The variable part of a final answer; bStatus's ICC bits are added when it is sent. */
export interface FinalAnswer {
  /** bmCommandStatus bits (0x00 or 0x40). */
  readonly commandStatus: number;
  /** bError. */
  readonly bError: number;
  /** Byte 9 (bChainParameter, bClockStatus, bProtocolNum or RFU). */
  readonly byte9: number;
  /** abData. */
  readonly data?: Uint8Array | undefined;
}

/** Slot state as the control face reports it. */
export type SlotState = 'absent' | 'inactive' | 'active';

/** One slot of an emulated CCID function. */
export class SimSlot {
  /** bSlot. */
  readonly index: number;
  /** The card in the slot. */
  card: VirtualCard | undefined;
  /** True while the card is powered (after a successful IccPowerOn). */
  powered = false;
  /** Parameters in force (GetParameters answers them). */
  params: SlotParameters;
  /** ICC clock in Hz. */
  clockHz: number;
  /** Data rate in bps (SetDataRateAndClockFrequency). */
  dataRate: number;
  /** Clock stopped by PC_to_RDR_IccClock. */
  clockStopped = false;
  /** True between the ATR and the first exchange: a TPDU-level XfrBlock starting with FF is a PPS. */
  ppsAllowed = false;
  /** True between the ATR and the first XfrBlock: the reader may still run a PPS itself. */
  freshAtr = false;
  /** T0APDU bClassGetResponse / bClassEnvelope in force. */
  classGetResponse: number;
  /** See {@link classGetResponse}. */
  classEnvelope: number;
  /** APDU level: command parts received so far (wLevelParameter 1 / 3). */
  chainParts: Uint8Array[] | undefined;
  /** APDU level: the rest of a long response the host fetches with wLevelParameter 0x10. */
  pendingResponse: Uint8Array | undefined;
  /** The command in progress. */
  running: RunningCommand | undefined;
  /** bSeq of a class ABORT request waiting for its PC_to_RDR_Abort, or -1. */
  abortRequestSeq = -1;
  /** bSeq of a PC_to_RDR_Abort waiting for its class ABORT request, or -1. */
  abortCommandSeq = -1;
  /** The last final response of the slot (for the stale-frame fault). */
  lastFinal: Uint8Array | undefined;
  /** PINs the emulated PIN pad will "type" for PC_to_RDR_Secure (null = the user cancels). */
  readonly pinEntries: (string | null)[] = [];

  constructor(index: number, defaultClockHz: number, defaultDataRate: number, classGetResponse: number, classEnvelope: number) {
    this.index = index;
    this.clockHz = defaultClockHz;
    this.dataRate = defaultDataRate;
    this.params = defaultParameters(0);
    this.classGetResponse = classGetResponse;
    this.classEnvelope = classEnvelope;
  }

  /** bmICCStatus (CCID 1.1 §6.2.6). */
  get iccStatus(): number {
    if (this.card === undefined) return ICC_STATUS_ABSENT;
    return this.powered ? ICC_STATUS_ACTIVE : ICC_STATUS_INACTIVE;
  }

  /** The state for the control face. */
  get state(): SlotState {
    if (this.card === undefined) return 'absent';
    return this.powered ? 'active' : 'inactive';
  }

  /** The link as the card sees it. */
  link(): CardLink {
    return { clockHz: this.clockHz, fi: fiOf(this.params), di: diOf(this.params), protocol: this.params.protocol };
  }

  /** Forgets the card-session state (power off, removal). */
  resetSession(): void {
    this.powered = false;
    this.ppsAllowed = false;
    this.freshAtr = false;
    this.clockStopped = false;
    this.chainParts = undefined;
    this.pendingResponse = undefined;
  }
}
