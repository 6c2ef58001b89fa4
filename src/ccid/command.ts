/**
 * One command's life inside the engine, and the options a caller gives it.
 *
 * States (numbers, checked on every transition that matters):
 *
 * ```
 * QUEUED ──dispatch──▶ SENT ──answer──▶ DONE
 *    │                  │ └─timeout/cancel──▶ ABORTED ──late answer or abort done──▶ DONE
 *    └──cancel──▶ DONE  └─cancel before its bytes left──▶ DONE
 * ```
 *
 * SENT = bSeq allocated, frame queued or written, waiting for the answer. ABORTED = the
 * caller has been failed but the bSeq stays reserved until the reader's late answer or the
 * abort procedure ends, so a late frame is recognised and dropped.
 */
import type { RdrToPcMessage } from './messages.ts';
import type { XfrResult } from './exchange.ts';

/** Options of every engine command. */
export interface CommandOptions {
  /** Cancels the command; in flight, the engine runs the abort procedure (CCID 1.1 §5.3.1). */
  signal?: AbortSignal;
  /** Deadline for the reader's answer, in ms from the moment the command is sent; stretched by time extensions. Never below the engine's `minTimeoutMs` (3000 by default). */
  timeoutMs?: number;
  /** Hard limit in ms that time extensions cannot stretch past. @default engine's `maxDurationMs` (300 000) */
  maxDurationMs?: number;
  /** Called on each time-extension answer with bError (the multiplier). */
  onTimeExtension?: (multiplier: number) => void;
  /**
   * Return an answer with bmCommandStatus = 1 (failed) instead of rejecting with
   * {@link SlotError}. @default false (true for getSlotStatus, whose answer *is* the status)
   */
  returnFailed?: boolean;
}

/** Command states. */
export const QUEUED = 0;
export const SENT = 1;
export const ABORTED = 2;
export const DONE = 3;

/** What the command is for. */
export const USER = 0;
export const POLL = 1;
export const ABORT_CMD = 2;

/** How the answer is handed to the caller. */
export const SHAPE_MESSAGE = 0;
export const SHAPE_XFR = 1;

/** Minimal view of a slot that a command needs. */
export interface CommandSlot {
  readonly index: number;
}

function noop(): void {}

/** A command in the engine. Fields are all initialised here so every instance has one shape. */
export class Command {
  state = QUEUED;
  seq = -1;
  /** Its bytes have been handed to transferOut (an abort must then be sent to the reader). */
  written = false;
  deadline = 0;
  hardDeadline = 0;
  onTimeExtension: ((multiplier: number) => void) | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  abortListener: (() => void) | undefined = undefined;
  /** For an ABORT_CMD: the command it aborts. */
  victim: Command | undefined = undefined;
  resolve: (value: RdrToPcMessage | XfrResult) => void = noop;
  reject: (error: unknown) => void = noop;

  constructor(
    readonly slot: CommandSlot,
    readonly frame: Uint8Array,
    /** bMessageType of the command. */
    readonly type: number,
    /** bMessageType of the answer that matches it. */
    readonly expected: number,
    readonly kind: number,
    readonly shape: number,
    readonly timeoutMs: number,
    readonly maxDurationMs: number,
    readonly returnFailed: boolean,
  ) {}
}
