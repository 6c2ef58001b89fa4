/**
 * `--sim [PROFILE]`: the emulated USB host a command runs on instead of the real bus.
 * A reader of the profile (default: a sysmoOCTSIM, 8 slots) with a virtual card in every
 * slot: hello world and USIM applets on one card ({@link combinedCard}), each slot with its
 * own seed, so ICCIDs and IMSIs differ. Card times are realistic: the emulator clocks
 * bytes at the reader's clock and the Fi/Di in force (1 etu = Fi / (Di · f), ISO/IEC
 * 7816-3 §7.1), and every APDU adds {@link SIM_PROCESSING_MS} of card processing.
 *
 * PROFILE is a built-in profile name (`ccid sim --list`) or a descriptor fixture file
 * (`*.desc`, e.g. one of libccid's 592 under `../shared/reference/libccid/fixtures/`).
 *
 * Tests reach the emulator through {@link onSimSession}: it reports each session as it
 * is made, so a test can insert and remove cards while a command runs.
 */
import { ArgumentError } from '../errors.ts';
import { SimHost, combinedCard, createEmulatedReader, loadProfile, type EmulatedReader, type ReaderProfile, type SimTraceEvent } from '../sim/index.ts';
import { loadProfileFile } from '../sim/profiles-node.ts';
import type { OptionSpec } from './args.ts';

/** The profile `--sim` uses without a value: the 8-slot reader of the benchmark. */
export const DEFAULT_SIM_PROFILE = 'sysmoOCTSIM';

/**
 * Card processing time per APDU of the virtual cards, in ms. Real SIMs take 5 to 50 ms
 * for a SELECT or a READ BINARY; 12 ms keeps the demo's per-slot times realistic.
 */
export const SIM_PROCESSING_MS = 12;

/** The global `--sim [PROFILE]` option. */
export const SIM_OPTION: OptionSpec = {
  name: 'sim',
  takesValue: true,
  optionalValue: true,
  description: `run on the built-in emulator instead of USB (PROFILE: ccid sim --list, or a .desc file; default ${DEFAULT_SIM_PROFILE})`,
};

/** An emulated host with its readers, as `--sim` makes it. */
export interface SimSession {
  /** The host handed to the command (a {@link UsbHost}). */
  readonly host: SimHost;
  /** Profile name (built-in name or fixture file name). */
  readonly profile: string;
  /** The readers plugged (one per session today). */
  readonly readers: readonly EmulatedReader[];
  /** Virtual cards inserted at start, all readers and slots together. */
  readonly cards: number;
}

/** Options of {@link createSimSession}. */
export interface SimSessionOptions {
  /** Multiplier on every emulated time (0: instant answers). @default 1 */
  readonly timeScale?: number;
  /** Card processing time per APDU, ms. @default {@link SIM_PROCESSING_MS} */
  readonly processingMs?: number;
  /** Insert a card in every slot. @default true */
  readonly cards?: boolean;
}

type SessionListener = (session: SimSession) => void;
const listeners = new Set<SessionListener>();
type TraceListener = (event: SimTraceEvent) => void;
const tracers = new Set<TraceListener>();

/**
 * Calls `listener` with every USB transfer the emulated readers of sessions made from now
 * on see, as the device sees them (tests compare captures with it). Returns the
 * unsubscribe. Without listeners the emulator runs without a trace hook (no cost).
 */
export function traceSimSessions(listener: TraceListener): () => void {
  tracers.add(listener);
  return () => tracers.delete(listener);
}

/**
 * Calls `listener` with every session {@link createSimSession} makes from now on (tests
 * use it to insert and remove cards during `ccid scan --sim`). Returns the unsubscribe.
 */
export function onSimSession(listener: SessionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function resolveProfile(spec: string): { profile: ReaderProfile; name: string } {
  if (spec.endsWith('.desc')) {
    const profile = loadProfileFile(spec);
    return { profile, name: profile.name };
  }
  return { profile: loadProfile(spec), name: spec };
}

/** The card {@link createSimSession} puts in a slot: hello world + USIM, seeded by its position. */
export function simCardFor(seed: number, processingMs = SIM_PROCESSING_MS): ReturnType<typeof combinedCard> {
  return combinedCard({ seed, processingMs, label: `hello-world+usim #${seed}` });
}

/**
 * Builds the emulated host for `--sim PROFILE`.
 * @throws {ArgumentError} for an unknown profile name.
 * @throws {FixtureError} for an unreadable or non-CCID fixture file.
 */
export function createSimSession(spec: string = DEFAULT_SIM_PROFILE, options: SimSessionOptions = {}): SimSession {
  if (spec.trim() === '') throw new ArgumentError('--sim takes a profile name; see ccid sim --list');
  const { profile, name } = resolveProfile(spec);
  const trace = tracers.size === 0 ? undefined : (event: SimTraceEvent) => {
    for (const t of [...tracers]) t(event);
  };
  const reader = createEmulatedReader(profile, { timeScale: options.timeScale ?? 1, serialNumber: 'SIM0001', ...(trace === undefined ? {} : { trace }) });
  let cards = 0;
  if (options.cards ?? true) {
    for (const fn of reader.functions) {
      for (const slot of fn.slots) slot.insert(simCardFor(++cards, options.processingMs));
    }
  }
  const session: SimSession = { host: new SimHost([reader]), profile: name, readers: [reader], cards };
  for (const listener of [...listeners]) listener(session);
  return session;
}

/** The profile `--sim` asks for, or undefined without `--sim`. */
export function simProfileOf(options: ReadonlyMap<string, string | true>): string | undefined {
  const value = options.get('sim');
  if (value === undefined) return undefined;
  return value === true ? DEFAULT_SIM_PROFILE : value;
}
