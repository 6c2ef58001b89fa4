/**
 * Wrong Le (ISO/IEC 7816-4:2013 §5.6, SW1 = 6C; ISO/IEC 7816-3:2006 §12.2.3 case 2S
 * for T=0): the card refused the command because Le did not match what it has, and SW2
 * says exactly how many bytes it has (00 = 256). The same command is sent again once with
 * Le = SW2. A second 6C xx is returned to the caller as is, so a confused card cannot
 * make it loop.
 */
import { encodeCommandApdu, parseCommandApdu, type ResponseApdu } from '../apdu.ts';
import type { ApduTransport, TransmitOptions } from './apdu-transport.ts';
import { throwIfAborted } from './cancel.ts';

/** Wraps `inner` so that a 6C xx answer is followed by the same command with Le = xx. */
export function wrongLength(inner: ApduTransport): ApduTransport {
  return {
    async transmit(apdu: Uint8Array, options?: TransmitOptions): Promise<ResponseApdu> {
      const answer = await inner.transmit(apdu, options);
      if (answer.sw >> 8 !== 0x6c) return answer;
      // Parsed only now: most answers are not 6C xx, and the inner transport has checked the APDU.
      const command = parseCommandApdu(apdu);
      const exact = (answer.sw & 0xff) === 0 ? 256 : answer.sw & 0xff;
      if (exact === command.ne) return answer;
      throwIfAborted(options?.signal, 'command re-issued after 6C xx');
      // Short Le as §5.6 says; the encoder keeps extended fields only when Nc needs them.
      const again = encodeCommandApdu({ ...command, ne: exact, extended: false });
      return inner.transmit(again.raw, options);
    },
  };
}
