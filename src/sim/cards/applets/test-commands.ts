/**
 * Resident commands for tests and benchmarks, on every card built by the factories:
 *
 * | Command | APDU | Answer |
 * |---|---|---|
 * | GET CHALLENGE (ISO/IEC 7816-4 §7.5.3) | `00 84 00 00 Le` | Ne bytes from the card's seeded generator, 90 00 |
 * | GET DATA, sized | `00 CA P1 P2 Le` | P1P2 (big-endian) bytes of the seed's pattern ({@link patternBytes}), 90 00 |
 * | WAIT (proprietary) | `80 10 P1 P2` | 90 00 after P1P2 milliseconds of extra processing (WTX at T=1) |
 * | ECHO (proprietary) | `80 EE 00 00 Lc data Le` | the command data back, 90 00 |
 *
 * GET DATA normally takes a tag in P1P2; here P1P2 is the size so one command can ask
 * for 0 to 65535 bytes (more than 256 needs an extended Le, or 61XX/GET RESPONSE).
 */

import type { Applet, AppletContext } from '../applet.ts';
import { SW, dataReply, status, type CommandApdu, type Reply } from '../apdu.ts';
import { patternBytes } from '../prng.ts';

/** INS of GET CHALLENGE. */
export const INS_GET_CHALLENGE = 0x84;
/** INS of GET DATA (sized). */
export const INS_GET_DATA = 0xca;
/** INS of the proprietary WAIT command (CLA 80). */
export const INS_WAIT = 0x10;
/** INS of the proprietary ECHO command (CLA 80). */
export const INS_ECHO = 0xee;

/** A new test-commands applet. */
export function testCommandsApplet(): Applet {
  return {
    name: 'test-commands',
    process(command: CommandApdu, context: AppletContext): Reply | undefined {
      if (command.cla === 0x00 && command.ins === INS_GET_CHALLENGE) {
        if (command.p1 !== 0 || command.p2 !== 0) return status(SW.INCORRECT_P1P2);
        if (!command.hasLe || command.data.length !== 0) return status(SW.WRONG_LENGTH);
        return dataReply(context.random(command.ne));
      }
      if (command.cla === 0x00 && command.ins === INS_GET_DATA) {
        if (command.data.length !== 0) return status(SW.WRONG_LENGTH);
        return dataReply(patternBytes(context.seed, (command.p1 << 8) | command.p2));
      }
      if (command.cla === 0x80 && command.ins === INS_WAIT) {
        return { data: new Uint8Array(0), sw: SW.OK, extraMs: (command.p1 << 8) | command.p2 };
      }
      if (command.cla === 0x80 && command.ins === INS_ECHO) {
        return dataReply(command.data.slice());
      }
      return undefined;
    },
  };
}
