/**
 * The host side of the T=1 block protocol for one card (ISO/IEC 7816-3:2006 §11), at
 * CCID TPDU level: each block goes out in one PC_to_RDR_XfrBlock and the card's next
 * block comes back in the RDR_to_PC_DataBlock.
 *
 * State: N(S) of our next I-block, N(R) (the N(S) we expect from the card), IFSC, IFSD,
 * EDC and NAD. One session per activation: after a cold or warm reset make a new one.
 *
 * Rules, as numbered in §11.6.2 (error-free operation) and §11.6.3 (error handling), and
 * cited at the branch that implements each one:
 * - rule 1: the interface device sends the first block (an I-block with N(S) = 0, or an
 *   S-block: here S(IFS request) when IFSD is negotiated).
 * - rule 2: an I-block is acknowledged by an I-block of the other side (N(S) alternates).
 * - rule 3: S(WTX request) is answered by S(WTX response) with the same INF; the next
 *   exchange waits that many BWTs (bBWI of XfrBlock, and a longer host deadline).
 * - rule 4: S(IFS request) from the card sets IFSC; ours announces IFSD; each is answered
 *   by S(IFS response) with the same INF.
 * - rule 5: chaining: a chained I-block (M = 1) is acknowledged by R(N(R)) naming the
 *   next expected I-block, both directions.
 * - rule 6: S(RESYNCH request) is sent only by the interface device; once answered, both
 *   sides restart from N(S) = 0 with the initial IFSC/IFSD.
 * - rule 7: error handling: an invalid block (7.1) or no block before BWT expires (7.6)
 *   is answered by an R-block naming the expected I-block, error bits set (EDC or other);
 *   an R-block naming our own last I-block asks for its retransmission (7.2); an invalid
 *   answer to an S(… request) makes us resend the request (7.3); after three failed
 *   attempts at one step the link is resynchronised (7.4), and after three failed
 *   S(RESYNCH request)s we give up (the card then needs a reset).
 * - rule 8: the card's side of the same rules (implemented by the card, not here).
 * - rule 9: S(ABORT request) from the card is answered by S(ABORT response) and the
 *   command fails.
 *
 * Bounded everywhere: at most {@link T1_MAX_ATTEMPTS} attempts per step,
 * {@link T1_MAX_RESYNCH} resynchronisations per APDU (each one restarts the APDU, so a
 * command the card had already run may run again — the price of §11.6.3 recovery), a
 * maximum number of WTX requests and of card I-blocks per APDU. Any failure past these
 * bounds is a `CardProtocolError('CCID_ERR_CARD_PROTOCOL')`.
 */
import { SerialQueue } from '../../util/serial-queue.ts';
import type { SlotExchange } from '../../ccid/exchange.ts';
import { ArgumentError, CardProtocolError, SlotError, TimeoutError } from '../../errors.ts';
import { ownedResponseApdu, type ResponseApdu } from '../apdu.ts';
import type { ApduTransport, TransmitOptions } from '../processors/apdu-transport.ts';
import { throwIfAborted } from '../processors/cancel.ts';
import {
  decodeT1Block,
  describeT1Block,
  encodeIBlock,
  encodeRBlock,
  encodeSBlock,
  INF_MAX,
  type SBlockType,
  type T1Block,
  type T1Framing,
  type T1InvalidBlock,
} from './block.ts';
import { edcLength, type T1Edc } from './edc.ts';

/** Attempts per step (the first sending plus two retransmissions) before resynchronising (rule 7.4). */
export const T1_MAX_ATTEMPTS = 3;
/** Resynchronisations per APDU before giving up (rule 7.4). */
export const T1_MAX_RESYNCH = 3;
/** Default IFSC and IFSD (§11.4.2). */
export const T1_IFS_DEFAULT = 32;
/** Largest response accepted: 65536 data bytes and SW1 SW2. */
const MAX_RESPONSE_LENGTH = 65538;
/** S(IFS request)s from the card accepted during one APDU. */
const MAX_CARD_IFS_REQUESTS = 16;
/** CCID header of PC_to_RDR_XfrBlock (CCID 1.1 §6.1). */
const CCID_HEADER_LENGTH = 10;

/** What the session reports to `onTrace`: each block as it leaves or arrives. */
export interface T1TraceEvent {
  readonly direction: 'to-card' | 'from-card';
  /** The bytes; empty for a block that never came (card mute, timeout). */
  readonly bytes: Uint8Array;
  /** `I(N(S)=0, M) 32 byte(s)`, `no block (ICC mute)`... */
  readonly text: string;
}

/** Options of a {@link T1Session}. */
export interface T1SessionOptions {
  /** IFSC from the first TA for T=1 of the ATR (§11.4.2), 1–254. Default 32. */
  ifsc?: number;
  /** IFSD this side announces with S(IFS request), 1–254. Default 254 (capped to the reader's message size). */
  ifsd?: number;
  /**
   * Send S(IFS request) before the first I-block (rule 1, rule 4): needed when the reader
   * does not do it itself (dwFeatures lacks 0x00000400, "automatic IFSD exchange").
   * Default false: IFSD stays 32 until negotiated.
   */
  negotiateIfsd?: boolean;
  /** EDC from the first TC for T=1 of the ATR (§11.4.4). Default `'lrc'`. */
  edc?: T1Edc;
  /** NAD of every block we send (§11.3.2.1). Default 0. */
  nad?: number;
  /** dwMaxCCIDMessageLength: a block must fit in one XfrBlock with its 10-byte header. Default 271. */
  maxMessageLength?: number;
  /** Deadline of one block exchange in milliseconds (from BWT, see `timeouts.ts`); multiplied by WTX. CCID layer default when absent. */
  timeoutMs?: number;
  /** Most S(WTX request)s honoured for one APDU. Default 1000 (a card may legitimately work for minutes). */
  maxWtx?: number;
  /** Called with the multiplier each time the card asks for more time (rule 3). */
  onWaitingTimeExtension?: (multiplier: number) => void;
  /** Called for every block sent and received; costs nothing when absent. */
  onTrace?: (event: T1TraceEvent) => void;
}

/** A snapshot of the session state. */
export interface T1State {
  /** N(S) of our next new I-block. */
  readonly ns: 0 | 1;
  /** N(R): the N(S) expected in the card's next I-block. */
  readonly nr: 0 | 1;
  /** Largest INF the card accepts (from the ATR, or its S(IFS request)). */
  readonly ifsc: number;
  /** Largest INF we accept (32 until S(IFS) negotiation succeeded). */
  readonly ifsd: number;
  readonly edc: T1Edc;
  readonly nad: number;
  /** True when the next APDU starts with S(RESYNCH request) (after a failure or a cancel). */
  readonly resynchPending: boolean;
}

/** No block came back (ICC mute, host deadline): rule 7.6 treats it like an invalid block. */
interface LostBlock {
  readonly kind: 'lost';
  readonly reason: string;
}
type Received = T1Block | T1InvalidBlock | LostBlock;

/** Thrown inside the session when a step failed {@link T1_MAX_ATTEMPTS} times (rule 7.4). */
class LinkLost {
  constructor(readonly reason: string) {}
}

function checkIfs(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > INF_MAX) {
    throw new ArgumentError(`${name} must be in 1–${INF_MAX} (ISO/IEC 7816-3 §11.4.2), got ${value}`);
  }
}

function giveUp(reason: string): CardProtocolError {
  return new CardProtocolError('CCID_ERR_CARD_PROTOCOL', `T=1: ${reason}`);
}

/**
 * The T=1 protocol with one card. `transmit` sends an APDU as a chain of I-blocks and
 * returns the card's chained answer; calls are serialised.
 *
 * @example
 * const t1 = new T1Session(exchange, { ifsc: atr.ifsc ?? 32, edc: 'lrc', negotiateIfsd: true });
 * const { data, sw } = await t1.transmit(fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01'));
 */
export class T1Session implements ApduTransport {
  readonly #exchange: SlotExchange;
  readonly #options: T1SessionOptions;
  readonly #framing: T1Framing;
  readonly #initialIfsc: number;
  readonly #wantedIfsd: number;
  /** Largest INF one XfrBlock can carry with this reader. */
  readonly #messageCap: number;
  #ns: 0 | 1 = 0;
  #nr: 0 | 1 = 0;
  #ifsc: number;
  #ifsd = T1_IFS_DEFAULT;
  #ifsdPending: boolean;
  #resynchPending = false;
  readonly #queue = new SerialQueue();

  constructor(exchange: SlotExchange, options: T1SessionOptions = {}) {
    this.#exchange = exchange;
    this.#options = options;
    const edc = options.edc ?? 'lrc';
    this.#framing = { edc, nad: options.nad ?? 0 };
    const maxMessageLength = options.maxMessageLength ?? 271;
    this.#messageCap = Math.min(INF_MAX, maxMessageLength - CCID_HEADER_LENGTH - 3 - edcLength(edc));
    if (this.#messageCap < 1) throw new ArgumentError(`dwMaxCCIDMessageLength ${maxMessageLength} leaves no room for a T=1 block`);
    this.#initialIfsc = options.ifsc ?? T1_IFS_DEFAULT;
    checkIfs('IFSC', this.#initialIfsc);
    this.#ifsc = this.#initialIfsc;
    this.#wantedIfsd = Math.min(options.ifsd ?? INF_MAX, this.#messageCap);
    checkIfs('IFSD', this.#wantedIfsd);
    this.#ifsdPending = options.negotiateIfsd ?? false;
  }

  /** The current N(S), N(R), IFSC, IFSD, EDC and NAD. */
  get state(): T1State {
    return {
      ns: this.#ns,
      nr: this.#nr,
      ifsc: this.#ifsc,
      ifsd: this.#ifsd,
      edc: this.#framing.edc,
      nad: this.#framing.nad ?? 0,
      resynchPending: this.#resynchPending,
    };
  }

  /** Sends one command APDU and returns the response APDU. */
  transmit(apdu: Uint8Array, options?: TransmitOptions): Promise<ResponseApdu> {
    return this.#serial(async () => ownedResponseApdu(await this.#transmitRaw(apdu, options?.signal)));
  }

  /**
   * Sends S(IFS request) with the wanted IFSD now (rule 4) and returns whether the card
   * accepted it. After three failed attempts the link is resynchronised and IFSD stays 32.
   */
  negotiateIfsd(options?: TransmitOptions): Promise<boolean> {
    return this.#serial(() => this.#negotiateIfsd(options?.signal));
  }

  /** Resynchronises the link with S(RESYNCH request) (rule 6). @throws {CardProtocolError} after three failures. */
  resynchronize(options?: TransmitOptions): Promise<void> {
    return this.#serial(() => this.#resynch(options?.signal));
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    return this.#queue.run(work);
  }

  async #transmitRaw(apdu: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    throwIfAborted(signal, 'T=1 transmit');
    if (apdu.length === 0) throw new ArgumentError('empty APDU');
    for (let resynchs = 0; ; resynchs++) {
      try {
        if (this.#resynchPending) await this.#resynch(signal);
        if (this.#ifsdPending) await this.#negotiateIfsd(signal);
        return await this.#chain(apdu, signal);
      } catch (error) {
        if (!(error instanceof LinkLost)) {
          // Whatever broke off the exchange (cancel, reader gone, give-up) left the card
          // somewhere in a chain: start the next APDU from a known state (rule 6).
          this.#resynchPending = true;
          throw error;
        }
        // Rule 7.4: three failed attempts at one step → S(RESYNCH request), then the APDU again.
        this.#resynchPending = true;
        if (resynchs >= T1_MAX_RESYNCH) {
          throw giveUp(`${error.reason}; still failing after ${T1_MAX_RESYNCH} resynchronisations (ISO/IEC 7816-3 §11.6.3 rule 7.4)`);
        }
      }
    }
  }

  /** One APDU as a chain of I-blocks out and a chain of I-blocks back. @throws {LinkLost} */
  async #chain(apdu: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array> {
    let offset = 0;
    let sending = true;
    let lastI: Uint8Array = new Uint8Array(0);
    let lastINs: 0 | 1 = 0;
    let lastISize = 0;
    let lastIMore = false;
    const nextIBlock = (): Uint8Array => {
      lastISize = Math.min(this.#ifsc, this.#messageCap, apdu.length - offset);
      lastIMore = offset + lastISize < apdu.length;
      lastINs = this.#ns;
      lastI = encodeIBlock(this.#framing, this.#ns, lastIMore, apdu.subarray(offset, offset + lastISize));
      this.#ns = this.#ns ? 0 : 1;
      return lastI;
    };
    const parts: Uint8Array[] = [];
    let received = 0;
    let cardIBlocks = 0;
    let wtxCount = 0;
    let cardIfsRequests = 0;
    let failures = 0;
    let bwi = 0;
    let lastR: Uint8Array = new Uint8Array(0);
    let toSend: Uint8Array = nextIBlock(); // rule 1: the interface device sends the first block

    /** Counts a failed attempt at the current step; throws LinkLost on the third (rule 7.4). */
    const fail = (reason: string): void => {
      failures++;
      if (failures >= T1_MAX_ATTEMPTS) throw new LinkLost(`${reason} (${failures} attempts)`);
    };

    for (;;) {
      throwIfAborted(signal, 'T=1 transmit');
      const reply = await this.#exchangeBlock(toSend, signal, bwi);
      bwi = 0;

      if (reply.kind === 'invalid' || reply.kind === 'lost') {
        // Rule 7.1 (invalid block) and 7.6 (BWT expired): R-block asking for the expected block.
        fail(reply.reason);
        toSend = encodeRBlock(this.#framing, this.#nr, reply.kind === 'invalid' ? reply.error : 'other');
        continue;
      }

      if (reply.kind === 'S') {
        if (reply.response || reply.type === 'RESYNCH') {
          // No S(request) of ours is outstanding, and only we may ask for RESYNCH (rule 6): invalid (rule 7.1).
          fail(`unexpected S(${reply.type} ${reply.response ? 'response' : 'request'})`);
          toSend = encodeRBlock(this.#framing, this.#nr, 'other');
          continue;
        }
        if (reply.type === 'WTX') {
          // Rule 3: acknowledge with the same INF; the next exchange waits INF × BWT.
          if (++wtxCount > (this.#options.maxWtx ?? 1000)) throw giveUp(`more than ${this.#options.maxWtx ?? 1000} WTX requests for one APDU`);
          bwi = reply.inf[0]!;
          this.#options.onWaitingTimeExtension?.(bwi);
          toSend = encodeSBlock(this.#framing, 'WTX', true, bwi);
          continue;
        }
        if (reply.type === 'IFS') {
          // Rule 4: the card announces a new IFSC; later I-blocks use it.
          if (++cardIfsRequests > MAX_CARD_IFS_REQUESTS) throw giveUp('the card keeps sending S(IFS request)');
          this.#ifsc = reply.inf[0]!;
          toSend = encodeSBlock(this.#framing, 'IFS', true, this.#ifsc);
          continue;
        }
        // Rule 9: the card aborts the chain; acknowledge, then fail this command.
        await this.#exchangeBlock(encodeSBlock(this.#framing, 'ABORT', true), signal, 0);
        throw giveUp('the card aborted the chain with S(ABORT request) (ISO/IEC 7816-3 §11.6.3 rule 9)');
      }

      if (reply.kind === 'R') {
        if (sending && reply.nr !== lastINs && lastIMore) {
          // Rule 5: R(N(R) = next N(S)) acknowledges our chained I-block: send the next one.
          offset += lastISize;
          failures = 0;
          toSend = nextIBlock();
          continue;
        }
        if (sending && reply.nr === lastINs) {
          // Rule 7.2: the card names our last I-block: it did not get it, send it again.
          fail(`the card asked ${failures + 1} time(s) for I-block N(S)=${lastINs} again`);
          toSend = lastI;
          continue;
        }
        if (sending) {
          // An R-block acknowledging an unchained I-block: rule 2 wants an I-block (rule 7.1, other error).
          fail('R-block acknowledging an unchained I-block');
          toSend = encodeRBlock(this.#framing, this.#nr, 'other');
          continue;
        }
        // Receiving a chain: the card did not get our R-block; send it again (rule 7.2).
        fail('the card asked for our R-block again');
        toSend = lastR;
        continue;
      }

      // An I-block from the card.
      if (sending && lastIMore) {
        // Rule 5: a chained I-block of ours must be acknowledged by an R-block.
        fail('I-block while our chain was not finished');
        toSend = encodeRBlock(this.#framing, this.#nr, 'other');
        continue;
      }
      if (reply.ns !== this.#nr) {
        // Rule 7.1: wrong N(S), other error; name the block we expect.
        fail(`I-block with N(S)=${reply.ns}, expected ${this.#nr}`);
        toSend = encodeRBlock(this.#framing, this.#nr, 'other');
        continue;
      }
      // Rule 2: the card's I-block acknowledges our last I-block.
      sending = false;
      failures = 0;
      this.#nr = this.#nr ? 0 : 1;
      parts.push(reply.inf);
      received += reply.inf.length;
      cardIBlocks++;
      if (received > MAX_RESPONSE_LENGTH || cardIBlocks > MAX_RESPONSE_LENGTH) {
        throw giveUp(`response longer than ${MAX_RESPONSE_LENGTH} bytes`);
      }
      if (!reply.more) return concat(parts, received);
      // Rule 5: acknowledge the chained I-block by naming the next one.
      lastR = encodeRBlock(this.#framing, this.#nr, 'none');
      toSend = lastR;
    }
  }

  /** Sends S(type request) until the matching S(type response) comes, at most three times (rule 7.3). */
  async #supervisory(type: SBlockType, value: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
    const request = encodeSBlock(this.#framing, type, false, value);
    for (let attempt = 0; attempt < T1_MAX_ATTEMPTS; attempt++) {
      throwIfAborted(signal, `S(${type} request)`);
      const reply = await this.#exchangeBlock(request, signal, 0);
      if (reply.kind === 'S' && reply.type === type && reply.response && (value === undefined || reply.inf[0] === value)) {
        return true;
      }
      // Rule 7.3: no valid S(response): send the S(request) again.
    }
    return false;
  }

  async #resynch(signal: AbortSignal | undefined): Promise<void> {
    this.#resynchPending = true;
    if (!(await this.#supervisory('RESYNCH', undefined, signal))) {
      throw giveUp(`no S(RESYNCH response) to ${T1_MAX_ATTEMPTS} S(RESYNCH request)s (ISO/IEC 7816-3 §11.6.3 rule 7.4): the card needs a reset`);
    }
    // Rule 6: both sides start again from N(S) = 0 with the initial IFSC and IFSD.
    this.#ns = 0;
    this.#nr = 0;
    this.#ifsc = this.#initialIfsc;
    this.#ifsd = T1_IFS_DEFAULT;
    this.#ifsdPending = this.#options.negotiateIfsd ?? false;
    this.#resynchPending = false;
  }

  async #negotiateIfsd(signal: AbortSignal | undefined): Promise<boolean> {
    this.#ifsdPending = false;
    if (await this.#supervisory('IFS', this.#wantedIfsd, signal)) {
      this.#ifsd = this.#wantedIfsd; // rule 4
      return true;
    }
    // Rule 7.4: resynchronise; IFSD keeps its default and we do not ask again.
    await this.#resynch(signal);
    this.#ifsdPending = false;
    return false;
  }

  /** One XfrBlock: a block out, the card's next block (or its absence) back. */
  async #exchangeBlock(block: Uint8Array, signal: AbortSignal | undefined, bwi: number): Promise<Received> {
    const trace = this.#options.onTrace;
    if (trace) trace({ direction: 'to-card', bytes: block, text: describeT1Block(decodeT1Block(block, this.#framing.edc)) });
    const base = this.#options.timeoutMs;
    let reply: Received;
    try {
      const result = await this.#exchange.xfrBlock(block, {
        signal,
        timeoutMs: bwi > 0 ? (base ?? 3000) * bwi : base,
        bBWI: bwi,
      });
      reply = decodeT1Block(result.data, this.#framing.edc);
    } catch (error) {
      if (error instanceof SlotError && error.code === 'CCID_ERR_CARD_MUTE') {
        reply = { kind: 'lost', reason: 'no block from the card (ICC mute)' };
      } else if (error instanceof TimeoutError) {
        reply = { kind: 'lost', reason: 'no block from the card before the deadline' };
      } else if (error instanceof SlotError && (error.errorName === 'XFR_PARITY_ERROR' || error.bError === 0xfd)) {
        reply = { kind: 'invalid', error: 'edc', reason: 'parity error reported by the reader', raw: new Uint8Array(0) };
      } else {
        throw error;
      }
    }
    if (trace) {
      const bytes = reply.kind === 'lost' ? new Uint8Array(0) : reply.raw;
      trace({ direction: 'from-card', bytes, text: reply.kind === 'lost' ? reply.reason : describeT1Block(reply) });
    }
    return reply;
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
