/** The sub-commands of `ccid`. Add one import and one entry per command. */
import type { Command } from './command.ts';
import { atrCommand } from './commands/atr.ts';
import { decodeCommand } from './commands/decode.ts';
import { parseCommand } from './commands/parse.ts';
import { listCommand } from './commands/list.ts';
import { infoCommand } from './commands/info.ts';

export const COMMANDS: readonly Command[] = [
  listCommand,
  infoCommand,
  parseCommand,
  atrCommand,
  decodeCommand,
];
