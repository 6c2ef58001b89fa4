/**
 * The view of `ccid scan`: a {@link Scanner} gets the reader watcher's events and the
 * readers' card events, reads each card's ATR as pcscd does on insertion, and prints a
 * table per reader when it appears, then one line (or one JSON event) per change. Each
 * slot's events print in the order they happened, whatever the time ATR reads take.
 */
import { CcidError, UsbTransportError } from '../errors.ts';
import { atrSummary } from '../iso7816/atr/summary.ts';
import { describeAtr } from '../iso7816/atr/describe.ts';
import type { Atr } from '../iso7816/atr/parse.ts';
import { exchangeLevelName } from '../readers/index.ts';
import { activateCard } from '../reader/activation.ts';
import type { Reader, ReaderAddedEvent, Slot } from '../reader/index.ts';
import { toHex, vidPid } from '../util/hex.ts';
import type { LoadedAtrList } from './atr-db-node.ts';
import { jsonLine, style, table, type Output } from './output.ts';

/** What was read from a card. */
interface CardReading {
  readonly atr?: Atr;
  readonly error?: CcidError;
}

/** A reader being watched. */
interface Watched {
  readonly index: number;
  readonly reader: Reader;
  /** What the scan believes of each slot (deduplicates repeated notifications). */
  readonly present: boolean[];
  /** Per-slot chain, so a slot's events print in the order they happened. */
  readonly chains: Promise<void>[];
  /** Settles when the reader's first table is printed. */
  initial: Promise<void>;
  readonly stop: (() => void)[];
}

/** Options of a scan. */
export interface ScanOptions {
  /** One JSON event per line instead of tables and lines. */
  readonly json: boolean;
  /** The full ATR analysis (`ccid atr`'s) instead of its summary. */
  readonly verbose: boolean;
  /** Timestamps on event lines (live mode). */
  readonly live: boolean;
  /** The ATR list that identifies cards; undefined when none is installed. */
  readonly db: LoadedAtrList | undefined;
}

const clock = (): string => {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
};

/** `0-3, 5`: slot numbers as ranges. */
export function slotRanges(slots: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < slots.length; ) {
    let j = i;
    while (j + 1 < slots.length && slots[j + 1] === slots[j]! + 1) j++;
    parts.push(j === i ? `${slots[i]}` : `${slots[i]}-${slots[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** The summary of `ccid atr`: the decoded historical bytes, the parameters, errors and warnings. */
export function atrDigest(atr: Atr): string[] {
  const lines = describeAtr(atr);
  const from = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
  const hist = from('+ Historical bytes');
  const tck = from('+ TCK');
  const params = from('+ Parameters:');
  const out: string[] = [];
  if (hist >= 0 && tck > hist && tck - hist > 1) out.push(...lines.slice(hist + 1, tck).map((l) => l.replace(/^ {2}/, '')));
  if (params >= 0) out.push(...lines.slice(params + 1).map((l) => l.replace(/^ {2}/, '')));
  return out;
}

/** Watches readers and cards and prints them; see the module comment. */
export class Scanner {
  readonly #out: Output;
  readonly #options: ScanOptions;
  readonly #watched = new Map<Reader, Watched>();
  readonly #inFlight = new Set<Promise<void>>();
  #nextIndex = 0;
  /** Readers opened. */
  opened = 0;
  /** Devices that could not be opened as readers (permission, another driver...). */
  failed = 0;

  constructor(out: Output, options: ScanOptions) {
    this.#out = out;
    this.#options = options;
  }

  /** Resolves when every ATR read and print started so far is done. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  #track(work: Promise<void>): Promise<void> {
    const p = work.catch((error: unknown) => {
      if (!(error instanceof CcidError)) throw error;
    });
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
    return p;
  }

  #event(name: string, fields: Record<string, unknown>): void {
    this.#out.line(jsonLine({ event: name, time: new Date().toISOString(), ...fields }));
  }

  #stamp(text: string): string {
    return this.#options.live ? `${style(this.#out, 'dim', clock())}  ${text}` : text;
  }

  /** A reader appeared, or failed to open. */
  added(event: ReaderAddedEvent): void {
    const { reader, error, device } = event;
    if (reader === undefined) this.failed++;
    else this.opened++;
    if (reader === undefined) {
      const id = vidPid(device.vendorId, device.productId);
      const hint = error instanceof UsbTransportError ? error.hint : undefined;
      if (this.#options.json) this.#event('reader-error', { vidPid: id, error: { code: error?.code ?? null, message: error?.message ?? null, hint: hint ?? null } });
      this.#out.error(`ccid scan: ${id}: cannot open the reader: ${error?.message ?? 'unknown error'}${error === undefined ? '' : ` [${error.code}]`}`);
      if (hint !== undefined) this.#out.error(hint);
      return;
    }
    const slots = reader.slots;
    const watched: Watched = {
      index: this.#nextIndex++,
      reader,
      present: slots.map((s) => s.state !== 'absent'),
      chains: slots.map(() => Promise.resolve()),
      initial: Promise.resolve(),
      stop: [],
    };
    this.#watched.set(reader, watched);
    watched.stop.push(
      reader.on('cardInserted', ({ slot }) => this.#inserted(watched, slot)),
      reader.on('cardRemoved', ({ slot }) => this.#removed(watched, slot)),
    );
    watched.initial = this.#track(this.#initialTable(watched));
    for (const i of slots.keys()) watched.chains[i] = watched.initial;
  }

  /** A reader left. */
  removed(reader: Reader): void {
    const watched = this.#watched.get(reader);
    if (watched === undefined) return;
    this.#watched.delete(reader);
    for (const stop of watched.stop) stop();
    const done = Promise.all(watched.chains).then(() => {
      if (this.#options.json) this.#event('reader-removed', { reader: watched.index, name: reader.name });
      else this.#out.line(this.#stamp(style(this.#out, 'yellow', `Reader ${watched.index} removed: ${reader.name}`)));
    });
    void this.#track(done);
  }

  /** Stops listening to every reader. */
  detach(): void {
    for (const w of this.#watched.values()) for (const stop of w.stop) stop();
    this.#watched.clear();
  }

  /**
   * The card's ATR, read as pcscd reads it on insertion (IFDHPowerICC): activation with
   * class selection only (no PPS, no SetParameters), then deactivation. A card the
   * driver could not use still shows its ATR this way.
   */
  async #read(reader: Reader, slot: Slot): Promise<CardReading> {
    const caps = reader.capabilities();
    const ctx = { ccid: slot.ccid, voltages: caps.voltages, automaticVoltage: caps.automaticVoltage, quirks: reader.quirks };
    try {
      const activated = await activateCard(ctx, {});
      await slot.ccid.powerOff().catch(() => undefined);
      return { atr: activated.parsedAtr };
    } catch (error) {
      if (!(error instanceof CcidError)) throw error;
      return { error };
    }
  }

  /** Why this reader cannot use a card with this ATR, if it cannot (no protocol in common). */
  #unusable(reader: Reader, atr: Atr): string | undefined {
    const readerProtocols: readonly number[] = reader.capabilities().protocols;
    if (atr.protocols.some((t) => readerProtocols.includes(t))) return undefined;
    const list = (p: readonly number[]) => p.map((t) => `T=${t}`).join('/');
    return `the card offers ${list(atr.protocols)} only; this reader speaks ${list(readerProtocols)}: it cannot exchange APDUs with it`;
  }

  #cardFields(reader: Reader, reading: CardReading): Record<string, unknown> {
    if (reading.atr === undefined) return { error: { code: reading.error?.code ?? null, message: reading.error?.message ?? null } };
    const { db } = this.#options;
    return {
      atr: toHex(reading.atr.raw, ''),
      unusable: this.#unusable(reader, reading.atr) ?? null,
      analysis: atrSummary(reading.atr),
      identification: db === undefined ? [] : db.list.match(reading.atr.raw).flatMap((m) => m.descriptions),
    };
  }

  #identification(atr: Atr): string[] {
    const { db } = this.#options;
    if (db === undefined) return ['Card not identified: no ATR list (install pcsc-tools, or --atr-db FILE)'];
    const matches = db.list.match(atr.raw);
    if (matches.length === 0) return [`Card not in the ATR list (${db.path})`];
    return [`Possibly identified card (using ${db.path}):`, ...matches.flatMap((m) => m.descriptions.map((d) => style(this.#out, 'cyan', `  ${d}`)))];
  }

  #analysis(reader: Reader, atr: Atr, indent: string): string[] {
    const body = this.#options.verbose ? describeAtr(atr).slice(1) : atrDigest(atr);
    const unusable = this.#unusable(reader, atr);
    const note = unusable === undefined ? [] : [style(this.#out, 'red', `Note: ${unusable}`)];
    return [...body, ...note, ...this.#identification(atr)].map((l) => indent + l);
  }

  async #initialTable(w: Watched): Promise<void> {
    const { reader } = w;
    const readings = await Promise.all(reader.slots.map((s, i) => (w.present[i] ? this.#read(reader, s) : Promise.resolve(undefined))));
    const caps = reader.capabilities();
    const id = vidPid(reader.vendorId, reader.productId);
    const serial = reader.description.strings.serialNumber;
    if (this.#options.json) {
      this.#event('reader-added', { reader: w.index, name: reader.name, vidPid: id, serial: serial ?? null, slots: reader.slots.length, exchangeLevel: caps.exchangeLevel, protocols: caps.protocols });
      readings.forEach((r, slot) => this.#event('slot', { reader: w.index, slot, card: r === undefined ? 'absent' : 'present', ...(r === undefined ? {} : this.#cardFields(reader, r)) }));
      return;
    }
    const out = this.#out;
    const protocols = caps.protocols.map((t) => `T=${t}`).join('/');
    out.line(this.#stamp(style(out, 'bold', `Reader ${w.index}: ${reader.name} (${id}${serial === undefined ? '' : `, serial ${serial}`}), ${reader.slots.length} slot${reader.slots.length === 1 ? '' : 's'}, ${exchangeLevelName(caps.exchangeLevel)} level, ${protocols}`)));
    const rows = readings.map((r, slot) => {
      if (r === undefined) return [String(slot), 'empty', '', ''];
      if (r.atr === undefined) return [String(slot), 'present', `(no ATR: ${r.error?.code ?? '?'})`, ''];
      const name = this.#options.db?.list.match(r.atr.raw)[0]?.descriptions[0] ?? '';
      return [String(slot), 'present', toHex(r.atr.raw), name];
    });
    for (const line of table(['Slot', 'Card', 'ATR', 'Identified as'], rows)) out.line(`  ${line}`);
    // One analysis per distinct ATR: an 8-slot reader full of the same SIMs prints it once.
    const byAtr = new Map<string, { atr: Atr; slots: number[] }>();
    readings.forEach((r, slot) => {
      if (r?.atr === undefined) return;
      const key = toHex(r.atr.raw);
      const entry = byAtr.get(key) ?? { atr: r.atr, slots: [] };
      entry.slots.push(slot);
      byAtr.set(key, entry);
    });
    for (const [key, { atr, slots }] of byAtr) {
      out.line(`  ATR ${key} (slot${slots.length === 1 ? '' : 's'} ${slotRanges(slots)}):`);
      for (const line of this.#analysis(reader, atr, '    ')) out.line(line);
    }
    readings.forEach((r, slot) => {
      if (r?.error !== undefined) out.line(style(out, 'red', `  slot ${slot}: card present but not readable: ${r.error.message} [${r.error.code}]`));
    });
  }

  #chain(w: Watched, slot: Slot, work: () => Promise<void>): void {
    const next = w.chains[slot.index]!.then(work);
    w.chains[slot.index] = this.#track(next);
  }

  #inserted(w: Watched, slot: Slot): void {
    if (w.present[slot.index]) return;
    w.present[slot.index] = true;
    this.#chain(w, slot, async () => {
      const reading = await this.#read(w.reader, slot);
      if (this.#options.json) {
        this.#event('card-inserted', { reader: w.index, slot: slot.index, ...this.#cardFields(w.reader, reading) });
        return;
      }
      const out = this.#out;
      out.line(this.#stamp(style(out, 'green', `Reader ${w.index} slot ${slot.index}: card inserted`)));
      const pad = ' '.repeat(this.#options.live ? 16 : 2);
      if (reading.atr === undefined) {
        out.line(style(out, 'red', `${pad}no ATR: ${reading.error?.message ?? '?'} [${reading.error?.code ?? '?'}]`));
        return;
      }
      out.line(`${pad}ATR: ${toHex(reading.atr.raw)}`);
      for (const line of this.#analysis(w.reader, reading.atr, `${pad}  `)) out.line(line);
    });
  }

  #removed(w: Watched, slot: Slot): void {
    if (!w.present[slot.index]) return;
    w.present[slot.index] = false;
    this.#chain(w, slot, async () => {
      if (this.#options.json) this.#event('card-removed', { reader: w.index, slot: slot.index });
      else this.#out.line(this.#stamp(style(this.#out, 'yellow', `Reader ${w.index} slot ${slot.index}: card removed`)));
    });
  }
}
