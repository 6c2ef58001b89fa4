/**
 * `ccid sim --list`: the reader profiles the built-in emulator offers to `--sim PROFILE`:
 * name, VID:PID, product, slots, how many may be busy at once, exchange level, protocols,
 * and whether the reader exists (a profile from a real reader's descriptors) or is
 * synthetic (made up to cover an exchange level or a slot layout). `--json`: one array.
 *
 * Any libccid fixture works too: `--sim path/to/reader.desc`.
 */
import { ArgumentError } from '../../errors.ts';
import { listProfiles, type ProfileInfo } from '../../sim/index.ts';
import type { Command } from '../command.ts';
import { jsonLine, table } from '../output.ts';
import { DEFAULT_SIM_PROFILE } from '../sim-node.ts';

/** `dwProtocols` bits 0 and 1 as `T=0`, `T=1`, `T=0,T=1`. */
export function protocolsText(dwProtocols: number): string {
  const list = [0, 1].filter((t) => (dwProtocols & (1 << t)) !== 0).map((t) => `T=${t}`);
  return list.length === 0 ? '-' : list.join(',');
}

function row(p: ProfileInfo): string[] {
  return [
    p.name + (p.name === DEFAULT_SIM_PROFILE ? ' (default)' : ''),
    p.vidPid,
    String(p.slots),
    String(p.busySlots),
    p.exchangeLevel,
    protocolsText(p.protocols),
    p.synthetic ? 'synthetic' : (p.product ?? ''),
  ];
}

/** The `sim` command. */
export const simCommand: Command = {
  name: 'sim',
  usage: '--list [--json]',
  summary: 'list the emulated reader profiles that --sim PROFILE accepts',
  options: [{ name: 'list', short: 'l', description: 'list the built-in profiles (the default action)' }],
  async run(args, out) {
    if (args.positionals.length > 0) {
      throw new ArgumentError(`ccid sim takes no argument; to use a profile, add --sim ${args.positionals[0]} to another command (e.g. ccid scan -c --sim ${args.positionals[0]})`);
    }
    const profiles = listProfiles();
    if (args.options.has('json')) {
      out.line(jsonLine(profiles.map((p) => ({ ...p, protocols: protocolsText(p.protocols).split(','), default: p.name === DEFAULT_SIM_PROFILE }))));
      return 0;
    }
    for (const line of table(['Profile', 'VID:PID', 'Slots', 'Busy', 'Level', 'Protocols', 'Reader'], profiles.map(row))) out.line(line);
    out.line('');
    out.line('Use one with any command: ccid scan -c --sim 3slot-2busy, ccid info --sim tpdu-t1-1slot.');
    out.line('Any descriptor fixture works too: --sim ../shared/reference/libccid/fixtures/<reader>.desc');
    out.line('Every slot holds a virtual card (hello world and USIM applets), each with its own seed.');
    return 0;
  },
};
