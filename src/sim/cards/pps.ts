/**
 * The card side of protocol and parameters selection (ISO/IEC 7816-3 §9).
 *
 * Request and response: PPSS = FF, PPS0 (b5/b6/b7 announce PPS1/PPS2/PPS3, b4-b1 = T),
 * PPS1 (FI DI), PPS2, PPS3, PCK (exclusive-or of all bytes, PPSS included, is 00).
 *
 * The card answers (§9.3):
 * - `accept`: PPS1 echoed when the card supports the requested Fi/Di: the defaults
 *   (Fd = 372, Dd = 1), or its TA1 Fi with any Di from 1 up to its TA1 Di. Otherwise
 *   PPS1 is left out, which means Fd/Dd. PPS2 (SPU) and PPS3 are never echoed.
 * - `reject`: the response leaves PPS1 out (the card stays at Fd/Dd).
 * - `mute`: no answer.
 * An erroneous request (PPSS ≠ FF, wrong length, wrong PCK, b8 of PPS0 set, a protocol
 * the ATR does not offer) gets no answer, as the card would stay silent.
 */

import { DI_VALUES, FI_VALUES } from './timing.ts';

/** How the card answers a PPS request. */
export type PpsPolicy = 'accept' | 'reject' | 'mute';

/** The result of a PPS exchange on the card side. */
export interface PpsOutcome {
  /** The response bytes. */
  readonly response: Uint8Array;
  /** Protocol selected. */
  readonly protocol: 0 | 1;
  /** Fi in force after the exchange. */
  readonly fi: number;
  /** Di in force after the exchange. */
  readonly di: number;
}

/** What the card announced. */
export interface PpsCapabilities {
  /** Protocols the ATR offers. */
  readonly protocols: readonly (0 | 1)[];
  /** Fi from TA1 (372 when TA1 is absent). */
  readonly fi: number;
  /** Di from TA1 (1 when TA1 is absent). */
  readonly di: number;
  /** How to answer. */
  readonly policy: PpsPolicy;
}

/** PCK for `bytes` (the value that makes the exclusive-or of all bytes 00). */
export function ppsCheck(bytes: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i]!;
  return x;
}

/** The card's answer to a PPS request, or `undefined` for no answer. */
export function answerPps(request: Uint8Array, card: PpsCapabilities): PpsOutcome | undefined {
  if (card.policy === 'mute' || request.length < 3 || request[0] !== 0xff) return undefined;
  const pps0 = request[1]!;
  if ((pps0 & 0x80) !== 0) return undefined;
  const present = [(pps0 & 0x10) !== 0, (pps0 & 0x20) !== 0, (pps0 & 0x40) !== 0];
  const expectedLength = 3 + present.filter(Boolean).length;
  if (request.length !== expectedLength || ppsCheck(request) !== 0) return undefined;
  const t = pps0 & 0x0f;
  if (t !== 0 && t !== 1) return undefined;
  const protocol: 0 | 1 = t;
  if (!card.protocols.includes(protocol)) return undefined;

  let fi = 372;
  let di = 1;
  let echoPps1: number | undefined;
  if (present[0] && card.policy === 'accept') {
    const pps1 = request[2]!;
    const wantFi = FI_VALUES[pps1 >> 4];
    const wantDi = DI_VALUES[pps1 & 0x0f];
    if (wantFi !== undefined && wantDi !== undefined && supports(card, wantFi, wantDi)) {
      fi = wantFi;
      di = wantDi;
      echoPps1 = pps1;
    }
  }
  const out = echoPps1 === undefined ? [0xff, protocol] : [0xff, 0x10 | protocol, echoPps1];
  out.push(ppsCheck(Uint8Array.from(out)));
  return { response: Uint8Array.from(out), protocol, fi, di };
}

function supports(card: PpsCapabilities, fi: number, di: number): boolean {
  if (fi === 372 && di === 1) return true;
  return fi === card.fi && di <= card.di && di >= 1;
}
