/**
 * Response chaining with GET RESPONSE, INS C0 (ISO/IEC 7816-4 §5.6 status 61 xx and the
 * GET RESPONSE command; for T=0, ISO/IEC 7816-3:2006 §12.2.5 case 4S and §12.2.6 case 2E).
 *
 * SW1 = 61 means "the command completed; SW2 more bytes are waiting (00 = 256 or more)".
 * This processor fetches them with GET RESPONSE (CLA C0 00 00 Le) with
 * Le = min(SW2, Ne − bytes received), concatenates the data fields and returns the last
 * status word. When the command carried no Le (Ne = 0, e.g. a SELECT sent as case 3 to a
 * T=0 card) it takes what the card offers. It stops when Ne bytes have arrived (the caller
 * then sees the 61 xx that is still pending) or after {@link GET_RESPONSE_MAX_ROUNDS}
 * rounds, so a card that keeps answering 61 xx cannot keep it looping.
 *
 * T=0 needs it for case 4S (the TPDU carries no Le) and for responses longer than 256
 * bytes; with T=1 and at APDU level a card may still answer 61 xx, and fetching the data
 * is then what the status word asks for.
 */
import { encodeCommandApdu, parseCommandApdu, responseApdu, type ResponseApdu } from '../apdu.ts';
import type { ApduTransport, TransmitOptions } from './apdu-transport.ts';
import { throwIfAborted } from './cancel.ts';

/** INS of GET RESPONSE. */
export const INS_GET_RESPONSE = 0xc0;
/** The most GET RESPONSE commands issued for one APDU: 65536 bytes in 256-byte pieces, plus slack. */
export const GET_RESPONSE_MAX_ROUNDS = 260;

/** Options of {@link getResponse}. */
export interface GetResponseOptions {
  /**
   * CLA of the GET RESPONSE command: the reader's bClassGetResponse (CCID 1.1 §5.1,
   * offset 39); 0xFF (default) echoes the CLA of the command APDU.
   */
  classGetResponse?: number;
}

/** Wraps `inner` so that 61 xx answers are followed by GET RESPONSE until the data is complete. */
export function getResponse(inner: ApduTransport, options: GetResponseOptions = {}): ApduTransport {
  const classGetResponse = options.classGetResponse ?? 0xff;
  return {
    async transmit(apdu: Uint8Array, transmitOptions?: TransmitOptions): Promise<ResponseApdu> {
      let answer = await inner.transmit(apdu, transmitOptions);
      if (answer.sw >> 8 !== 0x61) return answer;
      // Parsed only now: most answers are not 61 xx, and the inner transport has checked the APDU.
      const command = parseCommandApdu(apdu);
      const cla = classGetResponse === 0xff ? command.cla : classGetResponse;
      const parts: Uint8Array[] = [answer.data];
      let received = answer.data.length;
      for (let round = 0; round < GET_RESPONSE_MAX_ROUNDS && answer.sw >> 8 === 0x61; round++) {
        const available = (answer.sw & 0xff) === 0 ? 256 : answer.sw & 0xff;
        const wanted = command.ne === 0 ? available : Math.min(available, command.ne - received);
        if (wanted <= 0) break;
        throwIfAborted(transmitOptions?.signal, 'GET RESPONSE');
        const request = encodeCommandApdu({ cla, ins: INS_GET_RESPONSE, p1: 0, p2: 0, ne: wanted });
        answer = await inner.transmit(request.raw, transmitOptions);
        parts.push(answer.data);
        received += answer.data.length;
      }
      const data = new Uint8Array(received);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.length;
      }
      return responseApdu(data, answer.sw);
    },
  };
}
