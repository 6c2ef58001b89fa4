/**
 * One reader session of the page: choose a device in the browser's chooser, wrap it in
 * the session capture, open it with the driver's slot API (`openReader`), show what it is
 * and what its slots hold, follow card insertions and removals (NotifySlotChange on the
 * interrupt endpoint), and close it again. Every failure becomes an {@link Explanation}
 * on the page, never an uncaught exception.
 */
import { CancelledError, describeQuirk, formatLibccidParse, NotSupportedError, openReader, vidPid, type PowerOnResult, type Reader, type WebUsbHost } from '../index.ts';
import type { UsbDevice } from '../usb/transport.ts';
import type { SessionCapture } from './capture.ts';
import { h, replace } from './dom.ts';
import type { EventLog } from './event-log.ts';
import { readerFilters } from './filters.ts';
import { CHOOSING, explainError, NO_READER, NOTHING_CHOSEN, type Explanation } from './platform.ts';
import { renderReader, type ReaderInfo } from './reader-view.ts';
import { SlotView, type PoweredCard } from './slot-view.ts';

/** The page elements a session drives. */
export interface SessionUi {
  readonly notice: HTMLElement;
  readonly readerPanel: HTMLElement;
  readonly slotsPanel: HTMLElement;
  readonly connect: HTMLButtonElement;
  readonly disconnect: HTMLButtonElement;
  readonly log: EventLog;
}

/** Shows `explanation` in the notice area (with optional action buttons). */
export function showNotice(notice: HTMLElement, explanation: Explanation | undefined, ...actions: HTMLElement[]): void {
  if (explanation === undefined) {
    replace(notice);
    return;
  }
  replace(
    notice,
    h(
      'div',
      { class: `box ${explanation.level}`, 'data-notice': explanation.title, role: explanation.level === 'error' ? 'alert' : 'status' },
      h('h2', {}, explanation.title),
      ...explanation.text.map((p) => h('p', {}, p)),
      explanation.code === undefined ? null : h('p', { class: 'code' }, explanation.code),
      actions.length === 0 ? null : h('div', { class: 'toolbar' }, ...actions),
    ),
  );
}

const VOLTS = (v: PowerOnResult['voltage']) => (v === 'auto' ? 'voltage chosen by the reader' : `${v} V`);

/** One line on the card link: protocol, Fi/Di, rate, voltage, who negotiated. */
export function linkText(r: PowerOnResult): string {
  const rate = r.rateBps >= 10_000 ? `${(r.rateBps / 1000).toFixed(1)} kbit/s` : `${r.rateBps} bit/s`;
  const t1 = r.protocol === 1 && r.ifsc !== undefined ? ` · IFSC ${r.ifsc}${r.ifsd === undefined ? '' : ` / IFSD ${r.ifsd}`}` : '';
  return `T=${r.protocol} · Fi ${r.fi} / Di ${r.di} · ${rate} at ${(r.clockKhz / 1000).toFixed(2)} MHz · ${VOLTS(r.voltage)}${t1}${r.ppsDone ? ` · PPS (${r.ppsMode})` : ''}`;
}

/** The reader panel's content, from an opened reader. */
export function readerInfo(reader: Reader): ReaderInfo {
  const caps = reader.capabilities();
  const itf = reader.ccidInterface;
  const strings = reader.description.strings;
  const khz = (k: number) => (k >= 1000 ? `${(k / 1000).toFixed(2)} MHz` : `${k} kHz`);
  const facts: [string, string][] = [];
  if (strings.manufacturer !== undefined) facts.push(['Manufacturer', strings.manufacturer]);
  if (strings.serialNumber !== undefined) facts.push(['Serial number', strings.serialNumber]);
  facts.push(
    ['Slots', `${caps.slots} (${caps.simultaneous} at a time)`],
    ['Exchange level', caps.exchangeLevel],
    ['Protocols', caps.protocols.map((p) => `T=${p}`).join(', ')],
    ['Voltages', `${caps.voltages.map((v) => `${v} V`).join(', ')}${caps.automaticVoltage ? ' (automatic)' : ''}`],
    ['Clock', caps.clocks.maximumKhz > caps.clocks.defaultKhz ? `${khz(caps.clocks.defaultKhz)} (max ${khz(caps.clocks.maximumKhz)})` : khz(caps.clocks.defaultKhz)],
    ['Data rate', caps.rates.maximumBps > caps.rates.defaultBps ? `${caps.rates.defaultBps} bps (max ${caps.rates.maximumBps})` : `${caps.rates.defaultBps} bps`],
    ['Max message', `${caps.maxMessageLength} bytes`],
    ['Max IFSD', caps.protocols.includes(1) ? String(caps.maxIfsd) : 'n/a (no T=1)'],
    ['PIN pad', caps.pinSupport.verify || caps.pinSupport.modify ? [caps.pinSupport.verify && 'verify', caps.pinSupport.modify && 'modify'].filter(Boolean).join(' + ') : 'none'],
    ['CCID interface', `#${itf.interfaceNumber}, class 0x${itf.interfaceClass.toString(16).toUpperCase().padStart(2, '0')}`],
  );
  return {
    title: reader.name,
    vidPid: vidPid(reader.vendorId, reader.productId),
    listing: reader.listing,
    facts,
    quirks: reader.quirks.map(describeQuirk),
    dump: formatLibccidParse(reader.description),
    notes: [...reader.description.warnings],
  };
}

/** The page's connection to at most one reader at a time. */
export class ReaderSession {
  readonly #host: WebUsbHost;
  readonly #capture: SessionCapture;
  readonly #ui: SessionUi;
  #reader: Reader | undefined;
  #device: UsbDevice | undefined;
  #views: SlotView[] = [];
  #stops: (() => void)[] = [];
  #connecting = false;

  constructor(host: WebUsbHost, capture: SessionCapture, ui: SessionUi) {
    this.#host = host;
    this.#capture = capture;
    this.#ui = ui;
  }

  /** The open reader, if any. */
  get reader(): Reader | undefined {
    return this.#reader;
  }

  /** VID:PID of the last device chosen (for the capture file name). */
  get vidPid(): string | undefined {
    return this.#device === undefined ? undefined : vidPid(this.#device.vendorId, this.#device.productId);
  }

  /** "Connect reader": the chooser (needs the click's user activation), then {@link open}. */
  async connect(): Promise<void> {
    if (this.#connecting) return;
    this.#connecting = true;
    this.#buttons();
    try {
      if (this.#reader !== undefined) await this.disconnect();
      let device: UsbDevice;
      showNotice(this.#ui.notice, CHOOSING);
      try {
        device = await this.#host.requestDevice(readerFilters());
      } catch (error) {
        if (error instanceof CancelledError) {
          showNotice(this.#ui.notice, NOTHING_CHOSEN);
          this.#ui.log.add('no reader selected');
          return;
        }
        throw error;
      }
      await this.#open(device, false);
    } catch (error) {
      this.#fail(error, 'Connecting the reader');
    } finally {
      this.#connecting = false;
      this.#buttons();
    }
  }

  /** Opens `device` as a reader (through the capture) and shows it. */
  async #open(device: UsbDevice, allowUnsupported: boolean): Promise<void> {
    this.#device = device;
    const label = `${device.productName ?? 'USB device'} (${vidPid(device.vendorId, device.productId)})`;
    this.#ui.log.add(`opening ${label}`);
    showNotice(this.#ui.notice, { level: 'info', title: 'Opening the reader…', text: [`Reading the descriptors of ${label} and claiming its CCID interface.`] });
    let reader: Reader;
    try {
      reader = await openReader(this.#capture.wrap(device), { allowUnsupported });
    } catch (error) {
      if (error instanceof NotSupportedError && /allowUnsupported/.test(error.message)) {
        const tryAnyway = h('button', { type: 'button', onclick: () => void this.#open(device, true).catch((e: unknown) => this.#fail(e, 'Opening the reader')) }, 'Open it anyway');
        showNotice(this.#ui.notice, explainError(error, 'Opening the reader'), tryAnyway);
        this.#ui.log.add(`${label}: not used by default (${error.code})`, 'error');
        return;
      }
      throw error;
    }
    this.#reader = reader;
    this.#show(reader);
    showNotice(this.#ui.notice, undefined);
    this.#ui.log.add(`connected: ${reader.name}, ${reader.slots.length} slot${reader.slots.length === 1 ? '' : 's'}`);
    this.#buttons();
  }

  #show(reader: Reader): void {
    renderReader(this.#ui.readerPanel, readerInfo(reader));
    const log = (text: string, level?: 'info' | 'error') => this.#ui.log.add(text, level);
    this.#views = reader.slots.map((slot) => {
      const view = new SlotView(
        slot.index,
        {
          powerOn: async (): Promise<PoweredCard> => {
            const r = await slot.powerOn();
            return { atr: r.atr, parsedAtr: r.parsedAtr, protocol: r.protocol, link: linkText(r) };
          },
          powerOff: () => slot.powerOff(),
          transmit: async (apdu) => {
            const r = await slot.transmit(apdu);
            return { data: r.data, sw: r.sw };
          },
        },
        log,
      );
      const state = slot.state;
      view.setPresence(state === 'absent' ? 'absent' : 'present');
      return view;
    });
    replace(this.#ui.slotsPanel, ...this.#views.map((v) => v.element));
    this.#ui.slotsPanel.hidden = false;
    this.#stops = [
      reader.on('cardInserted', ({ slot, source }) => {
        this.#views[slot.index]?.setPresence('present');
        this.#ui.log.add(`slot ${slot.index}: card inserted (${source})`);
      }),
      reader.on('cardRemoved', ({ slot, source }) => {
        this.#views[slot.index]?.setPresence('absent');
        this.#ui.log.add(`slot ${slot.index}: card removed (${source})`);
      }),
      reader.on('hardwareError', ({ slot, code }) => {
        this.#ui.log.add(`${slot === undefined ? 'reader' : `slot ${slot.index}`}: hardware error 0x${code.toString(16).padStart(2, '0')}${code === 1 ? ' (overcurrent)' : ''}`, 'error');
      }),
      reader.on('gone', ({ error }) => this.#gone(reader, error.code)),
    ];
  }

  #gone(reader: Reader, code: string): void {
    if (this.#reader !== reader) return;
    this.#ui.log.add(`reader gone (${code})`, 'error');
    this.#teardown();
    showNotice(this.#ui.notice, {
      level: 'info',
      title: 'The reader was unplugged',
      text: ['Every command in progress failed with "reader gone". Plug it back in and press "Connect reader". The capture of the session so far can still be downloaded.'],
      code,
    });
  }

  /** "Disconnect": waits for commands in progress, releases the interface, closes the device. */
  async disconnect(): Promise<void> {
    const reader = this.#reader;
    if (reader === undefined) return;
    this.#teardown();
    try {
      await reader.close();
      this.#ui.log.add(`disconnected from ${reader.name}`);
    } catch (error) {
      this.#ui.log.add(`closing ${reader.name}: ${error instanceof Error ? error.message : String(error)}`, 'error');
    }
    showNotice(this.#ui.notice, NO_READER);
  }

  #teardown(): void {
    for (const stop of this.#stops) stop();
    this.#stops = [];
    for (const view of this.#views) view.disable();
    this.#views = [];
    this.#reader = undefined;
    replace(this.#ui.slotsPanel);
    this.#ui.slotsPanel.hidden = true;
    this.#ui.readerPanel.hidden = true;
    this.#buttons();
  }

  #fail(error: unknown, action: string): void {
    const explained = explainError(error, action);
    showNotice(this.#ui.notice, explained);
    this.#ui.log.add(`${explained.title}${explained.code === undefined ? '' : ` (${explained.code})`}`, 'error');
  }

  #buttons(): void {
    this.#ui.connect.disabled = this.#connecting;
    this.#ui.disconnect.disabled = this.#connecting || this.#reader === undefined;
  }
}
