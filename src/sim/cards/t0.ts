/**
 * The card side of T=0 at TPDU level (ISO/IEC 7816-3 §10, case handling of §12.2 as seen
 * by a CCID TPDU reader: the reader hands over `CLA INS P1 P2 P3 [data]` and returns
 * `[data] SW1 SW2`; procedure bytes stay between reader and card).
 *
 * - Fewer than 5 bytes: the card is still waiting for a header, so it stays mute.
 * - 5 bytes (case 1 or 2, P3 = Le, 00 meaning 256): the command runs with Ne = P3.
 *   Exactly P3 bytes → data SW1 SW2. Fewer, or more but at most 256 → 6C XX (the
 *   reader re-issues with P3 = XX; the command runs again). More than 256 → the first
 *   P3 bytes and 61 XX.
 * - 5 + P3 bytes (case 3 or 4, P3 = Lc): the command runs; response data, if any, is
 *   held for GET RESPONSE and announced with 61 XX (case 4 handling, §12.2.4).
 *   Any other length: 67 00.
 * - GET RESPONSE `00 C0 00 00 P3`: P3 bytes of what is held; 61 XX while more remains,
 *   the command's status word with the last part, 6C XX when P3 asks for more than remains,
 *   69 85 when nothing is held.
 * - ENVELOPE `CLA C2 00 00 P3 data` (cards with extended length only): the data fields
 *   are concatenated into one APDU, short or extended, whose response comes back through
 *   61 XX / GET RESPONSE. The string ends either way hosts do it:
 *   - by length: as soon as the bytes hold a whole extended APDU (7 + Lc or 9 + Lc bytes),
 *     the ENVELOPE that completed it gets the command's answer (what the project's driver
 *     does: it sends the APDU in ENVELOPEs of 255 bytes, no terminator);
 *   - by an ENVELOPE with an empty data field (P3 = 00), the end mark of ISO/IEC 7816-4
 *     for T=0. When the command already ran by length, the empty ENVELOPE gets the same
 *     answer again; so does a 2-byte ENVELOPE right after a command that ran as case 3E
 *     (its Le, cut off into a piece of its own).
 *   Other ENVELOPEs answer 90 00.
 */

import type { CardOs } from './os.ts';
import {
  INS_ENVELOPE,
  SW,
  concatBytes,
  parseCommandApdu,
  responseBytes,
  type CommandApdu,
} from './apdu.ts';
import { isGetResponse, moreDataSw, type CardTiming, type FrontEndAnswer, type PendingResponse } from './apdu-level.ts';

/** Largest APDU an ENVELOPE string may carry: extended case 4 with Nc = 65535. */
const MAX_ENVELOPE = 4 + 3 + 65535 + 2;

/** The answer to an ENVELOPE string that ended by length, kept for a late end mark. */
interface EnvelopeReplay {
  readonly answer: FrontEndAnswer;
  readonly pending: PendingResponse | undefined;
  /** The command ran as case 3E: a 2-byte ENVELOPE next may be its Le. */
  readonly case3: boolean;
}

/**
 * Whether `bytes` hold a whole extended APDU with a command data field, judged by its
 * length fields: `case3` for 7 + Lc bytes, `case4` for 9 + Lc (ISO/IEC 7816-4 §5.1).
 */
function completeExtended(bytes: Uint8Array): 'case3' | 'case4' | undefined {
  if (bytes.length < 8 || bytes[4] !== 0) return undefined;
  const lc = (bytes[5]! << 8) | bytes[6]!;
  if (lc === 0) return undefined;
  if (bytes.length === 7 + lc) return 'case3';
  if (bytes.length === 9 + lc) return 'case4';
  return undefined;
}

/** The T=0 front-end of one card. */
export class T0CardSide {
  readonly #os: CardOs;
  readonly #timing: CardTiming;
  #pending: PendingResponse | undefined;
  #envelope: Uint8Array[] | undefined;
  #envelopeSize = 0;
  #replay: EnvelopeReplay | undefined;

  constructor(os: CardOs, timing: CardTiming) {
    this.#os = os;
    this.#timing = timing;
  }

  /** Card reset. */
  reset(): void {
    this.#pending = undefined;
    this.#envelope = undefined;
    this.#envelopeSize = 0;
    this.#replay = undefined;
  }

  /** Processes one TPDU; `undefined` means the card stays mute. Never throws. */
  receive(tpdu: Uint8Array): FrontEndAnswer | undefined {
    if (tpdu.length < 5) return undefined;
    const [cla, ins, p1, p2, p3] = [tpdu[0]!, tpdu[1]!, tpdu[2]!, tpdu[3]!, tpdu[4]!];
    const body = tpdu.subarray(5);
    const header = { cla, ins, p1, p2 };
    if (body.length > 0 && (p3 === 0 || body.length !== p3)) return this.#sw(SW.WRONG_LENGTH);

    if (isGetResponse(header) && body.length === 0) return this.#getResponse(p1, p2, p3 === 0 ? 256 : p3);
    if (ins === INS_ENVELOPE && this.#os.extendedLength) return this.#envelopePart(body, p3);
    this.#pending = undefined;
    this.#envelope = undefined;
    this.#replay = undefined;

    if (body.length === 0) {
      const ne = p3 === 0 ? 256 : p3;
      return this.#run({ ...header, data: new Uint8Array(0), ne, hasLe: true, extended: false }, true);
    }
    const ne = this.#os.extendedLength ? 65536 : 256;
    return this.#run({ ...header, data: body.slice(), ne, hasLe: false, extended: false }, false);
  }

  /** Runs a command; `outgoing` = case 1/2 TPDU (P3 is Le), else case 3/4 (data via 61XX). */
  #run(command: CommandApdu, outgoing: boolean): FrontEndAnswer {
    const reply = this.#os.execute(command);
    const { data, sw } = reply;
    let bytes: Uint8Array;
    if (data.length === 0) {
      bytes = responseBytes(data, sw);
    } else if (!outgoing) {
      this.#pending = { data, sw };
      bytes = responseBytes(new Uint8Array(0), moreDataSw(data.length));
    } else if (data.length === command.ne) {
      bytes = responseBytes(data, sw);
    } else if (data.length <= 256) {
      // P3 is not the length the card has: 6C XX, the reader re-issues (§10.3.3, case 2S.3).
      bytes = responseBytes(new Uint8Array(0), SW.WRONG_LE | (data.length & 0xff));
    } else {
      const rest = data.slice(command.ne);
      this.#pending = { data: rest, sw };
      bytes = responseBytes(data.subarray(0, command.ne), moreDataSw(rest.length));
    }
    const extraMs = reply.extraMs ?? 0;
    return extraMs > 0
      ? { bytes, processingMs: this.#timing.processingMs, extraMs }
      : { bytes, processingMs: this.#timing.processingMs };
  }

  #getResponse(p1: number, p2: number, n: number): FrontEndAnswer {
    const pending = this.#pending;
    if (pending === undefined) return this.#sw(SW.CONDITIONS_NOT_SATISFIED);
    if (p1 !== 0 || p2 !== 0) return this.#sw(SW.WRONG_P1P2);
    const remaining = pending.data.length;
    // At T=0 the card must send exactly P3 bytes; asking for more than remains gets 6C XX.
    if (n > remaining) return this.#sw(SW.WRONG_LE | (remaining & 0xff));
    const chunk = pending.data.subarray(0, n);
    if (n === remaining) {
      this.#pending = undefined;
      return this.#protocol(responseBytes(chunk, pending.sw));
    }
    pending.data = pending.data.subarray(n);
    return this.#protocol(responseBytes(chunk, moreDataSw(remaining - n)));
  }

  #envelopePart(body: Uint8Array, p3: number): FrontEndAnswer {
    const replay = this.#replay;
    this.#replay = undefined;
    if (body.length === 0) {
      if (p3 !== 0) return this.#sw(SW.WRONG_LENGTH);
      const parts = this.#envelope;
      this.#envelope = undefined;
      if (parts !== undefined) {
        this.#pending = undefined;
        const command = parseCommandApdu(concatBytes(parts));
        if (command === undefined || command.ins === INS_ENVELOPE) return this.#sw(SW.WRONG_LENGTH);
        return this.#run(command, false);
      }
      if (replay !== undefined) return this.#replayed(replay);
      this.#pending = undefined;
      return this.#sw(SW.CONDITIONS_NOT_SATISFIED);
    }
    if (replay !== undefined && replay.case3 && this.#envelope === undefined && body.length === 2) {
      return this.#replayed(replay);
    }
    this.#pending = undefined;
    if (this.#envelope === undefined) {
      this.#envelope = [];
      this.#envelopeSize = 0;
    }
    this.#envelopeSize += body.length;
    if (this.#envelopeSize > MAX_ENVELOPE) {
      this.#envelope = undefined;
      return this.#sw(SW.WRONG_LENGTH);
    }
    this.#envelope.push(body.slice());
    const buffered = concatBytes(this.#envelope);
    const complete = completeExtended(buffered);
    if (complete === undefined) return this.#sw(SW.OK);
    this.#envelope = undefined;
    const command = parseCommandApdu(buffered);
    if (command === undefined || command.ins === INS_ENVELOPE) return this.#sw(SW.WRONG_LENGTH);
    const answer = this.#run(command, false);
    // #run may have set #pending (TypeScript keeps the narrowing from the assignment above).
    const pending = this.#pending as PendingResponse | undefined;
    this.#replay = {
      answer,
      pending: pending === undefined ? undefined : { data: pending.data, sw: pending.sw },
      case3: complete === 'case3',
    };
    return answer;
  }

  #replayed(replay: EnvelopeReplay): FrontEndAnswer {
    this.#pending = replay.pending === undefined ? undefined : { data: replay.pending.data, sw: replay.pending.sw };
    this.#replay = undefined;
    return { ...replay.answer, processingMs: this.#timing.protocolMs };
  }

  #sw(sw: number): FrontEndAnswer {
    return this.#protocol(responseBytes(new Uint8Array(0), sw));
  }

  #protocol(bytes: Uint8Array): FrontEndAnswer {
    return { bytes, processingMs: this.#timing.protocolMs };
  }
}
