/** The sub-commands of `ccid`. Add one import and one entry per command. */
import type { Command } from './command.ts';

export const COMMANDS: readonly Command[] = [];
