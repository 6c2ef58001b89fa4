/**
 * The test bench of the fault matrix: an emulated 8-slot reader per exchange level, a
 * virtual card in every slot with its independent oracle (`cardOracle`: the same card
 * model run at APDU level, outside the driver), opened through the public `openReader`.
 *
 * | exchange | reader | cards |
 * |---|---|---|
 * | TPDU T=0 | sysmoOCTSIM (the real 8-slot reader's descriptors) | T=0 only |
 * | TPDU T=1 | synthetic 8-slot TPDU reader, T=0 and T=1 | T=1 only, IFSC 32 (so longer APDUs chain) |
 * | short APDU | synthetic 8-slot short-APDU reader | T=0 and T=1 |
 * | extended APDU | synthetic 8-slot extended-APDU reader (dwMaxCCIDMessageLength 271: XfrBlock chaining) | T=0 and T=1 |
 *
 * Each slot's APDUs carry data that depends on the slot and the step, and GET CHALLENGE
 * answers from the card's seeded generator, so an answer routed to the wrong slot, or one
 * lost, cannot match that slot's oracle.
 */
import { openReader, type Reader, type OpenReaderOptions } from '../../src/reader/index.ts';
import { cardFromOptions, cardOracle, createEmulatedReader, synthesizeFixture, type CardOptions, type CardOracle, type EmulatedReader, type EmulatedReaderOptions, type SimCard } from '../../src/sim/index.ts';
import { run } from './virtual-time.ts';

/** The four exchange columns of the matrix. */
export const EXCHANGES = ['tpdu-t0', 'tpdu-t1', 'short-apdu', 'extended-apdu'] as const;
/** One exchange column. */
export type Exchange = (typeof EXCHANGES)[number];

/** How each exchange column is named in the README table. */
export const EXCHANGE_LABEL: Readonly<Record<Exchange, string>> = {
  'tpdu-t0': 'TPDU T=0',
  'tpdu-t1': 'TPDU T=1',
  'short-apdu': 'short APDU',
  'extended-apdu': 'extended APDU',
};

/** Slots of every bench reader. */
export const SLOTS = 8;

const PROFILES = {
  'tpdu-t0': 'sysmoOCTSIM',
  'tpdu-t1': synthesizeFixture({ name: 'faults-tpdu-8', slots: SLOTS, level: 'tpdu', protocols: 3, comments: ['fault matrix: 8-slot TPDU reader, T=0 and T=1'] }),
  'short-apdu': synthesizeFixture({ name: 'faults-short-8', slots: SLOTS, level: 'short-apdu', productId: 0xcc11 }),
  'extended-apdu': synthesizeFixture({ name: 'faults-extended-8', slots: SLOTS, level: 'extended-apdu', productId: 0xcc12 }),
} as const;

/** The options of the card in `slot` for an exchange column (the oracle is built from the same). */
export function cardOptions(exchange: Exchange, slot: number): CardOptions {
  const protocol = exchange === 'tpdu-t0' ? 0 : exchange === 'tpdu-t1' ? 1 : 'both';
  return { protocol, seed: 100 + slot, applets: ['test-commands'], processingMs: 2, fi: 512, di: 32, ...(exchange === 'tpdu-t1' ? { ifsc: 32 } : {}) };
}

function pattern(slot: number, step: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_v, i) => (slot * 37 + step * 11 + i) & 0xff);
}

/**
 * APDU number `step` for `slot`: GET CHALLENGE, ECHO, GET DATA in turn, short ones (T=1:
 * an ECHO of 100 bytes chains over IFSC 32), extended ones at the extended-APDU level.
 */
export function apduFor(exchange: Exchange, slot: number, step: number): Uint8Array {
  switch (step % 3) {
    case 0:
      return Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08);
    case 1: {
      if (exchange === 'extended-apdu') {
        const data = pattern(slot, step, 300);
        return Uint8Array.of(0x80, 0xee, 0x00, 0x00, 0x00, 0x01, 0x2c, ...data, 0x00, 0x00);
      }
      const data = pattern(slot, step, exchange === 'tpdu-t1' ? 100 : 20);
      return Uint8Array.of(0x80, 0xee, 0x00, 0x00, data.length, ...data, 0x00);
    }
    default:
      return exchange === 'extended-apdu' ? Uint8Array.of(0x00, 0xca, 0x01, 0x2c, 0x00, 0x01, 0x2c) : Uint8Array.of(0x00, 0xca, 0x00, 0x20 + slot, 0x20 + slot);
  }
}

/** One opened bench. */
export interface Bench {
  readonly exchange: Exchange;
  readonly emulated: EmulatedReader;
  readonly reader: Reader;
  readonly cards: SimCard[];
  readonly oracles: CardOracle[];
  /** Next APDU step per slot. */
  readonly steps: number[];
}

/** Opens the bench of an exchange column, every slot powered on. */
export async function openBench(exchange: Exchange, readerOptions: EmulatedReaderOptions = {}, openOptions: OpenReaderOptions = {}): Promise<Bench> {
  const emulated = createEmulatedReader(PROFILES[exchange], { timeScale: 1, timeExtensionIntervalMs: 200, ...readerOptions });
  const cards: SimCard[] = [];
  const oracles: CardOracle[] = [];
  for (let s = 0; s < SLOTS; s++) {
    const card = cardFromOptions(cardOptions(exchange, s));
    emulated.slots[s]!.insert(card);
    cards.push(card);
    oracles.push(cardOracle(cardOptions(exchange, s)));
  }
  const reader = await run(openReader(emulated.device, openOptions), 'openReader');
  for (const slot of reader.slots) await run(slot.powerOn(), `power on slot ${slot.index}`);
  return { exchange, emulated, reader, cards, oracles, steps: new Array<number>(SLOTS).fill(0) };
}

/** The outcome of one APDU. */
export type ApduOutcome = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string; readonly error: unknown } | { readonly ok: 'wrong'; readonly message: string };

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * Sends the slot's next APDU and checks the answer against the slot's oracle. The oracle
 * is advanced whatever happens (a card that got the command ran it, whether or not the
 * answer made it back); `recover` resets both after a re-power.
 */
export async function nextApdu(bench: Bench, slot: number, signal?: AbortSignal): Promise<ApduOutcome> {
  const step = bench.steps[slot]!++;
  const apdu = apduFor(bench.exchange, slot, step);
  const expected = bench.oracles[slot]!.answer(apdu);
  try {
    const response = await bench.reader.slots[slot]!.transmit(apdu, signal === undefined ? {} : { signal });
    if (hex(response.raw) === hex(expected)) return { ok: true };
    return { ok: 'wrong', message: `slot ${slot} step ${step}: got ${hex(response.raw).slice(0, 80)}, oracle ${hex(expected).slice(0, 80)}` };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'not a CcidError';
    return { ok: false, code, message: error instanceof Error ? error.message : String(error), error };
  }
}

/** Powers the slot on again (after a fault), with the oracle reset to match the card. */
export async function repower(bench: Bench, slot: number): Promise<void> {
  await bench.reader.slots[slot]!.powerOn();
  bench.oracles[slot]!.reset();
}
