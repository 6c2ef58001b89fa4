/**
 * The virtual card: ATR, power and voltage classes, PPS, and the three front-ends
 * (T=0 TPDU, T=1 blocks, APDU) over one card operating system. Implements the
 * emulator's {@link VirtualCard} contract (`src/sim/card.ts`).
 *
 * Power: `reset` at a voltage the card does not support, or on a mute card, returns
 * `undefined` and leaves the card off; every exchange with a card that is off, or in
 * a protocol its ATR does not offer, is mute. PPS is only answered as the first
 * exchange after a reset (ISO/IEC 7816-3 §9.1) and never in specific mode.
 */

import type { CardAnswer, CardLink, VirtualCard } from '../card.ts';
import type { Applet } from './applet.ts';
import { ApduLevel, type FrontEndAnswer } from './apdu-level.ts';
import { buildAtr, type Voltage } from './atr.ts';
import { helloWorldApplet } from './applets/hello-world.ts';
import { testCommandsApplet } from './applets/test-commands.ts';
import { UsimApplet } from './applets/usim.ts';
import { resolveCardOptions, type CardOptions, type ResolvedCardOptions } from './options.ts';
import { CardOs } from './os.ts';
import { answerPps } from './pps.ts';
import { T0CardSide } from './t0.ts';
import { T1CardSide } from './t1.ts';
import { bwtMs, defaultLink } from './timing.ts';

const MUTE: CardAnswer = { bytes: new Uint8Array(0), processingMs: 0, mute: true };

/** Builds the applets an options object names. */
export function buildApplets(options: ResolvedCardOptions): Applet[] {
  return options.applets.map((spec) => {
    switch (spec) {
      case 'hello-world':
        return helloWorldApplet();
      case 'usim':
        return new UsimApplet({ seed: options.seed, pin: options.pin, pinRetries: options.pinRetries, pinEnabled: options.pinEnabled });
      case 'test-commands':
        return testCommandsApplet();
      default:
        return spec(options.seed);
    }
  });
}

/** A virtual smart card. */
export class SimCard implements VirtualCard {
  readonly label: string;
  /** The ATR the card answers with. */
  readonly atr: Uint8Array;
  /** The options in force, defaults applied. */
  readonly options: ResolvedCardOptions;
  /** The applets on the card (for tests that inspect state, e.g. the PIN counter). */
  readonly applets: readonly Applet[];
  readonly #os: CardOs;
  readonly #apdu: ApduLevel;
  readonly #t0: T0CardSide;
  readonly #t1: T1CardSide;
  #powered = false;
  #ppsAllowed = false;
  #link: CardLink;
  #resets = 0;

  /** @throws {ArgumentError} on invalid options. */
  constructor(options: CardOptions = {}) {
    const o = resolveCardOptions(options);
    this.options = o;
    this.label = o.label;
    this.atr = o.atr ?? buildAtr({
      protocols: o.protocols,
      ...(o.ta1 !== undefined ? { ta1: o.ta1 } : {}),
      n: o.n,
      ...(o.wi !== undefined ? { wi: o.wi } : {}),
      specificMode: o.specificMode,
      ifsc: o.ifsc,
      bwi: o.bwi,
      cwi: o.cwi,
      edc: o.edc,
      ...(o.classIndicator ? { classes: o.voltages } : {}),
      clockStop: o.clockStop,
      historicalBytes: o.historicalBytes,
    });
    this.applets = buildApplets(o);
    this.#os = new CardOs(this.applets, o.seed, o.extendedLength);
    const timing = { processingMs: o.processingMs, protocolMs: o.protocolMs };
    this.#apdu = new ApduLevel(this.#os, timing);
    this.#t0 = new T0CardSide(this.#os, timing);
    this.#t1 = new T1CardSide({
      ifsc: o.ifsc,
      edc: o.edc,
      protocolMs: o.protocolMs,
      bwtMs: () => bwtMs(o.bwi, this.#link),
      apdu: (command) => this.#apdu.transmit(command),
    });
    this.#link = this.#initialLink();
  }

  /** Whether the card is powered (answered its last reset and was not powered off). */
  get powered(): boolean {
    return this.#powered;
  }

  /** The link parameters the card currently assumes. */
  get link(): CardLink {
    return this.#link;
  }

  /** IFSD in force at T=1 (32 until the reader sends S(IFS request)). */
  get ifsd(): number {
    return this.#t1.ifsd;
  }

  /** Number of resets the card answered (cold or warm). */
  get resetCount(): number {
    return this.#resets;
  }

  reset(kind: 'cold' | 'warm', voltage: Voltage): Uint8Array | undefined {
    void kind; // cold and warm resets give the same ATR and the same fresh state
    if (this.options.mute || !this.options.voltages.includes(voltage)) {
      this.#powered = false;
      return undefined;
    }
    this.#powered = true;
    this.#ppsAllowed = !this.options.specificMode;
    this.#link = this.#initialLink();
    this.#os.reset();
    this.#apdu.reset();
    this.#t0.reset();
    this.#t1.reset();
    this.#resets += 1;
    return this.atr.slice();
  }

  powerOff(): void {
    this.#powered = false;
  }

  pps(request: Uint8Array): Uint8Array | undefined {
    if (!this.#powered || !this.#ppsAllowed) return undefined;
    this.#ppsAllowed = false;
    const o = this.options;
    const outcome = answerPps(request, {
      protocols: o.protocols,
      fi: o.ta1?.fi ?? 372,
      di: o.ta1?.di ?? 1,
      policy: o.pps,
    });
    if (outcome === undefined) return undefined;
    this.#link = { clockHz: this.#link.clockHz, fi: outcome.fi, di: outcome.di, protocol: outcome.protocol };
    return outcome.response;
  }

  setLink(link: CardLink): void {
    this.#link = { ...link };
  }

  transmitT0(tpdu: Uint8Array): CardAnswer {
    if (!this.#powered || !this.options.protocols.includes(0)) return MUTE;
    this.#ppsAllowed = false;
    return toCardAnswer(this.#t0.receive(tpdu));
  }

  transmitT1(block: Uint8Array): CardAnswer {
    if (!this.#powered || !this.options.protocols.includes(1)) return MUTE;
    this.#ppsAllowed = false;
    return toCardAnswer(this.#t1.receive(block));
  }

  transmitApdu(apdu: Uint8Array): CardAnswer {
    if (!this.#powered) return MUTE;
    this.#ppsAllowed = false;
    return toCardAnswer(this.#apdu.transmit(apdu));
  }

  #initialLink(): CardLink {
    const o = this.options;
    const base = defaultLink(o.protocols[0]!, this.#link?.clockHz);
    // Specific mode: Fi/Di from TA1 from the start (§8.3, TA2 b5 = 0).
    return o.specificMode && o.ta1 !== undefined ? { ...base, fi: o.ta1.fi, di: o.ta1.di } : base;
  }
}

function toCardAnswer(answer: FrontEndAnswer | undefined): CardAnswer {
  if (answer === undefined) return MUTE;
  return answer.extraMs === undefined
    ? { bytes: answer.bytes, processingMs: answer.processingMs }
    : { bytes: answer.bytes, processingMs: answer.processingMs, extraMs: answer.extraMs };
}
