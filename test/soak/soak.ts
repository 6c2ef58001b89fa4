/**
 * The soak: 96 emulated slots (12 sysmoOCTSIM readers × 8) driven through the public
 * Reader/Slot API, every slot sending APDUs back to back, while cards are pulled and
 * re-inserted at random, callers cancel now and then, and the readers inject faults at a
 * low rate. Every answer is compared with what that slot's card must answer, computed by
 * the card model on its own (`cardOracle`): an answer routed to another slot, corrupted,
 * duplicated or lost cannot pass.
 *
 * Faults injected are those that end quickly (the ones that end at a multi-minute card
 * deadline, wrong bSeq, truncated frame, endless time extension, are covered by the fault
 * matrix in virtual time). After any failed APDU the slot is powered on again and its
 * oracle reset, since the card may or may not have run the command.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openReader, type Reader } from '../../src/reader/index.ts';
import { cardFromOptions, cardOracle, createEmulatedReader, type CardOptions, type CardOracle, type EmulatedReader, type FaultKind } from '../../src/sim/index.ts';

/** Options of a soak run. */
export interface SoakOptions {
  /** APDUs to send in all (the run stops at this count or at `durationMs`). @default 1 000 000 */
  apdus?: number;
  /** Stop after this long, in ms. @default no limit */
  durationMs?: number;
  /** Emulated readers (8 slots each). @default 12 */
  readers?: number;
  /** Seed of every random choice. @default 1 */
  seed?: number;
  /** Probability per reader opportunity of each injected fault. @default 0.0002 */
  faultRate?: number;
  /** One card pulled (and put back 1–5 ms later) every this many APDUs. @default 3000 */
  removalEvery?: number;
  /** Probability that an APDU is cancelled by its caller right after it is sent. @default 0.0005 */
  cancelRate?: number;
  /** Card processing time per APDU, ms (0: answers at once, no timers). @default 0 */
  cardMs?: number;
  /** Progress callback, about once a second. */
  onProgress?: (done: number, report: SoakReport) => void;
}

/** What a soak run saw. */
export interface SoakReport {
  readers: number;
  slots: number;
  /** APDUs sent. */
  apdus: number;
  /** APDUs answered with exactly what the slot's card must answer. */
  correct: number;
  /** Answers that belong to another slot (an ECHO of another slot's data). */
  misrouted: number;
  /** Answers that match no card: corrupted, duplicated, stale. */
  corrupted: number;
  /** APDUs never settled (no answer, no error) within `LOST_AFTER_MS`. */
  lost: number;
  /** Failed APDUs by error code (each a typed CcidError). */
  errors: Record<string, number>;
  /** Errors that were not CcidErrors (must be 0). */
  untyped: number;
  /** Re-powers after a failed APDU. */
  repowers: number;
  /** Cards pulled and put back. */
  removals: number;
  /** Caller cancellations. */
  cancels: number;
  /** Faults the emulated readers fired. */
  faultsFired: number;
  /** Wall time of the APDU phase, in ms. */
  ms: number;
  /** APDUs per second. */
  rate: number;
  /** heapUsed after a forced GC before opening the readers, once warm (10 % of the run), at the end, and the growth since warm. */
  heapStartMb: number;
  heapWarmMb: number;
  heapEndMb: number;
  heapGrowthPct: number;
  /** Active handles and requests by type (process.getActiveResourcesInfo) before opening, once warm, at the end, and after close. */
  resourcesBefore: Record<string, number>;
  resourcesWarm: Record<string, number>;
  resourcesEnd: Record<string, number>;
  resourcesAfterClose: Record<string, number>;
  /** 'abort' listeners left on the long-lived AbortSignal every APDU was sent with (must be 0). */
  abortListenersLeft: number;
  /** Engine counters summed over the readers. */
  discarded: number;
  timeouts: number;
}

/** An APDU that neither settles nor fails within this is lost. */
export const LOST_AFTER_MS = 60_000;

/** Faults that end fast enough for a real-time soak. */
const FAULTS: readonly FaultKind[] = ['duplicate-frame', 'split-frame', 'stall-bulk-in', 'mute-card', 'hardware-error', 'card-removed-mid-command', 'stale-frame'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** A full GC: `global.gc` under --expose-gc, else the same function obtained through V8 flags (vitest workers). */
function collectGarbage(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

function heapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

interface SlotRig {
  readonly reader: number;
  readonly index: number;
  readonly options: CardOptions;
  oracle: CardOracle;
  step: number;
  /** Set while the soak itself has pulled the card and will put it back. */
  reinserting: boolean;
}

/** ECHO data: reader, slot, step, then a pattern. */
function echoData(rig: SlotRig, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out[0] = rig.reader;
  out[1] = rig.index;
  out[2] = rig.step & 0xff;
  out[3] = (rig.step >> 8) & 0xff;
  for (let i = 4; i < length; i++) out[i] = (rig.reader * 31 + rig.index * 7 + rig.step + i) & 0xff;
  return out;
}

function apduOf(rig: SlotRig, pick: number): Uint8Array {
  switch (pick % 4) {
    case 0:
      return Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08); // GET CHALLENGE: the card's seeded sequence
    case 1:
    case 2: {
      const data = echoData(rig, 8 + (pick % 97));
      return Uint8Array.of(0x80, 0xee, 0x00, 0x00, data.length, ...data, 0x00); // ECHO
    }
    default:
      return Uint8Array.of(0x00, 0xca, 0x00, 0x10 + (pick % 64), 0x10 + (pick % 64)); // GET DATA, sized
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs the soak; resolves when every slot has stopped and every reader is closed. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const total = options.apdus ?? 1_000_000;
  const deadline = options.durationMs === undefined ? Infinity : performance.now() + options.durationMs;
  const readerCount = options.readers ?? 12;
  const random = mulberry32(options.seed ?? 1);
  const faultRate = options.faultRate ?? 0.0002;
  const removalEvery = options.removalEvery ?? 3000;
  const cancelRate = options.cancelRate ?? 0.0005;
  const report: SoakReport = {
    readers: readerCount,
    slots: readerCount * 8,
    apdus: 0,
    correct: 0,
    misrouted: 0,
    corrupted: 0,
    lost: 0,
    errors: {},
    untyped: 0,
    repowers: 0,
    removals: 0,
    cancels: 0,
    faultsFired: 0,
    ms: 0,
    rate: 0,
    heapStartMb: heapMb(),
    heapWarmMb: 0,
    heapEndMb: 0,
    heapGrowthPct: 0,
    resourcesBefore: resources(),
    resourcesWarm: {},
    resourcesEnd: {},
    resourcesAfterClose: {},
    abortListenersLeft: 0,
    discarded: 0,
    timeouts: 0,
  };

  const emulated: EmulatedReader[] = [];
  const readers: Reader[] = [];
  const rigs: SlotRig[][] = [];
  for (let r = 0; r < readerCount; r++) {
    const emu = createEmulatedReader('sysmoOCTSIM', { timeScale: options.cardMs ? 1 : 0, wireTime: false, seed: (options.seed ?? 1) * 1000 + r });
    const row: SlotRig[] = [];
    for (let s = 0; s < 8; s++) {
      const cardOptions: CardOptions = { protocol: 0, seed: r * 8 + s + 1, applets: ['test-commands'], processingMs: options.cardMs ?? 0, protocolMs: 0 };
      emu.slots[s]!.insert(cardFromOptions(cardOptions));
      row.push({ reader: r, index: s, options: cardOptions, oracle: cardOracle(cardOptions), step: 0, reinserting: false });
    }
    emulated.push(emu);
    rigs.push(row);
    const reader = await openReader(emu.device);
    readers.push(reader);
    for (const slot of reader.slots) await slot.powerOn();
    // Faults are armed once every card is up: the soak measures the APDU phase, and a fault
    // drawn during this set-up (a card pulled at power-on) would end the run before it starts.
    for (const kind of FAULTS) emu.faults.add({ kind, trigger: { probability: faultRate } });
  }

  const lifetime = new AbortController(); // passed to every transmit: its listeners must not pile up
  setMaxListeners(10_000, lifetime.signal); // one per transmit in flight (96 and their layers) is expected
  let sent = 0;
  let warm = false;
  const start = performance.now();
  let lastProgress = start;

  const pullCard = (): void => {
    const r = Math.floor(random() * readerCount);
    const s = Math.floor(random() * 8);
    const rig = rigs[r]![s]!;
    if (rig.reinserting || emulated[r]!.slots[s]!.card === undefined) return;
    rig.reinserting = true;
    report.removals++;
    emulated[r]!.slots[s]!.remove();
    setTimeout(() => {
      emulated[r]!.slots[s]!.insert(cardFromOptions(rig.options));
      rig.reinserting = false;
    }, 1 + Math.floor(random() * 5));
  };

  /** After a failed APDU: put a card back if the reader took it, then power on with the oracle reset. */
  const recover = async (rig: SlotRig): Promise<boolean> => {
    const emuSlot = emulated[rig.reader]!.slots[rig.index]!;
    const slot = readers[rig.reader]!.slots[rig.index]!;
    for (let attempt = 0; attempt < 50; attempt++) {
      if (emuSlot.card === undefined && !rig.reinserting) emuSlot.insert(cardFromOptions(rig.options));
      if (emuSlot.card === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      try {
        report.repowers++;
        await slot.powerOn();
        rig.oracle.reset();
        return true;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'untyped';
        report.errors[`powerOn ${code}`] = (report.errors[`powerOn ${code}`] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    return false;
  };

  const classify = (rig: SlotRig, apdu: Uint8Array, got: Uint8Array): void => {
    if (apdu[1] === 0xee && got.length >= 6) {
      const otherReader = got[0]!;
      const otherSlot = got[1]!;
      if (otherReader !== rig.reader || otherSlot !== rig.index) {
        report.misrouted++;
        return;
      }
    }
    report.corrupted++;
  };

  const worker = async (rig: SlotRig): Promise<void> => {
    const slot = readers[rig.reader]!.slots[rig.index]!;
    while (sent < total && performance.now() < deadline) {
      sent++;
      if (sent % removalEvery === 0) pullCard();
      const apdu = apduOf(rig, Math.floor(random() * 1_000_000));
      rig.step++;
      const expected = rig.oracle.answer(apdu);
      const cancel = random() < cancelRate;
      let signal = lifetime.signal;
      if (cancel) {
        const c = new AbortController();
        signal = AbortSignal.any([lifetime.signal, c.signal]);
        queueMicrotask(() => c.abort());
        report.cancels++;
      }
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const lostTimer = new Promise<'lost'>((resolve) => (watchdog = setTimeout(() => resolve('lost'), LOST_AFTER_MS)));
      const outcome = await Promise.race([
        slot.transmit(apdu, { signal }).then(
          (r) => ({ ok: true as const, raw: r.raw }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        lostTimer,
      ]);
      clearTimeout(watchdog);
      report.apdus++;
      if (outcome === 'lost') {
        report.lost++;
        return; // the slot is wedged: stop using it (the report shows it)
      }
      if (outcome.ok) {
        if (sameBytes(outcome.raw, expected)) report.correct++;
        else classify(rig, apdu, outcome.raw);
      } else {
        const code = (outcome.error as { code?: string }).code;
        if (code === undefined) report.untyped++;
        report.errors[code ?? 'untyped'] = (report.errors[code ?? 'untyped'] ?? 0) + 1;
        if (!(await recover(rig))) return;
      }
      if (!warm && (sent >= total / 10 || performance.now() - start >= (options.durationMs ?? Infinity) / 10)) {
        warm = true;
        // Measured from a macrotask, between APDUs of every slot.
        await new Promise((resolve) => setTimeout(resolve, 0));
        report.heapWarmMb = heapMb();
        report.resourcesWarm = resources();
      }
      const now = performance.now();
      if (options.onProgress !== undefined && now - lastProgress > 1000) {
        lastProgress = now;
        options.onProgress(sent, report);
      }
    }
  };

  await Promise.all(rigs.flat().map((rig) => worker(rig)));
  report.ms = performance.now() - start;
  report.rate = Math.round((report.apdus / report.ms) * 1000);
  await new Promise((resolve) => setTimeout(resolve, 10)); // let re-insertions land
  report.heapEndMb = heapMb();
  report.resourcesEnd = resources();
  report.heapGrowthPct = report.heapWarmMb > 0 ? ((report.heapEndMb - report.heapWarmMb) / report.heapWarmMb) * 100 : 0;
  report.abortListenersLeft = getEventListeners(lifetime.signal, 'abort').length;
  for (const reader of readers) {
    const st = reader.stats();
    report.discarded += Object.values(st.discarded).reduce((a, b) => a + b, 0);
    report.timeouts += st.timeouts;
  }
  report.faultsFired = emulated.reduce((n, e) => n + e.faults.fired, 0);
  await Promise.all(readers.map((r) => r.close()));
  await new Promise((resolve) => setTimeout(resolve, 10));
  report.resourcesAfterClose = resources();
  return report;
}

/** The checks of a soak report; an empty list means it passed. */
export function soakProblems(r: SoakReport): string[] {
  const p: string[] = [];
  if (r.misrouted !== 0) p.push(`${r.misrouted} misrouted answers`);
  if (r.corrupted !== 0) p.push(`${r.corrupted} corrupted answers`);
  if (r.lost !== 0) p.push(`${r.lost} lost APDUs`);
  if (r.untyped !== 0) p.push(`${r.untyped} errors that are not CcidErrors`);
  if (r.heapGrowthPct >= 5) p.push(`heap grew ${r.heapGrowthPct.toFixed(1)} % once warm`);
  const left = Object.entries(r.resourcesAfterClose).filter(([type, n]) => n > (r.resourcesBefore[type] ?? 0));
  if (left.length > 0) p.push(`handles left after close: ${left.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (r.abortListenersLeft !== 0) p.push(`${r.abortListenersLeft} abort listeners left on the caller's signal`);
  return p;
}
