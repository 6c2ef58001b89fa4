/** The sub-commands of `ccid`. Add one import and one entry per command. */
import type { Command } from './command.ts';
import { atrCommand } from './commands/atr.ts';
import { parseCommand } from './commands/parse.ts';

export const COMMANDS: readonly Command[] = [
  atrCommand,
  parseCommand,
];
