/** The sub-commands of `ccid`. Add one import and one entry per command. */
import type { Command } from './command.ts';
import { decodeCommand } from './commands/decode.ts';
import { atrCommand } from './commands/atr.ts';
import { parseCommand } from './commands/parse.ts';
import { listCommand } from './commands/list.ts';
import { infoCommand } from './commands/info.ts';
import { simCommand } from './commands/sim.ts';
import { apduCommand } from './commands/apdu.ts';
import { scriptCommand } from './commands/script.ts';
import { scanCommand } from './commands/scan.ts';
import { demoCommand } from './commands/demo.ts';

export const COMMANDS: readonly Command[] = [
  decodeCommand,
  atrCommand,
  parseCommand,
  listCommand,
  infoCommand,
  scanCommand,
  apduCommand,
  scriptCommand,
  simCommand,
  demoCommand,
];
