/**
 * The contract the ISO 7816 layer gives its callers, and the one every processor both
 * takes and gives: send one command APDU, get one response APDU.
 *
 * Obligations of an implementation:
 * - `transmit` accepts any command APDU bytes (cases 1–4, short or extended) and either
 *   resolves with the card's response (data + SW, SW1 SW2 always present) or rejects with
 *   a `CcidError`: `ArgumentError` for a malformed APDU, `NotSupportedError` when the
 *   exchange level or the card cannot carry it, `CardProtocolError` when the card breaks
 *   T=0/T=1, and whatever the CCID layer raised (timeout, cancelled, card removed...).
 * - A status word is never an error here: 6A 82 resolves like 90 00.
 * - One APDU at a time: the composed transport from `transmit.ts` serialises calls; a
 *   processor may issue several inner `transmit`s (GET RESPONSE...) for one outer call.
 * - `signal` cancels: the call rejects with `CancelledError` (from the CCID layer or from
 *   the processor between exchanges) and no further exchange is started for it.
 */
import type { ResponseApdu } from '../apdu.ts';

/** Options of one APDU exchange. */
export interface TransmitOptions {
  /** Cancels the exchange (and every block or GET RESPONSE it still needs). */
  signal?: AbortSignal;
}

/** Sends command APDUs to one card. */
export interface ApduTransport {
  /** Sends one command APDU and resolves with the response APDU (data + SW). */
  transmit(apdu: Uint8Array, options?: TransmitOptions): Promise<ResponseApdu>;
}
