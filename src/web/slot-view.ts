/**
 * One slot of the connected reader: its card state, power on / off, the ATR and its
 * analysis (ISO/IEC 7816-3 §8), an APDU console with history, and the hello-world button.
 * The view knows nothing of USB or CCID: it calls the {@link SlotActions} it is given.
 */
import { describeAtr } from '../iso7816/atr/index.ts';
import type { Atr } from '../iso7816/atr/index.ts';
import { statusWordInfo } from '../iso7816/status-words.ts';
import { fromHex, toHex } from '../util/hex.ts';
import { h, replace } from './dom.ts';
import { explainError } from './platform.ts';

/** The card's state after power-on, as the view shows it. */
export interface PoweredCard {
  readonly atr: Uint8Array;
  readonly parsedAtr: Atr;
  readonly protocol: 0 | 1;
  /** One line on the link: "T=1 · Fi 512 / Di 32 · 5 V", whatever the driver reports. */
  readonly link: string;
}

/** What the slot view can ask of the driver. */
export interface SlotActions {
  powerOn(): Promise<PoweredCard>;
  powerOff(): Promise<void>;
  transmit(apdu: Uint8Array): Promise<{ readonly data: Uint8Array; readonly sw: number }>;
}

/** Card presence as the reader reports it. */
export type CardPresence = 'absent' | 'present' | 'unknown';

/** SELECT by AID (ISO/IEC 7816-4 §11.2.2) of the hello-world applet, A0 00 00 00 62 03 01 0C 06 01. */
export const HELLO_SELECT = fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01');
/** The applet's command: any INS on CLA 00 answers "Hello world!" (the classic Java Card sample). */
export const HELLO_COMMAND = fromHex('00 00 00 00');

/** History entries kept per slot. */
const MAX_HISTORY = 100;

/** Printable ASCII of `bytes`, or undefined when they are not all printable. */
function asText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return undefined;
  return String.fromCharCode(...bytes);
}

/** One slot panel. */
export class SlotView {
  /** The panel element (`data-slot` = bSlot). */
  readonly element: HTMLElement;
  readonly #index: number;
  readonly #actions: SlotActions;
  readonly #badge = h('span', { class: 'badge idle' }, 'unknown');
  readonly #powerOn: HTMLButtonElement;
  readonly #powerOff: HTMLButtonElement;
  readonly #hello: HTMLButtonElement;
  readonly #send: HTMLButtonElement;
  readonly #input: HTMLInputElement;
  readonly #atr = h('div', { class: 'atr-area' });
  readonly #helloResult = h('div', { class: 'hello', 'data-role': 'hello-result' });
  readonly #error = h('div', { class: 'error', role: 'alert' });
  readonly #history = h('ol', { class: 'history' });
  readonly #recall: string[] = [];
  #recallAt = 0;
  #presence: CardPresence = 'unknown';
  #powered: PoweredCard | undefined;
  #busy = false;
  #atrShown: PoweredCard | CardPresence | undefined;
  #onLog: (text: string, level?: 'info' | 'error') => void;

  constructor(index: number, actions: SlotActions, onLog: (text: string, level?: 'info' | 'error') => void) {
    this.#index = index;
    this.#actions = actions;
    this.#onLog = onLog;
    this.#powerOn = h('button', { type: 'button', class: 'primary', 'data-action': 'power-on', onclick: () => void this.#run('Power on', () => this.#doPowerOn()) }, 'Power on');
    this.#powerOff = h('button', { type: 'button', 'data-action': 'power-off', onclick: () => void this.#run('Power off', () => this.#doPowerOff()) }, 'Power off');
    this.#hello = h('button', { type: 'button', 'data-action': 'hello', onclick: () => void this.#run('Hello world', () => this.#doHello()) }, 'Hello world');
    this.#input = h('input', {
      type: 'text',
      placeholder: 'APDU in hex, e.g. 00 A4 04 00 00',
      spellcheck: 'false',
      autocomplete: 'off',
      'aria-label': `APDU for slot ${index}`,
      onkeydown: (event) => this.#onKey(event as KeyboardEvent),
    });
    this.#send = h('button', { type: 'button', 'data-action': 'send', onclick: () => void this.#sendFromInput() }, 'Send');
    this.element = h(
      'article',
      { class: 'panel slot', 'data-slot': index },
      h('div', { class: 'slot-head' }, h('h3', {}, `Slot ${index}`), this.#badge),
      h('div', { class: 'slot-actions' }, this.#powerOn, this.#powerOff, this.#hello),
      this.#atr,
      this.#helloResult,
      this.#error,
      h('div', { class: 'console' }, this.#input, this.#send),
      this.#history,
    );
    this.#render();
  }

  /** The reader reported the card in or out (interrupt NotifySlotChange or slot status). */
  setPresence(presence: CardPresence): void {
    this.#presence = presence;
    if (presence === 'absent') this.#powered = undefined;
    this.#render();
  }

  /** The reader went away: nothing can be done any more. */
  disable(): void {
    this.#presence = 'unknown';
    this.#powered = undefined;
    this.#busy = true;
    this.#render();
  }

  async #run(action: string, work: () => Promise<void>): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    replace(this.#error);
    this.#render();
    try {
      await work();
    } catch (error) {
      const explained = explainError(error, action);
      replace(this.#error, `${explained.title}: ${explained.text.join(' ')}`);
      this.#onLog(`slot ${this.#index}: ${action.toLowerCase()} failed (${explained.code ?? 'error'})`, 'error');
    } finally {
      this.#busy = false;
      this.#render();
    }
  }

  async #doPowerOn(): Promise<void> {
    const card = await this.#actions.powerOn();
    this.#powered = card;
    this.#presence = 'present';
    replace(this.#helloResult);
    this.#onLog(`slot ${this.#index}: powered on, ${card.link}`);
  }

  async #doPowerOff(): Promise<void> {
    await this.#actions.powerOff();
    this.#powered = undefined;
    replace(this.#helloResult);
    this.#onLog(`slot ${this.#index}: powered off`);
  }

  async #doHello(): Promise<void> {
    replace(this.#helloResult);
    const select = await this.#exchange(HELLO_SELECT);
    if (!statusWordInfo(select.sw).success) {
      replace(this.#helloResult, 'This card has no hello-world applet (SELECT was refused).');
      return;
    }
    const answer = await this.#exchange(HELLO_COMMAND);
    const text = asText(answer.data);
    replace(this.#helloResult, text === undefined ? `The applet answered ${toHex(answer.data)}` : `Card says: “${text}”`);
  }

  async #sendFromInput(): Promise<void> {
    const text = this.#input.value.trim();
    if (text === '') return;
    await this.#run('Transmit', async () => {
      const apdu = fromHex(text);
      if (this.#recall[this.#recall.length - 1] !== text) this.#recall.push(text);
      this.#recallAt = this.#recall.length;
      await this.#exchange(apdu);
      this.#input.value = '';
    });
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key === 'Enter') {
      event.preventDefault();
      void this.#sendFromInput();
    } else if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      if (this.#recall.length === 0) return;
      event.preventDefault();
      this.#recallAt = Math.min(this.#recall.length, Math.max(0, this.#recallAt + (event.key === 'ArrowUp' ? -1 : 1)));
      this.#input.value = this.#recall[this.#recallAt] ?? '';
    }
  }

  /** Sends one APDU and records it in the history. */
  async #exchange(apdu: Uint8Array): Promise<{ data: Uint8Array; sw: number }> {
    const started = performance.now();
    const response = await this.#actions.transmit(apdu);
    const ms = performance.now() - started;
    const sw = statusWordInfo(response.sw);
    const text = asText(response.data);
    this.#history.prepend(
      h(
        'li',
        {},
        h('div', { class: 'mono cmd' }, `» ${toHex(apdu)}`),
        h('div', { class: 'mono' }, `« ${response.data.length === 0 ? '' : `${toHex(response.data)}  `}`, h('span', { class: sw.success ? 'sw-ok' : 'sw-bad' }, sw.hex)),
        h('div', { class: 'text' }, `${sw.text}${text === undefined ? '' : ` · “${text}”`} · ${ms.toFixed(1)} ms`),
      ),
    );
    while (this.#history.childElementCount > MAX_HISTORY) this.#history.lastElementChild?.remove();
    return { data: response.data, sw: response.sw };
  }

  #render(): void {
    const powered = this.#powered !== undefined;
    const [label, kind] = powered
      ? [`powered · T=${this.#powered!.protocol}`, 'ok']
      : this.#presence === 'present'
        ? ['card present', 'warn']
        : this.#presence === 'absent'
          ? ['no card', 'idle']
          : ['unknown', 'idle'];
    this.#badge.textContent = label;
    this.#badge.className = `badge ${kind}`;
    this.#badge.dataset['state'] = powered ? 'powered' : this.#presence;
    this.element.classList.toggle('absent', this.#presence === 'absent');
    this.#powerOn.disabled = this.#busy || this.#presence === 'absent';
    this.#powerOn.textContent = powered ? 'Reset' : 'Power on';
    this.#powerOff.disabled = this.#busy || !powered;
    this.#hello.disabled = this.#busy || !powered;
    this.#send.disabled = this.#busy || !powered;
    this.#input.disabled = !powered;
    // Re-render the ATR only when it changes, so an opened analysis stays open.
    const shown = powered ? this.#powered : this.#presence;
    if (shown === this.#atrShown) return;
    this.#atrShown = shown;
    if (!powered) {
      replace(this.#atr, this.#presence === 'absent' ? h('p', { class: 'muted' }, 'No card in this slot.') : null);
      return;
    }
    const card = this.#powered!;
    replace(
      this.#atr,
      h(
        'div',
        { class: 'atr' },
        h('div', { class: 'label' }, 'ATR'),
        h('div', { class: 'mono', 'data-role': 'atr' }, toHex(card.atr)),
        h('div', { class: 'label' }, card.link),
      ),
      h('details', {}, h('summary', {}, 'ATR analysis (ISO/IEC 7816-3)'), h('pre', {}, describeAtr(card.parsedAtr).join('\n'))),
    );
  }
}
