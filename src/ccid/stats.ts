/**
 * Per-device counters of the engine: what was sent and received, and every frame thrown
 * away with the reason, so a misbehaving reader shows up in numbers rather than in
 * mysterious timeouts.
 */

/**
 * Why a bulk-IN frame was not delivered to any caller.
 * - `unknown-seq`: no command with this bSeq is pending (and none was aborted or answered with it).
 * - `wrong-slot`: a command with this bSeq is pending, but for another slot.
 * - `wrong-type`: bSeq and bSlot match, but the message type does not answer that command.
 * - `late`: the answer to a command that was aborted (timeout or cancel), consumed as CCID 1.1 §5.3.1 expects.
 * - `duplicate`: a second answer with the bSeq of a command already answered.
 * - `malformed`: not a CCID message start (unknown bMessageType), or an undecodable interrupt message.
 * - `too-long`: dwLength above dwMaxCCIDMessageLength.
 * - `truncated`: a message cut short by the reader (the next message started before its end).
 */
export type DiscardReason = 'unknown-seq' | 'wrong-slot' | 'wrong-type' | 'late' | 'duplicate' | 'malformed' | 'too-long' | 'truncated';

/** Every discard reason, in a stable order. */
export const DISCARD_REASONS: readonly DiscardReason[] = [
  'unknown-seq',
  'wrong-slot',
  'wrong-type',
  'late',
  'duplicate',
  'malformed',
  'too-long',
  'truncated',
];

/** A snapshot of a device's counters. */
export interface EngineStats {
  /** Commands sent on bulk-OUT, internal ones included (polls, PC_to_RDR_Abort). */
  commands: number;
  /** Commands answered (successfully or with bmCommandStatus = failed). */
  answered: number;
  /** Answers with bmCommandStatus = failed. */
  failed: number;
  /** Commands whose deadline passed. */
  timeouts: number;
  /** Commands cancelled by their AbortSignal (queued or in flight). */
  cancelled: number;
  /** Abort procedures started (§5.3.1), one per timed-out or cancelled command in flight. */
  aborts: number;
  /** Abort procedures that got no PC_to_RDR_Abort answer within the bounded wait. */
  abortsUnanswered: number;
  /** Time-extension answers received (bmCommandStatus = 2). */
  timeExtensions: number;
  /** GetSlotStatus polls sent (readers without interrupt-IN). */
  polls: number;
  /** Bytes written on bulk-OUT. */
  bytesOut: number;
  /** Bytes read on bulk-IN (every transfer, discarded ones included). */
  bytesIn: number;
  /** Bulk-IN transfers completed (zero-length ones included). */
  transfersIn: number;
  /** Messages reassembled from more than one bulk-IN transfer. */
  fragmented: number;
  /** Interrupt-IN messages received. */
  notifications: number;
  /** RDR_to_PC_HardwareError messages received. */
  hardwareErrors: number;
  /** Endpoint stalls cleared (bulk-IN, bulk-OUT or interrupt-IN). */
  stalls: number;
  /** Frames discarded, by reason. */
  discarded: Record<DiscardReason, number>;
}

/** Creates a zeroed statistics record. */
export function emptyStats(): EngineStats {
  const discarded = {} as Record<DiscardReason, number>;
  for (const r of DISCARD_REASONS) discarded[r] = 0;
  return {
    commands: 0,
    answered: 0,
    failed: 0,
    timeouts: 0,
    cancelled: 0,
    aborts: 0,
    abortsUnanswered: 0,
    timeExtensions: 0,
    polls: 0,
    bytesOut: 0,
    bytesIn: 0,
    transfersIn: 0,
    fragmented: 0,
    notifications: 0,
    hardwareErrors: 0,
    stalls: 0,
    discarded,
  };
}

/** A deep copy, so a caller's snapshot does not move. */
export function copyStats(s: EngineStats): EngineStats {
  return { ...s, discarded: { ...s.discarded } };
}

/** Total of the discarded frames, all reasons. */
export function totalDiscarded(s: EngineStats): number {
  let n = 0;
  for (const r of DISCARD_REASONS) n += s.discarded[r];
  return n;
}
