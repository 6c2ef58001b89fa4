/**
 * The APDU-level front-end: a whole command APDU in, a whole response out. Used by
 * readers with short or extended APDU exchange level, and by the T=1 front-end once it
 * has reassembled a command from I-blocks.
 *
 * Response shaping (ISO/IEC 7816-4 §5.1.3, §5.6):
 * - data ≤ Ne: data SW1 SW2;
 * - short APDU with Le, data ≤ 256 but longer than Ne: 6C XX (XX = exact length);
 * - otherwise: the first Ne bytes and 61 XX; the rest waits for GET RESPONSE
 *   (`00 C0 00 00 Le`), which answers 61 XX again until the last part, which carries the
 *   command's own status word. Any other command discards what was waiting.
 * - an extended APDU to a card without extended length support: 67 00.
 */

import { CardOs } from './os.ts';
import { INS_GET_RESPONSE, SW, parseCommandApdu, responseBytes, type CommandApdu, type Reply } from './apdu.ts';

/** Timing of a card, in milliseconds. */
export interface CardTiming {
  /** Processing time per APDU executed by an applet. */
  readonly processingMs: number;
  /** Processing time of a transport-only answer (GET RESPONSE, R-block, S-block, PPS). */
  readonly protocolMs: number;
}

/**
 * One answer of a front-end before it becomes a `CardAnswer`. The card's time is
 * `processingMs + extraMs`: `extraMs` is the long part of a slow command (WAIT), during
 * which a reader may send time extensions.
 */
export interface FrontEndAnswer {
  /** Bytes to send back. */
  readonly bytes: Uint8Array;
  /** Ordinary processing time, ms. */
  readonly processingMs: number;
  /** Extra processing time of a slow command, ms. */
  readonly extraMs?: number;
}

/** Response bytes waiting for GET RESPONSE, with the final status word. */
export interface PendingResponse {
  data: Uint8Array;
  readonly sw: number;
}

/** SW 61XX for `remaining` bytes (XX = 00 when 256 or more remain). */
export function moreDataSw(remaining: number): number {
  return SW.MORE_DATA | (remaining >= 256 ? 0 : remaining);
}

/**
 * True for GET RESPONSE. Any class but FF is accepted: CCID readers and drivers send it
 * with the class of the command it follows when bClassGetResponse is FF (CCID 1.1 §5.1).
 */
export function isGetResponse(command: Pick<CommandApdu, 'cla' | 'ins'>): boolean {
  return command.ins === INS_GET_RESPONSE && command.cla !== 0xff;
}

/** The APDU-level front-end of one card. */
export class ApduLevel {
  readonly #os: CardOs;
  readonly #timing: CardTiming;
  #pending: PendingResponse | undefined;

  constructor(os: CardOs, timing: CardTiming) {
    this.#os = os;
    this.#timing = timing;
  }

  /** Card reset: nothing waits for GET RESPONSE. */
  reset(): void {
    this.#pending = undefined;
  }

  /** Processes one command APDU. Never throws. */
  transmit(apdu: Uint8Array): FrontEndAnswer {
    const command = parseCommandApdu(apdu);
    if (command === undefined || (command.extended && !this.#os.extendedLength)) {
      this.#pending = undefined;
      return this.#protocol(responseBytes(new Uint8Array(0), SW.WRONG_LENGTH));
    }
    if (isGetResponse(command)) return this.#getResponse(command);
    this.#pending = undefined;
    const reply = this.#os.execute(command);
    const extraMs = reply.extraMs ?? 0;
    const bytes = this.#shape(command, reply);
    return extraMs > 0
      ? { bytes, processingMs: this.#timing.processingMs, extraMs }
      : { bytes, processingMs: this.#timing.processingMs };
  }

  #shape(command: CommandApdu, reply: Reply): Uint8Array {
    const { data, sw } = reply;
    if (data.length <= command.ne) return responseBytes(data, sw);
    if (command.hasLe && !command.extended && data.length <= 256) {
      return responseBytes(new Uint8Array(0), SW.WRONG_LE | (data.length & 0xff));
    }
    const rest = data.slice(command.ne);
    this.#pending = { data: rest, sw };
    return responseBytes(data.subarray(0, command.ne), moreDataSw(rest.length));
  }

  #getResponse(command: CommandApdu): FrontEndAnswer {
    const pending = this.#pending;
    if (pending === undefined) return this.#protocol(responseBytes(new Uint8Array(0), SW.CONDITIONS_NOT_SATISFIED));
    if (command.p1 !== 0 || command.p2 !== 0) return this.#protocol(responseBytes(new Uint8Array(0), SW.WRONG_P1P2));
    const chunk = pending.data.subarray(0, command.ne);
    const rest = pending.data.subarray(command.ne);
    if (rest.length === 0) {
      this.#pending = undefined;
      return this.#protocol(responseBytes(chunk, pending.sw));
    }
    pending.data = rest;
    return this.#protocol(responseBytes(chunk, moreDataSw(rest.length)));
  }

  #protocol(bytes: Uint8Array): FrontEndAnswer {
    return { bytes, processingMs: this.#timing.protocolMs };
  }
}
