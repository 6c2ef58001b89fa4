/**
 * What the engine knows of the card in each slot, and the cardInserted / cardRemoved
 * events that follow from it. Three sources feed it: interrupt-IN NotifySlotChange
 * (CCID 1.1 §6.3.1), the bmICCStatus of every answer matched to a command (§6.2.6), and
 * GetSlotStatus polls for readers without an interrupt endpoint.
 *
 * The state is kept per slot whether or not anyone listens, so a change that happens while
 * no command is pending is never lost: it is in `slot.card` and was emitted when seen.
 */
import type { EngineEvents, SlotEvent } from './events.ts';
import type { TypedEmitter } from './events.ts';
import type { CardState, SlotQueue } from './slot-queue.ts';

const FROM_ICC: readonly CardState[] = ['active', 'inactive', 'absent', 'unknown'];

/** CardState for a bmICCStatus value (3 = RFU leaves it unknown). */
export function cardStateOf(iccStatus: number): CardState {
  return FROM_ICC[iccStatus & 3]!;
}

function present(state: CardState): boolean {
  return state === 'active' || state === 'inactive';
}

/** Sets a slot's card state, emitting cardInserted / cardRemoved on a presence change. */
export function setCardState(slot: SlotQueue, next: CardState, source: SlotEvent['source'], events: TypedEmitter<EngineEvents>): void {
  const before = slot.card;
  if (before === next || next === 'unknown') return;
  slot.card = next;
  const was = present(before);
  const is = present(next);
  if (is && !was) events.emit('cardInserted', { slot: slot.index, source });
  else if (was && !is) events.emit('cardRemoved', { slot: slot.index, source });
}

/**
 * Applies one slot's NotifySlotChange bits. A changed bit with a card present while we
 * believed one present means the card was swapped: removed, then inserted.
 */
export function applySlotChange(slot: SlotQueue, isPresent: boolean, changed: boolean, events: TypedEmitter<EngineEvents>): void {
  const was = present(slot.card);
  if (changed && isPresent && was) {
    setCardState(slot, 'absent', 'interrupt', events);
    setCardState(slot, 'inactive', 'interrupt', events);
  } else if (isPresent && !was) {
    setCardState(slot, 'inactive', 'interrupt', events);
  } else if (!isPresent && slot.card !== 'absent') {
    setCardState(slot, 'absent', 'interrupt', events);
  }
}
