/**
 * `ccid parse FILE.desc`: prints a descriptor fixture in the layout of libccid's `parse`
 * tool (one block per CCID/ICCD interface), so that a reader saved by ccid can be
 * compared with, and contributed to, libccid's reader database. `--json` prints every
 * decoded field instead. Warnings about odd descriptors go to standard error, so the
 * standard output stays byte-comparable with a libccid dump.
 *
 * Exit codes: 0 printed; 1 the file has no CCID interface or is malformed; 2 usage.
 */
import { readFileSync } from 'node:fs';
import { ArgumentError } from '../../errors.ts';
import { parseDescriptorFixture } from '../../fixtures/desc-file.ts';
import { descriptionToJson, formatLibccidParse, parseDescriptorSet } from '../../descriptors/index.ts';
import type { Command } from '../command.ts';
import { jsonLine } from '../output.ts';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ArgumentError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The `parse` command. */
export const parseCommand: Command = {
  name: 'parse',
  usage: '[--json] FILE.desc',
  summary: "print a descriptor fixture (.desc) in libccid's parse layout",
  options: [],
  async run(args, out) {
    if (args.positionals.length !== 1) throw new ArgumentError('give one descriptor fixture, e.g. ccid parse descriptors/sysmocom_sysmoOCTSIM.desc');
    const path = args.positionals[0]!;
    const desc = parseDescriptorSet(parseDescriptorFixture(readText(path)));
    if (args.options.has('json')) {
      out.line(jsonLine(descriptionToJson(desc)));
      return desc.interfaces.length === 0 ? 1 : 0;
    }
    for (const warning of desc.warnings) out.error(`ccid parse: ${path}: warning: ${warning}`);
    if (desc.interfaces.length === 0) {
      out.error(`ccid parse: ${path}: no CCID or ICCD interface`);
      return 1;
    }
    for (const line of formatLibccidParse(desc)) out.line(line);
    return 0;
  },
};
