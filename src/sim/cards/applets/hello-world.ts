/**
 * The classic PC/SC "hello world" applet: SELECT by AID A0 00 00 00 62 03 01 0C 06 01
 * answers 90 00, then `00 00 00 00` answers "Hello world!" 90 00.
 */

import type { Applet } from '../applet.ts';
import { dataReply, type CommandApdu, type Reply } from '../apdu.ts';

/** The hello world applet's AID. */
export const HELLO_WORLD_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x0c, 0x06, 0x01);

/** The hello world answer's data: ASCII "Hello world!". */
export const HELLO_WORLD_TEXT = 'Hello world!';

/** A new hello world applet. */
export function helloWorldApplet(): Applet {
  const text = new TextEncoder().encode(HELLO_WORLD_TEXT);
  return {
    name: 'hello-world',
    aid: HELLO_WORLD_AID,
    process(command: CommandApdu): Reply | undefined {
      if (command.cla === 0x00 && command.ins === 0x00 && command.p1 === 0x00 && command.p2 === 0x00) {
        return dataReply(text.slice());
      }
      return undefined;
    },
  };
}
