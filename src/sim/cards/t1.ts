/**
 * The card side of T=1 (ISO/IEC 7816-3 §11): one block in, one block out.
 *
 * State: the card's send sequence number N(S), the N(S) it expects from the reader,
 * IFSD (32 until S(IFS request), §11.4.2), a receive chain, a send chain, the last block
 * sent (for retransmission) and a pending waiting time extension.
 *
 * Rules applied (numbers from §11.6):
 * - I-block with the expected N(S) and M = 1: stored, answered R(N(R) = next) (rule 5).
 * - I-block with M = 0: the command is complete; the response goes out in I-blocks of
 *   at most IFSD bytes, chained with M = 1 (rule 2.2, 5); each R-block with N(R) =
 *   the next N(S) asks for the next part.
 * - When the command needs longer than BWT, the card first sends S(WTX request) with a
 *   multiplier; after S(WTX response) with the same value it sends the answer (rule 3).
 * - S(IFS request) → S(IFS response) with the same INF, IFSD updated (rule 4).
 * - S(RESYNCH request) → S(RESYNCH response), sequence numbers and IFSD back to their
 *   initial values (rule 6.4); S(ABORT request) → S(ABORT response), chains dropped (rule 9).
 * - A block with a wrong EDC, a wrong length, an unknown PCB, an unexpected N(S), an
 *   INF longer than IFSC, or an S-block the card does not expect: R(N(R) = expected N(S))
 *   with error code 1 (EDC) or 2 (other) (rule 7.1). These R-blocks are not remembered
 *   as "last block sent".
 * - An R-block that is not a chaining acknowledgement asks for a retransmission: the card
 *   sends its last block again (rule 7.2, 7.3); before anything was sent, R(0) with
 *   error 2.
 * - The reply NAD swaps the SAD and DAD of the block received (§11.3.2.1).
 */

import type { FrontEndAnswer } from './apdu-level.ts';
import {
  S_ABORT,
  S_IFS,
  S_RESYNCH,
  S_WTX,
  checkBlock,
  encodeBlock,
  iBlockPcb,
  rBlockPcb,
  sResponse,
  sRequest,
  type Edc,
  type RawBlock,
} from './t1-block.ts';

/** Default IFSD before S(IFS request) (§11.4.2). */
export const DEFAULT_IFSD = 32;
/** Largest command the card reassembles from chained I-blocks (extended case 4 with Nc = 65535). */
const MAX_COMMAND = 4 + 3 + 65535 + 2;

/** What the T=1 front-end needs from the card. */
export interface T1Host {
  /** IFSC from the ATR. */
  readonly ifsc: number;
  /** EDC from the ATR. */
  readonly edc: Edc;
  /** Current block waiting time, ms. */
  bwtMs(): number;
  /** Transport-only processing time, ms. */
  readonly protocolMs: number;
  /** Runs a whole command APDU. */
  apdu(command: Uint8Array): FrontEndAnswer;
}

interface WaitingTime {
  /** The response to send once the processing is done. */
  readonly response: Uint8Array;
  /** Processing time still to go, ms. */
  remainingMs: number;
  /** Multiplier of the S(WTX request) sent. */
  multiplier: number;
}

/** The T=1 front-end of one card. */
export class T1CardSide {
  readonly #host: T1Host;
  #ns = 0;
  #expected = 0;
  #ifsd = DEFAULT_IFSD;
  #rx: Uint8Array[] = [];
  #rxSize = 0;
  #txRest: Uint8Array | undefined;
  #lastSent: Uint8Array | undefined;
  #wtx: WaitingTime | undefined;
  #nad = 0;

  constructor(host: T1Host) {
    this.#host = host;
  }

  /** Current IFSD (what the reader may receive per block). */
  get ifsd(): number {
    return this.#ifsd;
  }

  /** Back to the state after the ATR. */
  reset(): void {
    this.#ns = 0;
    this.#expected = 0;
    this.#ifsd = DEFAULT_IFSD;
    this.#rx = [];
    this.#rxSize = 0;
    this.#txRest = undefined;
    this.#lastSent = undefined;
    this.#wtx = undefined;
    this.#nad = 0;
  }

  /** Processes one block. Never throws. */
  receive(bytes: Uint8Array): FrontEndAnswer {
    try {
      const block = checkBlock(bytes, this.#host.edc);
      if (typeof block === 'number') return this.#error(block);
      this.#nad = ((block.nad & 0x07) << 4) | ((block.nad >> 4) & 0x07);
      if ((block.pcb & 0x80) === 0) return this.#iBlock(block);
      if ((block.pcb & 0x40) === 0) return this.#rBlock(block);
      return this.#sBlock(block);
    } catch {
      return this.#error(2);
    }
  }

  #iBlock(block: RawBlock): FrontEndAnswer {
    // RFU bits b5-b1 must be 0; no I-block while the card waits for WTX or for a chain ack.
    if ((block.pcb & 0x1f) !== 0 || this.#wtx !== undefined || this.#txRest !== undefined) return this.#error(2);
    const ns = (block.pcb >> 6) & 1;
    if (ns !== this.#expected || block.inf.length > this.#host.ifsc) return this.#error(2);
    this.#expected ^= 1;
    this.#rxSize += block.inf.length;
    if (this.#rxSize <= MAX_COMMAND) this.#rx.push(block.inf);
    if ((block.pcb & 0x20) !== 0) return this.#send(rBlockPcb(this.#expected, 0), new Uint8Array(0));

    const parts = this.#rx;
    const size = this.#rxSize;
    this.#rx = [];
    this.#rxSize = 0;
    // An over-long chain was not stored: run an empty command, which answers 67 00.
    const command = size <= MAX_COMMAND ? concat(parts, size) : new Uint8Array(0);
    const answer = this.#host.apdu(command);
    const totalMs = answer.processingMs + (answer.extraMs ?? 0);
    const bwt = this.#host.bwtMs();
    if (totalMs > bwt) {
      // Rule 3: ask for more time before BWT runs out, then keep processing. The request
      // itself goes out after half a BWT; the time it asks for is in its INF.
      const spent = bwt / 2;
      const remainingMs = totalMs - spent;
      const multiplier = Math.min(255, Math.max(1, Math.ceil(remainingMs / bwt)));
      this.#wtx = { response: answer.bytes, remainingMs, multiplier };
      return this.#send(sRequest(S_WTX), Uint8Array.of(multiplier), spent);
    }
    return this.#sendResponse(answer.bytes, answer.processingMs, answer.extraMs);
  }

  #sendResponse(response: Uint8Array, processingMs: number, extraMs?: number): FrontEndAnswer {
    const chunk = response.subarray(0, this.#ifsd);
    const rest = response.subarray(this.#ifsd);
    this.#txRest = rest.length > 0 ? rest : undefined;
    const pcb = iBlockPcb(this.#ns, rest.length > 0);
    this.#ns ^= 1;
    return this.#send(pcb, chunk, processingMs, extraMs);
  }

  #rBlock(block: RawBlock): FrontEndAnswer {
    const error = block.pcb & 0x0f;
    if (block.inf.length !== 0 || (block.pcb & 0x20) !== 0 || error > 2) return this.#error(2);
    const nr = (block.pcb >> 4) & 1;
    // Chaining acknowledgement: N(R) names the next I-block the card is to send (rule 2.2).
    if (this.#txRest !== undefined && nr === this.#ns && this.#wtx === undefined) {
      return this.#sendResponse(this.#txRest, this.#host.protocolMs);
    }
    const last = this.#lastSent;
    if (last === undefined) return this.#error(2);
    return { bytes: last, processingMs: this.#host.protocolMs };
  }

  #sBlock(block: RawBlock): FrontEndAnswer {
    const { pcb, inf } = block;
    const none = new Uint8Array(0);
    switch (pcb) {
      case sRequest(S_RESYNCH):
        if (inf.length !== 0) return this.#error(2);
        {
          const nad = this.#nad;
          this.reset();
          this.#nad = nad;
        }
        return this.#send(sResponse(S_RESYNCH), none);
      case sRequest(S_IFS): {
        const value = inf[0];
        if (inf.length !== 1 || value === undefined || value === 0 || value === 0xff) return this.#error(2);
        this.#ifsd = value;
        return this.#send(sResponse(S_IFS), inf);
      }
      case sRequest(S_ABORT):
        if (inf.length !== 0) return this.#error(2);
        this.#rx = [];
        this.#rxSize = 0;
        this.#txRest = undefined;
        this.#wtx = undefined;
        return this.#send(sResponse(S_ABORT), none);
      case sResponse(S_WTX): {
        const wtx = this.#wtx;
        if (wtx === undefined || inf.length !== 1 || inf[0] !== wtx.multiplier) return this.#error(2);
        const granted = wtx.multiplier * this.#host.bwtMs();
        if (wtx.remainingMs <= granted) {
          this.#wtx = undefined;
          return this.#sendResponse(wtx.response, wtx.remainingMs);
        }
        // Still not done: ask again halfway through the time granted.
        const bwt = this.#host.bwtMs();
        wtx.remainingMs -= granted / 2;
        wtx.multiplier = Math.min(255, Math.max(1, Math.ceil(wtx.remainingMs / bwt)));
        return this.#send(sRequest(S_WTX), Uint8Array.of(wtx.multiplier), granted / 2);
      }
      default:
        return this.#error(2);
    }
  }

  #send(pcb: number, inf: Uint8Array, processingMs = this.#host.protocolMs, extraMs?: number): FrontEndAnswer {
    const bytes = encodeBlock(this.#nad, pcb, inf, this.#host.edc);
    this.#lastSent = bytes;
    return extraMs === undefined || extraMs <= 0 ? { bytes, processingMs } : { bytes, processingMs, extraMs };
  }

  #error(code: 1 | 2): FrontEndAnswer {
    const bytes = encodeBlock(this.#nad, rBlockPcb(this.#expected, code), new Uint8Array(0), this.#host.edc);
    return { bytes, processingMs: this.#host.protocolMs };
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
