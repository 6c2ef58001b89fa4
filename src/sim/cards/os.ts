/**
 * The card's command dispatcher: routes each command APDU to an applet (the rules are
 * in `applet.ts`). Transport matters (GET RESPONSE, ENVELOPE, 61XX/6CXX) are left to the
 * protocol front-ends; this layer sees whole commands and returns whole replies.
 */

import type { Applet, AppletContext } from './applet.ts';
import { SW, status, sameBytes, type CommandApdu, type Reply } from './apdu.ts';
import { createPrng, type Prng } from './prng.ts';

const INS_SELECT = 0xa4;

/** The card operating system: applets, the current selection and the seeded generator. */
export class CardOs {
  readonly #applets: readonly Applet[];
  readonly #seed: number;
  readonly #extendedLength: boolean;
  #selected: Applet | undefined;
  #prng: Prng;
  readonly #context: AppletContext;

  constructor(applets: readonly Applet[], seed: number, extendedLength: boolean) {
    this.#applets = applets;
    this.#seed = seed;
    this.#extendedLength = extendedLength;
    this.#prng = createPrng(seed);
    this.#context = {
      seed,
      extendedLength,
      random: (count: number) => this.#prng.bytes(count),
    };
  }

  /** Card reset: no applet selected, applets' volatile state cleared, generator reseeded. */
  reset(): void {
    this.#selected = undefined;
    this.#prng = createPrng(this.#seed);
    for (const applet of this.#applets) applet.reset?.();
  }

  /** Name of the selected AID applet, if any. */
  get selectedApplet(): string | undefined {
    return this.#selected?.name;
  }

  /** Whether the card supports extended length APDUs. */
  get extendedLength(): boolean {
    return this.#extendedLength;
  }

  /** Runs one command. Never throws: an applet failure becomes 6F 00. */
  execute(command: CommandApdu): Reply {
    try {
      return this.#dispatch(command);
    } catch {
      return status(SW.NO_DIAGNOSIS);
    }
  }

  #dispatch(raw: CommandApdu): Reply {
    if (raw.cla === 0xff) return status(SW.CLA_NOT_SUPPORTED);
    const command = raw.cla === 0xa0 ? { ...raw, cla: 0x00 } : raw;
    if ((command.cla & 0x80) === 0) {
      // First interindustry class (ISO/IEC 7816-4 §5.1.1): b5 chaining, b4-b3 SM, b2-b1 channel.
      if ((command.cla & 0x10) !== 0) return status(SW.CHAINING_NOT_SUPPORTED);
      if ((command.cla & 0x0c) !== 0) return status(SW.SECURE_MESSAGING_NOT_SUPPORTED);
      if ((command.cla & 0x03) !== 0) return status(SW.LOGICAL_CHANNEL_NOT_SUPPORTED);
    }
    if (command.ins === INS_SELECT && command.p1 === 0x04 && command.cla === 0x00) {
      const target = this.#findByAid(command.data);
      if (target !== undefined) {
        this.#selected = target;
        return target.select?.(command, this.#context) ?? status(SW.OK);
      }
    }
    const first = this.#selected?.process(command, this.#context);
    if (first !== undefined) return first;
    for (const applet of this.#applets) {
      if (applet.aid !== undefined) continue;
      const reply = applet.process(command, this.#context);
      if (reply === undefined) continue;
      if (command.ins === INS_SELECT && (reply.sw === SW.OK || (reply.sw & 0xff00) === SW.MORE_DATA)) {
        this.#selected = undefined;
      }
      return reply;
    }
    if (command.ins === INS_SELECT && command.p1 === 0x04) return status(SW.FILE_NOT_FOUND);
    return status(SW.INS_NOT_SUPPORTED);
  }

  #findByAid(name: Uint8Array): Applet | undefined {
    for (const applet of this.#applets) {
      const aid = applet.aid;
      if (aid === undefined) continue;
      if (sameBytes(aid, name)) return applet;
      // Selection by a truncated DF name (§7.1.1): at least the 5-byte RID.
      if (name.length >= 5 && name.length < aid.length && sameBytes(aid.subarray(0, name.length), name)) return applet;
    }
    return undefined;
  }
}
