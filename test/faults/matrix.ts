/**
 * The fault matrix: what each fault must end in, per exchange level, with one slot busy or
 * all eight. Each expectation names the documented outcome (the error code of
 * `src/errors.ts` and where the behaviour is written down) or a transparent recovery, and
 * a deadline. `matrix.test.ts` runs every cell against it; `FAULT_TABLE=file` makes the
 * test write the table of what it observed, for the README.
 */
import type { CcidErrorCode } from '../../src/errors.ts';
import { cardFromOptions } from '../../src/sim/index.ts';
import type { FaultCase, SlotMode } from './cell.ts';
import { cardOptions, nextApdu, repower, type ApduOutcome, type Bench, type Exchange } from './env.ts';

/** What a cell must end in. */
export type Expectation =
  | {
      readonly kind: 'transparent';
      /** Latest acceptable end of slot 0's APDUs, in ms of (virtual) time. */
      readonly maxMs: number;
      readonly why: string;
    }
  | {
      readonly kind: 'error';
      readonly code: CcidErrorCode;
      /** The APDU (0-based) that fails; the ones before it are answered correctly. */
      readonly at?: number;
      readonly minMs?: number;
      readonly maxMs: number;
      /** How slot 0 comes back: a power-on, a new card then a power-on, or not at all (reader gone). */
      readonly recovery: 'power-on' | 'new card' | 'none';
      /** What the other slots see: their own correct answers, or the same fate (the fault is reader-wide). */
      readonly others: 'unaffected' | { readonly code: CcidErrorCode; readonly why: string };
      readonly why: string;
    }
  | { readonly kind: 'na'; readonly why: string };

/** Facts of the cell's bench the deadlines derive from. */
export interface CellFacts {
  readonly exchange: Exchange;
  readonly mode: SlotMode;
  /** Slot 0's read timeout (the card-derived deadline of one exchange), in ms. */
  readonly readTimeoutMs: number;
}

/** The engine's defaults the deadlines use (EngineOptions, src/ccid/engine.ts). */
export const ENGINE_MAX_DURATION_MS = 300_000;
export const ENGINE_ABORT_WAIT_MS = 2_000;
/** Slack for the exchanges around a fault (a few card and wire times). */
const SLACK_MS = 250;

/** A row of the matrix: the fault and its expectation per cell. */
export interface MatrixRow extends FaultCase {
  /** A stable id for test names. */
  readonly id: string;
  readonly expect: (facts: CellFacts) => Expectation;
}

const isT1 = (e: Exchange) => e === 'tpdu-t1';
const apduLevel = (e: Exchange) => e === 'short-apdu' || e === 'extended-apdu';

/** The APDU that the stale-frame row aborts: WAIT 200 ms (test-commands applet). */
const WAIT_200 = Uint8Array.of(0x80, 0x10, 0x00, 0xc8);

/** stale-frame: slot 0's first APDU (a 200 ms WAIT) is cancelled by its caller after 50 ms; the reader then sends the aborted command's late answer after the Abort answer. */
async function cancelThenContinue(bench: Bench): Promise<ApduOutcome[]> {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const out: ApduOutcome[] = [];
  try {
    await bench.reader.slots[0]!.transmit(WAIT_200, { signal: controller.signal });
    out.push({ ok: 'wrong', message: 'the cancelled WAIT was answered' });
  } catch (error) {
    out.push({ ok: false, code: (error as { code?: string }).code ?? 'not a CcidError', message: String(error), error });
  }
  bench.oracles[0]!.answer(WAIT_200); // the card ran it (no state) whatever the host saw
  for (let i = 0; i < 2; i++) {
    const o = await nextApdu(bench, 0);
    out.push(o);
    if (o.ok !== true) break;
  }
  return out;
}

async function newCard(bench: Bench): Promise<void> {
  bench.emulated.slots[0]!.insert(cardFromOptions(cardOptions(bench.exchange, 0)));
  await repower(bench, 0);
}

/** Every row, in README order. */
export const MATRIX: readonly MatrixRow[] = [
  {
    id: 'card-removed',
    label: 'card removed mid-command',
    spec: { kind: 'card-removed-mid-command' },
    recover: newCard,
    expect: (f) => ({
      kind: 'error',
      code: 'CCID_ERR_CARD_REMOVED',
      maxMs: f.readTimeoutMs,
      recovery: 'new card',
      others: 'unaffected',
      why: 'the reader answers "ICC absent" (bmICCStatus 2); the slot API maps CARD_ABSENT to CARD_REMOVED (src/reader/card-errors.ts)',
    }),
  },
  {
    id: 'unplug',
    label: 'reader unplugged mid-transfer',
    spec: { kind: 'unplug-mid-transfer' },
    expect: () => ({
      kind: 'error',
      code: 'CCID_ERR_READER_GONE',
      maxMs: SLACK_MS,
      recovery: 'none',
      others: { code: 'CCID_ERR_READER_GONE', why: 'an unplug fails everything pending and later with READER_GONE (src/reader/reader.ts lifecycle)' },
      why: 'CCID_ERR_USB_DEVICE_GONE from a transfer moves the engine to `gone` (src/ccid/engine.ts)',
    }),
  },
  {
    id: 'wrong-bseq',
    label: 'wrong bSeq',
    spec: { kind: 'wrong-bseq' },
    expect: (f) =>
      isT1(f.exchange)
        ? { kind: 'transparent', maxMs: 2 * f.readTimeoutMs + SLACK_MS, why: 'the answer is discarded (unknown-seq); at the block deadline T=1 asks again with an R-block (ISO/IEC 7816-3 §11.6.3 rule 7.6) and the card resends its block' }
        : {
            kind: 'error',
            code: 'CCID_ERR_TIMEOUT',
            minMs: f.readTimeoutMs,
            maxMs: f.readTimeoutMs + SLACK_MS,
            recovery: 'power-on',
            others: 'unaffected',
            why: 'the answer is discarded (never handed to another caller); the command times out at the card-derived read timeout and is aborted (CCID 1.1 §5.3.1)',
          },
  },
  {
    id: 'duplicate',
    label: 'duplicated frame',
    spec: { kind: 'duplicate-frame' },
    expect: () => ({ kind: 'transparent', maxMs: SLACK_MS, why: 'the second copy finds its bSeq answered and is discarded (duplicate)' }),
  },
  {
    id: 'stale',
    label: 'stale frame after abort',
    spec: { kind: 'stale-frame' },
    drive: cancelThenContinue,
    expect: () => ({
      kind: 'error',
      code: 'CCID_ERR_CANCELLED',
      at: 0,
      maxMs: 50 + 2 * 200 + ENGINE_ABORT_WAIT_MS,
      recovery: 'none',
      others: 'unaffected',
      why: 'the cancelled caller fails at once; the aborted bSeq stays reserved, so its late answer after the Abort answer is discarded (late) and the next APDUs get their own answers',
    }),
  },
  {
    id: 'truncated',
    label: 'truncated frame',
    spec: { kind: 'truncate-frame' },
    expect: (f) =>
      isT1(f.exchange)
        ? { kind: 'transparent', maxMs: 2 * f.readTimeoutMs + SLACK_MS, why: 'the cut message never completes; at the block deadline T=1 asks again (rule 7.6) and the card resends its block' }
        : {
            kind: 'error',
            code: 'CCID_ERR_TIMEOUT',
            minMs: f.readTimeoutMs,
            maxMs: f.readTimeoutMs + SLACK_MS,
            recovery: 'power-on',
            others: 'unaffected',
            why: 'the cut message never completes (dropped as truncated when the next frame starts); the command times out and is aborted',
          },
  },
  {
    id: 'split',
    label: 'split frame',
    spec: { kind: 'split-frame' },
    expect: () => ({ kind: 'transparent', maxMs: SLACK_MS, why: 'the reassembler joins the pieces, zero-length transfers included (src/ccid/reassembler.ts)' }),
  },
  {
    id: 'stall',
    label: 'bulk-IN stall',
    spec: { kind: 'stall-bulk-in' },
    expect: () => ({ kind: 'transparent', maxMs: SLACK_MS, why: 'the read loop clears the halt (clearHalt) and reads the answer' }),
  },
  {
    id: 'endless-wtx',
    label: 'endless time extension',
    spec: { kind: 'endless-time-extension' },
    expect: (f) =>
      isT1(f.exchange)
        ? {
            kind: 'transparent',
            maxMs: ENGINE_MAX_DURATION_MS + f.readTimeoutMs + SLACK_MS,
            why: 'time extensions stretch the deadline up to maxDurationMs (300 s); then T=1 asks again (rule 7.6) and the card answers',
          }
        : {
            kind: 'error',
            code: 'CCID_ERR_TIMEOUT',
            minMs: Math.max(f.readTimeoutMs, ENGINE_MAX_DURATION_MS),
            maxMs: Math.max(f.readTimeoutMs, ENGINE_MAX_DURATION_MS) + SLACK_MS,
            recovery: 'power-on',
            others: 'unaffected',
            why: 'time extensions stretch the deadline, never past max(read timeout, maxDurationMs = 300 s); then the command is aborted',
          },
  },
  {
    id: 'mute',
    label: 'mute card',
    spec: { kind: 'mute-card' },
    expect: (f) =>
      isT1(f.exchange)
        ? { kind: 'transparent', maxMs: f.readTimeoutMs + SLACK_MS, why: 'ICC_MUTE for one block is a lost block: T=1 sends an R-block (rule 7.6) and the exchange goes on' }
        : {
            kind: 'error',
            code: 'CCID_ERR_CARD_MUTE',
            maxMs: f.readTimeoutMs,
            recovery: 'power-on',
            others: 'unaffected',
            why: 'the reader answers ICC_MUTE after the card waiting time; kept as SlotError CARD_MUTE (src/reader/card-errors.ts)',
          },
  },
  {
    id: 't1-corrupt',
    label: 'T=1 block corruption (one block)',
    spec: { kind: 't1-corrupt', direction: 'both' },
    expect: (f) =>
      isT1(f.exchange)
        ? { kind: 'transparent', maxMs: SLACK_MS, why: 'a bad EDC or coding gets an R-block (rule 7.1/7.2) and the block is sent again' }
        : { kind: 'na', why: apduLevel(f.exchange) ? 'the reader runs T=1 itself, no block reaches the host' : 'T=0 card, no T=1 blocks' },
  },
  {
    id: 't1-corrupt-always',
    label: 'T=1 block corruption (every block)',
    spec: { kind: 't1-corrupt', direction: 'both', trigger: 'always' },
    expect: (f) =>
      isT1(f.exchange)
        ? {
            kind: 'error',
            code: 'CCID_ERR_CARD_PROTOCOL',
            maxMs: 20 * f.readTimeoutMs,
            recovery: 'power-on',
            others: 'unaffected',
            why: 'T=1 error recovery is bounded: 3 attempts per step, then S(RESYNCH) 3 times, then give up (ISO/IEC 7816-3 §11.6.3 rule 7.4)',
          }
        : { kind: 'na', why: apduLevel(f.exchange) ? 'the reader runs T=1 itself, no block reaches the host' : 'T=0 card, no T=1 blocks' },
  },
  {
    id: 'storm',
    label: 'interrupt notification storm',
    spec: { kind: 'notification-storm', count: 50 },
    expect: () => ({
      kind: 'error',
      code: 'CCID_ERR_CARD_REMOVED',
      at: 1,
      maxMs: SLACK_MS,
      recovery: 'power-on',
      others: { code: 'CCID_ERR_CARD_REMOVED', why: 'the storm sets every slot\'s changed bit: each slot\'s card counts as swapped' },
      why: 'the APDU in flight completes; "changed" with a card present means the card was swapped (src/ccid/card-state.ts), so the session ends and the next APDU is refused until a power-on',
    }),
  },
  {
    id: 'hardware-error',
    label: 'hardware error (HW_ERROR + interrupt)',
    spec: { kind: 'hardware-error' },
    expect: () => ({
      kind: 'error',
      code: 'CCID_ERR_CARD_PROTOCOL',
      maxMs: SLACK_MS,
      recovery: 'power-on',
      others: 'unaffected',
      why: 'bError HW_ERROR maps to CardProtocolError with the reason (src/reader/card-errors.ts); the interrupt HardwareError is emitted as `hardwareError`',
    }),
  },
];
