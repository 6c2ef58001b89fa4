/**
 * Target `t1-session`: the T=1 protocol engine (`T1Session.transmit`) against a hostile
 * card: the exchange answers from a script of blocks (valid, corrupted, out of sequence,
 * S-requests of every kind, random bytes) and transport errors (ICC mute, timeout, reader
 * gone), then stays mute.
 *
 * Properties: `transmit` resolves with a response APDU or rejects with a `CcidError`,
 * nothing else; it uses a bounded number of exchanges (script length + the retries of
 * ISO/IEC 7816-3 §11.6.3: 3 attempts × (1 + 3 resynchronisations), 3 S(RESYNCH) each);
 * the session state stays within its ranges (IFSC 1..254); and when the card's first
 * answer is the right I-block, the response is its INF (decoding agrees with the block).
 */
import fc from 'fast-check';
import { ReaderGoneError, SlotError, TimeoutError, isCcidError } from '../../../src/errors.ts';
import type { SlotExchange, XfrOptions, XfrResult } from '../../../src/ccid/exchange.ts';
import { decodeT1Block, encodeIBlock, encodeRBlock, encodeSBlock, S_BLOCK_TYPES } from '../../../src/iso7816/t1/block.ts';
import type { T1Edc } from '../../../src/iso7816/t1/edc.ts';
import { T1Session } from '../../../src/iso7816/t1/session.ts';
import { describeError, hex, holds, FuzzViolation, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Prng } from '../prng.ts';

/** What the card does at one exchange. */
export type CardStep = { block: Uint8Array; chain: number } | { error: 'mute' | 'timeout' | 'gone' };

/** One session run. */
export interface SessionInput {
  edc: T1Edc;
  ifsc: number;
  negotiateIfsd: boolean;
  apdu: Uint8Array;
  script: CardStep[];
}

const MAX_SCRIPT = 40;
/** Exchanges allowed after the script ran out: §11.6.3 retries, generously counted. */
const RETRY_ALLOWANCE = 3 * 4 * 4 + 16;

class ScriptedCard implements SlotExchange {
  exchanges = 0;
  private at = 0;
  constructor(private readonly script: readonly CardStep[]) {}
  async xfrBlock(_data: Uint8Array, _options?: XfrOptions): Promise<XfrResult> {
    this.exchanges++;
    const step = this.script[this.at++] ?? { error: 'mute' as const };
    if ('error' in step) {
      if (step.error === 'mute') throw new SlotError('CCID_ERR_CARD_MUTE', 'ICC_MUTE', 'card mute (scripted)');
      if (step.error === 'timeout') throw new TimeoutError('scripted timeout', { timeoutMs: 1 });
      throw new ReaderGoneError('CCID_ERR_READER_GONE', 'scripted unplug');
    }
    return { data: step.block, bChainParameter: step.chain };
  }
}

async function check(input: SessionInput): Promise<boolean> {
  const card = new ScriptedCard(input.script);
  const session = new T1Session(card, { edc: input.edc, ifsc: input.ifsc, negotiateIfsd: input.negotiateIfsd, maxWtx: 8, timeoutMs: 10 });
  let ok = false;
  try {
    const response = await session.transmit(input.apdu);
    holds(response.raw.length >= 2 && response.raw.length <= 65538, `response of ${response.raw.length} bytes`);
    ok = true;
    const first = input.script[0];
    if (!input.negotiateIfsd && input.apdu.length <= input.ifsc && first !== undefined && 'block' in first && first.chain === 0) {
      // The card's first answer is a valid unchained I-block N(S)=0: rule 2 makes its INF the response.
      const b = decodeT1Block(first.block, input.edc);
      if (b.kind === 'I' && b.ns === 0 && !b.more && b.inf.length >= 2) holds(hex(response.raw) === hex(b.inf), 'response is not the INF of the first I-block');
    }
  } catch (error) {
    if (error instanceof FuzzViolation) throw error;
    if (!isCcidError(error)) throw new FuzzViolation(`T1Session.transmit rejected with ${describeError(error)}`, { cause: error });
  }
  holds(card.exchanges <= input.script.length + RETRY_ALLOWANCE, `${card.exchanges} exchanges for a script of ${input.script.length}`);
  const st = session.state;
  holds(st.ifsc >= 1 && st.ifsc <= 254 && st.ifsd >= 1 && st.ifsd <= 254, `state out of range: ${JSON.stringify(st)}`);
  return ok;
}

const nsArb = fc.constantFrom<0 | 1>(0, 1);
function stepArb(edc: T1Edc): fc.Arbitrary<CardStep> {
  const framing = { edc };
  const block = fc.oneof(
    fc.tuple(nsArb, fc.boolean(), fc.uint8Array({ maxLength: 40 })).map(([ns, more, inf]) => encodeIBlock(framing, ns, more, inf)),
    fc.tuple(nsArb, fc.constantFrom('none' as const, 'edc' as const, 'other' as const)).map(([nr, e]) => encodeRBlock(framing, nr, e)),
    fc.tuple(fc.constantFrom(...S_BLOCK_TYPES), fc.boolean(), fc.integer({ min: 1, max: 254 })).map(([t, r, v]) => encodeSBlock(framing, t, r, t === 'IFS' || t === 'WTX' ? v : undefined)),
    fc.uint8Array({ maxLength: 12 }),
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(block, fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(255) })).map(([b, chain]) => ({ block: b, chain })) },
    { weight: 1, arbitrary: fc.constantFrom<CardStep>({ error: 'mute' }, { error: 'timeout' }, { error: 'gone' }) },
  );
}

function arbitrary(): fc.Arbitrary<SessionInput> {
  return fc.constantFrom<T1Edc>('lrc', 'crc').chain((edc) =>
    fc.record({
      edc: fc.constant(edc),
      ifsc: fc.oneof(fc.constantFrom(1, 32, 254), fc.integer({ min: 1, max: 254 })),
      negotiateIfsd: fc.boolean(),
      apdu: fc.uint8Array({ minLength: 4, maxLength: 300 }),
      script: fc.array(stepArb(edc), { maxLength: MAX_SCRIPT }),
    }),
  );
}

/** A plausible exchange (the right I-block answer), then the same corrupted by byte mutation. */
function mutate(rng: Prng): SessionInput {
  const edc: T1Edc = rng.chance(0.5) ? 'lrc' : 'crc';
  const apdu = rng.bytes(4 + rng.int(20));
  const script: CardStep[] = [];
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) {
    const good = encodeIBlock({ edc }, (i & 1) as 0 | 1, i < n - 1, rng.bytes(2 + rng.int(30)));
    script.push({ block: rng.chance(0.6) ? mutateBytes(good, rng, { maxLength: 64, maxStack: 2 }) : good, chain: 0 });
    if (i < n - 1 && rng.chance(0.3)) script.push({ block: encodeSBlock({ edc }, 'WTX', false, 1 + rng.int(5)), chain: 0 });
  }
  return { edc, ifsc: rng.pick([1, 16, 32, 254]), negotiateIfsd: rng.chance(0.3), apdu, script };
}

/** The `t1-session` target. */
export function t1SessionTarget(): FuzzTarget<SessionInput> {
  return {
    name: 't1-session',
    description: 'T1Session.transmit against a hostile scripted card: resolves or rejects with a CcidError, bounded exchanges, state in range, right I-block → its INF',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
