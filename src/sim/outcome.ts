/**
 * What a command handler tells the emulated CCID function: the final answer and how long
 * the reader and card take to produce it. Handlers compute the answer at once (calling
 * the virtual card synchronously); the function then waits the time out (or not, with
 * zero time) before the answer goes on bulk-IN.
 */
import type { ResolvedOptions, ReaderStats } from './options.ts';
import type { CcidFunctionProfile } from './profile.ts';
import type { FaultInjector } from './faults.ts';
import type { FinalAnswer, SimSlot } from './slot.ts';
import { COMMAND_STATUS_FAILED, COMMAND_STATUS_OK } from './spec.ts';

/** The result of one command. */
export interface Outcome {
  /** The final answer. */
  readonly answer: FinalAnswer;
  /** Card and wire time before the answer, in ms before scaling. @default 0 */
  readonly ms?: number | undefined;
  /** Part of `ms` (at its end) during which the reader sends time extensions. */
  readonly extraMs?: number | undefined;
  /** Never answer; send time extensions until aborted (fault). */
  readonly endless?: boolean | undefined;
  /** The card leaves half-way through `ms` (fault): the answer becomes "ICC absent". */
  readonly removeCard?: boolean | undefined;
}

/** What command handlers may use of their CCID function. */
export interface CommandEnv {
  /** The interface's profile. */
  readonly profile: CcidFunctionProfile;
  /** Reader options. */
  readonly options: ResolvedOptions;
  /** Reader counters. */
  readonly stats: ReaderStats;
  /** The reader's fault table. */
  readonly faults: FaultInjector;
  /** Effective dwMaxCCIDMessageLength. */
  readonly maxMessage: number;
  /** Queues an interrupt HardwareError message for the slot. */
  hardwareError(slot: SimSlot, bSeq: number): void;
  /** Takes the card out of the slot (Mechanical eject). */
  ejectCard(slot: SimSlot): void;
}

/** A command handler: the slot is idle, present or not, and the message is whole. */
export type CommandHandler = (env: CommandEnv, slot: SimSlot, msg: Uint8Array) => Outcome;

const EMPTY = new Uint8Array(0);

/** A successful answer. */
export function ok(byte9 = 0, data: Uint8Array = EMPTY, ms = 0): Outcome {
  return { answer: { commandStatus: COMMAND_STATUS_OK, bError: 0, byte9, data }, ms };
}

/** A failed answer with `bError`. */
export function failed(bError: number, ms = 0, byte9 = 0): Outcome {
  return { answer: { commandStatus: COMMAND_STATUS_FAILED, bError, byte9 }, ms };
}

/** The abData of a whole message (a copy: the host may reuse its buffer). */
export function abData(msg: Uint8Array): Uint8Array {
  return msg.slice(10);
}
