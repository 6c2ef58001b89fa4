/**
 * The engine's events and a small typed emitter (no Node built-ins, so the core bundles for
 * browsers). Emitting with no listener costs one property read.
 *
 * A listener that throws does not break the engine's loops: the error is rethrown from a
 * microtask, where the host reports it as uncaught (as EventTarget does).
 */
import type { CcidError } from '../errors.ts';
import type { DiscardReason } from './stats.ts';

/** A card appeared in or left a slot. */
export interface SlotEvent {
  /** Slot index. */
  readonly slot: number;
  /** What told us: an interrupt-IN NotifySlotChange, a bulk response's bmICCStatus, or a GetSlotStatus poll. */
  readonly source: 'interrupt' | 'response' | 'poll';
}

/** RDR_to_PC_HardwareError (CCID 1.1 §6.3.2). */
export interface HardwareErrorEvent {
  readonly slot: number;
  /** bSeq of the command in progress when the error occurred. */
  readonly seq: number;
  /** bHardwareErrorCode: 0x01 = overcurrent. */
  readonly code: number;
}

/** The reader asked for more time (bmCommandStatus = 2, CCID 1.1 §6.2.6). */
export interface TimeExtensionEvent {
  readonly slot: number;
  readonly seq: number;
  /** bMessageType of the command being extended. */
  readonly command: number;
  /** bError: the multiplier. */
  readonly multiplier: number;
}

/** A frame was thrown away: it matched no pending command (see {@link DiscardReason}). */
export interface DiscardEvent {
  readonly reason: DiscardReason;
  readonly bytes: Uint8Array;
}

/** The engine started the abort procedure of CCID 1.1 §5.3.1 on a slot. */
export interface AbortEvent {
  readonly slot: number;
  /** bSeq of the aborted command. */
  readonly seq: number;
  /** bSeq used by the ABORT request and PC_to_RDR_Abort. */
  readonly abortSeq: number;
  readonly reason: 'timeout' | 'cancelled';
}

/** The reader went away or the engine was destroyed; every pending command failed with `error`. */
export interface GoneEvent {
  readonly error: CcidError;
}

/** Events of a {@link CcidEngine}. */
export interface EngineEvents {
  cardInserted: SlotEvent;
  cardRemoved: SlotEvent;
  hardwareError: HardwareErrorEvent;
  timeExtension: TimeExtensionEvent;
  discard: DiscardEvent;
  abort: AbortEvent;
  gone: GoneEvent;
  closed: Record<string, never>;
}

/** Re-throws `error` outside the current call stack, so the caller's loop keeps running. */
export function reportAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** A minimal typed event emitter. */
export class TypedEmitter<E extends object> {
  private readonly listeners: { [K in keyof E]?: ((event: E[K]) => void)[] } = {};

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(type: K, listener: (event: E[K]) => void): () => void {
    // Copy on write: an emit in progress keeps iterating the old array.
    this.listeners[type] = [...(this.listeners[type] ?? []), listener];
    return () => this.off(type, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof E>(type: K, listener: (event: E[K]) => void): void {
    const list = this.listeners[type];
    if (list === undefined) return;
    const next = list.filter((l) => l !== listener);
    if (next.length === 0) delete this.listeners[type];
    else this.listeners[type] = next;
  }

  /** True when `type` has at least one listener (lets callers skip building an event). */
  has<K extends keyof E>(type: K): boolean {
    return this.listeners[type] !== undefined;
  }

  /** Calls every listener of `type` with `event`. */
  emit<K extends keyof E>(type: K, event: E[K]): void {
    const list = this.listeners[type];
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(event);
      } catch (error) {
        reportAsync(error);
      }
    }
  }
}
