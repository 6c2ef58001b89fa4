/**
 * One APDU at a time. A T=0 GET RESPONSE loop or a T=1 block chain spans many
 * exchanges; a second APDU started in the middle would interleave with it and break the
 * card's state (ISO/IEC 7816-4 §5.1: "no interleaving of command-response pairs").
 */
import { SerialQueue } from '../../util/serial-queue.ts';
import type { ResponseApdu } from '../apdu.ts';
import type { ApduTransport, TransmitOptions } from './apdu-transport.ts';

/** Wraps `inner` so that each `transmit` starts only after the previous one settled. */
export function serialize(inner: ApduTransport): ApduTransport {
  const queue = new SerialQueue();
  return {
    transmit: (apdu: Uint8Array, options?: TransmitOptions): Promise<ResponseApdu> => queue.run(() => inner.transmit(apdu, options)),
  };
}
