/**
 * How card applications plug into a virtual card. An {@link Applet} handles the
 * commands it knows and returns `undefined` for the others; the {@link CardOs}
 * dispatcher routes each command APDU (ISO/IEC 7816-4 §5, §7):
 *
 * 1. Class byte checks (logical channels, secure messaging and command chaining are
 *    not offered: 68 81, 68 82, 68 84; CLA FF: 6E 00). CLA A0 (GSM 11.11) is taken as 00.
 * 2. SELECT by DF name (P1 = 04) picks the applet whose AID matches (fully or as a
 *    prefix of at least 5 bytes, §7.1.1) and calls its `select`.
 * 3. Otherwise the selected AID applet is asked first, then the resident applets (those
 *    without an AID: file system, test commands) in order. A resident applet that
 *    handles a SELECT successfully deselects the AID applet.
 * 4. No taker: 6D 00 (INS not supported).
 */

import type { CommandApdu, Reply } from './apdu.ts';

/** What an applet can ask of the card it runs on. */
export interface AppletContext {
  /** The card's seed (per-card contents). */
  readonly seed: number;
  /** Whether the card supports extended length APDUs. */
  readonly extendedLength: boolean;
  /** Pseudo-random bytes from the card's seeded generator (reseeded at each reset). */
  random(count: number): Uint8Array;
}

/** A card application. */
export interface Applet {
  /** Short name for logs. */
  readonly name: string;
  /** AID for SELECT by DF name; absent for resident applets, which see every command. */
  readonly aid?: Uint8Array;
  /** Answer to the SELECT that selects it (default 90 00 without data). */
  select?(command: CommandApdu, context: AppletContext): Reply;
  /** Handles `command`, or returns `undefined` when the command is not for this applet. */
  process(command: CommandApdu, context: AppletContext): Reply | undefined;
  /** Card reset: clear volatile state (selection, verified PINs). Persistent data stays. */
  reset?(): void;
}

/** Builds an applet for a card with the given seed (so each card gets its own state). */
export type AppletFactory = (seed: number) => Applet;
