/**
 * T=0 at TPDU level: how a command APDU becomes command TPDUs (ISO/IEC 7816-3:2006 §12.2,
 * "Transportation of APDUs by T=0"). A TPDU is CLA INS P1 P2 P3 [data]; the reader runs
 * the procedure bytes (§10.3.3) and answers with [data] SW1 SW2.
 *
 * | APDU case                     | command TPDU                                   | rule        |
 * |-------------------------------|------------------------------------------------|-------------|
 * | 1                             | header, P3 = 00                                | §12.2.2     |
 * | 2S, 2E with Ne ≤ 256          | header, P3 = Ne (256 → 00)                     | §12.2.3, §12.2.6 case 2E.1 |
 * | 2E with Ne > 256              | header, P3 = 00 (the rest by GET RESPONSE)     | §12.2.6 case 2E.2 |
 * | 3S, 3E with Nc ≤ 255          | header, P3 = Nc, data                          | §12.2.4, §12.2.7 |
 * | 4S, 4E with Nc ≤ 255          | as case 3 (Le is not sent; GET RESPONSE gets the data) | §12.2.5, §12.2.8 |
 * | 3E, 4E with Nc > 255          | the whole APDU cut into ENVELOPE (INS C2) commands | §12.2.7–12.2.8, ISO/IEC 7816-4 ENVELOPE |
 *
 * This layer sends one TPDU per APDU (or the ENVELOPE series) and returns the card's
 * answer untouched: 61 xx and 6C xx are the business of the `getResponse` and
 * `wrongLength` processors composed around it (see `transmit.ts`).
 */
import type { SlotExchange } from '../ccid/exchange.ts';
import { ArgumentError, NotSupportedError } from '../errors.ts';
import { hexByte } from '../util/hex.ts';
import { parseCommandApdu, ownedResponseApdu, type ResponseApdu } from './apdu.ts';
import type { ApduTransport, TransmitOptions } from './processors/apdu-transport.ts';
import { throwIfAborted } from './processors/cancel.ts';

/** INS of ENVELOPE (ISO/IEC 7816-4). */
export const INS_ENVELOPE = 0xc2;
/** Largest data field of one short TPDU. */
const TPDU_DATA_MAX = 255;

/** Options of {@link t0Tpdu}. */
export interface T0Options {
  /** Deadline of each TPDU exchange in milliseconds (from WWT, see `timeouts.ts`); the CCID layer's default when absent. */
  timeoutMs?: number;
  /**
   * CLA of ENVELOPE: the reader's bClassEnvelope (CCID 1.1 §5.1, offset 40); 0xFF
   * (default) echoes the CLA of the command APDU.
   */
  classEnvelope?: number;
  /**
   * Whether to carry extended APDUs with Nc > 255 in ENVELOPE commands. Default true; a
   * card that answers the first ENVELOPE with 6D 00 or 6E 00 gets a `NotSupportedError`.
   * With false such APDUs fail at once with `NotSupportedError`.
   */
  envelope?: boolean;
}

function checkT0Header(cla: number, ins: number): void {
  // §10.3.2: INS 6X and 9X would read as procedure bytes; CLA FF is PPSS (§9.2).
  if ((ins & 0xf0) === 0x60 || (ins & 0xf0) === 0x90) {
    throw new ArgumentError(`INS ${hexByte(ins)} is invalid with T=0: 6X and 9X are procedure bytes (ISO/IEC 7816-3 §10.3.2)`);
  }
  if (cla === 0xff) throw new ArgumentError('CLA FF is invalid with T=0: it is PPSS (ISO/IEC 7816-3 §10.3.2)');
}

/**
 * The T=0 TPDU layer over a slot exchange. Compose it as
 * `getResponse(wrongLength(t0Tpdu(exchange)))` to get complete responses.
 *
 * @example
 * const card = getResponse(wrongLength(t0Tpdu(exchange, { timeoutMs: 3000 })));
 * const { data, sw } = await card.transmit(fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01'));
 */
export function t0Tpdu(exchange: SlotExchange, options: T0Options = {}): ApduTransport {
  const classEnvelope = options.classEnvelope ?? 0xff;
  const envelope = options.envelope ?? true;

  async function exchangeTpdu(tpdu: Uint8Array, signal: AbortSignal | undefined): Promise<ResponseApdu> {
    const result = await exchange.xfrBlock(tpdu, { signal, timeoutMs: options.timeoutMs });
    // The engine's answer is a fresh array of its own: taken over, not copied.
    return ownedResponseApdu(result.data);
  }

  return {
    async transmit(apdu: Uint8Array, transmitOptions?: TransmitOptions): Promise<ResponseApdu> {
      const signal = transmitOptions?.signal;
      const command = parseCommandApdu(apdu);
      checkT0Header(command.cla, command.ins);
      const nc = command.data.length;
      if (nc <= TPDU_DATA_MAX) {
        // §12.2.3–12.2.5: a short case 2, 3 or 4 APDU already starts with its TPDU (CLA INS P1 P2 P3
        // [data]); only case 1 and the extended forms need building.
        if (!command.extended && command.raw.length >= 5) {
          // Case 4S drops its Le byte (a copy: a view would cost more, see parseCommandApdu).
          return exchangeTpdu(command.raw.length === 5 + nc || nc === 0 ? command.raw : command.raw.slice(0, 5 + nc), signal);
        }
        const p3 = nc > 0 ? nc : command.ne >= 256 ? 0 : command.ne;
        const tpdu = new Uint8Array(5 + nc);
        tpdu[0] = command.cla;
        tpdu[1] = command.ins;
        tpdu[2] = command.p1;
        tpdu[3] = command.p2;
        tpdu[4] = p3;
        tpdu.set(command.data, 5);
        return exchangeTpdu(tpdu, signal);
      }
      if (!envelope) {
        throw new NotSupportedError(
          `T=0 cannot carry a case ${command.case} APDU with Nc = ${nc} > 255 without ENVELOPE, ` +
            'and ENVELOPE is disabled for this card (ISO/IEC 7816-3 §12.2.7)',
        );
      }
      const cla = classEnvelope === 0xff ? command.cla : classEnvelope;
      let answer: ResponseApdu | undefined;
      for (let at = 0; at < command.raw.length; at += TPDU_DATA_MAX) {
        throwIfAborted(signal, 'ENVELOPE');
        const piece = command.raw.subarray(at, at + TPDU_DATA_MAX);
        const tpdu = new Uint8Array(5 + piece.length);
        tpdu.set([cla, INS_ENVELOPE, 0x00, 0x00, piece.length], 0);
        tpdu.set(piece, 5);
        answer = await exchangeTpdu(tpdu, signal);
        if (at === 0 && (answer.sw === 0x6d00 || answer.sw === 0x6e00)) {
          throw new NotSupportedError(
            `the card refused ENVELOPE (SW ${hexByte(answer.sw >> 8)} ${hexByte(answer.sw)}): it cannot take ` +
              `a case ${command.case} APDU with Nc = ${nc} over T=0`,
          );
        }
        const last = at + TPDU_DATA_MAX >= command.raw.length;
        if (!last && answer.sw !== 0x9000) return answer;
      }
      return answer!;
    },
  };
}
