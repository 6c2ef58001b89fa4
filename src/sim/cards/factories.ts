/**
 * Ready-made cards. Every factory takes the full {@link CardOptions} for overrides.
 *
 * @example
 * ```ts
 * const card = helloWorldCard({ protocol: 0 });
 * card.reset('cold', 5);
 * card.transmitT0(fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01')); // 90 00
 * ```
 */

import type { CardOptions } from './options.ts';
import { SimCard } from './sim-card.ts';

/** Options of {@link helloWorldCard}. */
export interface HelloWorldCardOptions extends Omit<CardOptions, 'protocol'> {
  /** Protocols offered. @default 'both' */
  readonly protocol?: 0 | 1 | 'both';
}

/**
 * A card with the hello world applet (plus the test commands). Its ATR announces
 * TA1 = 96 (Fi 512, Di 32) unless `fi`/`di` say otherwise, so a PPS can speed it up.
 */
export function helloWorldCard(options: HelloWorldCardOptions = {}): SimCard {
  return new SimCard({
    fi: 512,
    di: 32,
    applets: ['hello-world', 'test-commands'],
    ...options,
  });
}

/** Options of {@link usimCard}. */
export interface UsimCardOptions extends CardOptions {
  /** Seed of the contents: use the slot number to get different ICCID/IMSI per slot. */
  readonly seed: number;
}

/**
 * A USIM-like card (file system, CHV1, test commands) whose contents derive from `seed`.
 * T=0 only by default, as most SIMs, with TA1 = 96 and a class indicator A/B/C.
 */
export function usimCard(options: UsimCardOptions): SimCard {
  return new SimCard({
    protocol: 0,
    fi: 512,
    di: 32,
    voltages: [5, 3, 1.8],
    applets: ['usim', 'test-commands'],
    ...options,
  });
}

/** Hello world applet and USIM files on one card (the default applet set). */
export function combinedCard(options: CardOptions = {}): SimCard {
  return new SimCard({ fi: 512, di: 32, applets: ['hello-world', 'usim', 'test-commands'], ...options });
}

/** A card from plain options (defaults: T=0 and T=1, no TA1, all built-in applets). */
export function cardFromOptions(options: CardOptions = {}): SimCard {
  return new SimCard(options);
}
