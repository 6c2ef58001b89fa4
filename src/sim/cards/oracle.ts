/**
 * The oracle: what a card built from given options must answer, at APDU level, to a
 * sequence of command APDUs after a reset. Soak tests compare what came back through
 * the driver and the emulated reader with this.
 *
 * It runs a fresh card with the same options (same applets, same seed) at APDU level,
 * so it is as good as the card model itself; what it checks is the transport (slot
 * routing, T=0/T=1 framing, chaining, GET RESPONSE).
 *
 * Transport-independent answers need APDUs whose Le is 00 (0000), exact, or absent with a
 * response of at most 256 bytes: with a wrong explicit Le a T=0 driver re-issues on
 * 6C XX while an APDU-level reader returns 6C XX; and a response longer than Ne comes
 * back as 61 XX at APDU level, which a T=0 driver may already have fetched.
 */

import { SimCard } from './sim-card.ts';
import type { CardOptions } from './options.ts';

/** An APDU-level model of a card, fresh after a reset. */
export interface CardOracle {
  /** The response (data SW1 SW2) the card gives to `apdu`, given the APDUs before it. */
  answer(apdu: Uint8Array): Uint8Array;
  /** Starts over as after a card reset (the card's persistent files keep their updates). */
  reset(): void;
}

/** An oracle for cards built from `options`. */
export function cardOracle(options: CardOptions = {}): CardOracle {
  const card = new SimCard({ ...options, mute: false, processingMs: 0, protocolMs: 0 });
  const voltage = card.options.voltages[0]!;
  card.reset('cold', voltage);
  return {
    answer: (apdu) => card.transmitApdu(apdu).bytes,
    reset: () => {
      card.reset('cold', voltage);
    },
  };
}

/** The answers to `apdus`, in order, from a card built from `options` just after reset. */
export function expectedAnswers(options: CardOptions, apdus: readonly Uint8Array[]): Uint8Array[] {
  const oracle = cardOracle(options);
  return apdus.map((apdu) => oracle.answer(apdu));
}
