/**
 * The page's event list: reader connected or gone, cards inserted and removed, power
 * changes, failures. Newest first, with the time, bounded so a long demo stays light.
 */
import { h } from './dom.ts';

/** Entries kept; older ones are dropped. */
const MAX_ENTRIES = 200;

/** Kinds of entries (the CSS class of the line). */
export type EventLevel = 'info' | 'error';

/** The event list in `#event-log`. */
export class EventLog {
  readonly #list: HTMLOListElement;

  constructor(list: HTMLOListElement) {
    this.#list = list;
  }

  /** Adds a line at the top. */
  add(text: string, level: EventLevel = 'info'): void {
    const now = new Date();
    const stamp = `${now.toTimeString().slice(0, 8)}.${String(now.getMilliseconds()).padStart(3, '0')}`;
    this.#list.prepend(h('li', { class: level }, h('time', { datetime: now.toISOString() }, stamp), h('span', {}, text)));
    while (this.#list.childElementCount > MAX_ENTRIES) this.#list.lastElementChild?.remove();
  }
}
