/**
 * One slot inside the engine: its FIFO of commands (one in flight at a time, which is what
 * keeps a reader from ever answering CMD_SLOT_BUSY), what the slot is doing, and what we
 * know of the card.
 *
 * Slot states (README "Engine"): the card state comes from bmICCStatus (CCID 1.1 §6.2.6)
 * and NotifySlotChange (§6.3.1); the activity is the engine's own.
 *
 * ```
 *            card                                 activity
 *  unknown ─▶ absent ◀──▶ inactive ◀──▶ active    idle ──dispatch──▶ busy ──answer──▶ idle
 *                                                              busy ──timeout/cancel──▶ aborting
 *                                                              aborting ──Abort answered / bounded wait──▶ idle
 * ```
 *
 * The public state is the activity when the slot is not idle, the card state otherwise.
 */
import { ProtocolError } from '../errors.ts';
import { DONE } from './command.ts';
import type { Command } from './command.ts';
import { Fifo } from './fifo.ts';

/** What we know of the card in a slot. */
export type CardState = 'unknown' | 'absent' | 'inactive' | 'active';
/** What the engine is doing with a slot. */
export type SlotActivity = 'idle' | 'busy' | 'aborting';
/** The state a slot reports: the activity when not idle, the card state otherwise. */
export type SlotState = CardState | 'busy' | 'aborting';

/** A slot's queue and state. */
export class SlotQueue {
  activity: SlotActivity = 'idle';
  card: CardState = 'unknown';
  /** The command in flight (busy) or being aborted (aborting). */
  current: Command | undefined = undefined;
  /** True while the slot waits in the device's ready queue for a busy-slot token. */
  inReady = false;
  private readonly queue = new Fifo<Command>();

  constructor(readonly index: number) {}

  /** The public state. */
  get state(): SlotState {
    return this.activity === 'idle' ? this.card : this.activity;
  }

  /** Commands waiting (cancelled ones not yet skipped included). */
  get waiting(): number {
    return this.queue.size;
  }

  /** Appends a command. */
  enqueue(cmd: Command): void {
    this.queue.push(cmd);
  }

  /** True when a live command is waiting; drops cancelled ones from the front. */
  hasWork(): boolean {
    while (this.queue.peek()?.state === DONE) this.queue.shift();
    return this.queue.size > 0;
  }

  /** Takes the next live command, or undefined. */
  shift(): Command | undefined {
    return this.hasWork() ? this.queue.shift() : undefined;
  }

  /** Puts a command back at the front (no bSeq could be allocated). */
  unshift(cmd: Command): void {
    this.queue.unshift(cmd);
  }

  /** Removes and returns every waiting command. */
  drain(): Command[] {
    return this.queue.drain();
  }

  /** idle → busy with `cmd`. */
  begin(cmd: Command): void {
    this.expect('idle', 'begin');
    this.activity = 'busy';
    this.current = cmd;
  }

  /** busy → idle. */
  finish(): void {
    this.expect('busy', 'finish');
    this.activity = 'idle';
    this.current = undefined;
  }

  /** busy → aborting. */
  startAbort(): void {
    this.expect('busy', 'startAbort');
    this.activity = 'aborting';
  }

  /** aborting → idle. */
  endAbort(): void {
    this.expect('aborting', 'endAbort');
    this.activity = 'idle';
    this.current = undefined;
  }

  /** Back to idle whatever the state (the device is gone or destroyed: nothing is pending any more). */
  forceIdle(): void {
    this.activity = 'idle';
    this.current = undefined;
    this.inReady = false;
  }

  private expect(activity: SlotActivity, transition: string): void {
    // An invariant of the engine, not of the reader: failing here is a bug, reported loudly.
    if (this.activity !== activity) {
      throw new ProtocolError(`engine invariant: slot ${this.index} ${transition} while ${this.activity}`, { slot: this.index });
    }
  }
}
