/**
 * `ccid atr HEX`: what pcsc-tools' ATR_analysis prints (every interface byte, the
 * historical bytes, TCK), the card's timing at a given clock, and the card's
 * identification from pcsc-tools' `smartcard_list.txt`. `--json` prints one object with
 * the parsed fields, `identification` and `timing`. Exit code 0 for a well-formed ATR,
 * 1 when the ATR has errors (the analysis is printed all the same).
 */
import { ArgumentError } from '../../errors.ts';
import { describeAtr } from '../../iso7816/atr/describe.ts';
import { parseAtr, type Atr } from '../../iso7816/atr/parse.ts';
import { atrSummary } from '../../iso7816/atr/summary.ts';
import { DD, FD } from '../../iso7816/atr/tables.ts';
import {
  cardTiming, etuMs, t0ReadTimeoutMs, t0WaitingTimeMs, t1BlockWaitingTimeMs, t1CharacterWaitingTimeMs, t1ReadTimeoutMs,
  type LinkTiming,
} from '../../iso7816/timeouts.ts';
import { fromHex } from '../../util/hex.ts';
import { loadAtrList, type LoadedAtrList } from '../atr-db-node.ts';
import type { Command } from '../command.ts';
import { jsonLine, style, type Output } from '../output.ts';

/** Clock used for the timing figures unless `--clock` says otherwise: 4 MHz, the most common dwDefaultClock. */
const DEFAULT_CLOCK_KHZ = 4000;

/** The card's timing at `clockKhz`, at the Fi/Di of TA1 (in force after PPS or in specific mode). */
export interface AtrTiming {
  readonly clockKhz: number;
  readonly fi: number;
  readonly di: number;
  readonly etuMs: number;
  readonly t0: { readonly wwtMs: number; readonly readTimeoutMs: number } | null;
  readonly t1: { readonly bwtMs: number; readonly cwtMs: number; readonly readTimeoutMs: number } | null;
}

/** Timing figures of `atr` at `clockKhz` (Fi/Di of TA1, or the defaults when TA1 is absent or RFU). */
export function atrTiming(atr: Atr, clockKhz: number): AtrTiming {
  const link: LinkTiming = { clockKhz, fi: atr.fi ?? FD, di: atr.di ?? DD };
  const card = cardTiming(atr);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    clockKhz,
    fi: link.fi,
    di: link.di,
    etuMs: round(etuMs(link)),
    t0: atr.protocols.includes(0) ? { wwtMs: round(t0WaitingTimeMs(card.wi, link)), readTimeoutMs: t0ReadTimeoutMs(card, link) } : null,
    t1: atr.protocols.includes(1)
      ? { bwtMs: round(t1BlockWaitingTimeMs(card.bwi, link)), cwtMs: round(t1CharacterWaitingTimeMs(card.cwi, link)), readTimeoutMs: t1ReadTimeoutMs(card, link) }
      : null,
  };
}

function parseClock(value: string | true | undefined): number {
  if (value === undefined) return DEFAULT_CLOCK_KHZ;
  const khz = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(khz) || khz <= 0 || khz > 100_000) throw new ArgumentError(`--clock takes a clock frequency in kHz (e.g. 4000), got "${String(value)}"`);
  return khz;
}

const ms = (v: number): string =>
  v >= 1000 ? `${Number((v / 1000).toFixed(3))} s` : v >= 1 ? `${Number(v.toFixed(3))} ms` : `${Number((v * 1000).toFixed(3))} µs`;

function printReadable(out: Output, atr: Atr, timing: AtrTiming, db: LoadedAtrList | undefined): void {
  for (const line of describeAtr(atr)) {
    if (line.startsWith('ERROR:')) out.line(style(out, 'red', line));
    else if (line.startsWith('warning:')) out.line(style(out, 'yellow', line));
    else if (line.startsWith('+ ') || line.startsWith('ATR:')) out.line(style(out, 'bold', line));
    else out.line(line);
  }
  out.line(style(out, 'bold', `+ Timing at f = ${timing.clockKhz} kHz, Fi/Di = ${timing.fi}/${timing.di} (--clock KHZ for another clock):`));
  out.line(`  1 etu = ${ms(timing.etuMs)}`);
  if (timing.t0 !== null) out.line(`  T=0: WWT = ${ms(timing.t0.wwtMs)}, CCID read timeout ${ms(timing.t0.readTimeoutMs)}`);
  if (timing.t1 !== null) out.line(`  T=1: BWT = ${ms(timing.t1.bwtMs)}, CWT = ${ms(timing.t1.cwtMs)}, CCID read timeout ${ms(timing.t1.readTimeoutMs)}`);
  out.line('');
  if (db === undefined) {
    out.line('No ATR list found: install pcsc-tools (smartcard_list.txt) or point to one with --atr-db FILE.');
    return;
  }
  const matches = db.list.match(atr.raw);
  out.line(style(out, 'bold', `Possibly identified card (using ${db.path}):`));
  if (matches.length === 0) out.line('  not in the list');
  for (const m of matches) {
    out.line(`  ${m.pattern}`);
    for (const d of m.descriptions) out.line(style(out, 'cyan', `      ${d}`));
  }
}

/** `ccid atr`: ATR analysis and identification. */
export const atrCommand: Command = {
  name: 'atr',
  usage: '[--json] [--atr-db FILE] [--clock KHZ] HEX...',
  summary: 'analyse an ATR (like ATR_analysis) and identify the card from smartcard_list.txt',
  options: [
    { name: 'atr-db', takesValue: true, description: 'ATR list to identify the card (default: pcsc-tools\' smartcard_list.txt)' },
    { name: 'clock', takesValue: true, description: `card clock in kHz for the timing figures (default ${DEFAULT_CLOCK_KHZ})` },
  ],
  async run(args, out) {
    if (args.positionals.length === 0) throw new ArgumentError('give the ATR in hex, e.g. ccid atr 3B 8E 80 01 80 31 80 66 B1 84 0C 01 6E 01 83 00 90 00 1C');
    const atr = parseAtr(fromHex(args.positionals.join('')));
    const clockKhz = parseClock(args.options.get('clock'));
    const dbOption = args.options.get('atr-db');
    if (dbOption === true) throw new ArgumentError('--atr-db needs a file');
    const db = await loadAtrList(dbOption);
    const timing = atrTiming(atr, clockKhz);
    if (args.options.has('json')) {
      const identification = db === undefined ? [] : db.list.match(atr.raw).flatMap((m) => m.descriptions);
      out.line(jsonLine({ ...atrSummary(atr), identification, atrList: db?.path ?? null, timing }));
    } else {
      printReadable(out, atr, timing, db);
    }
    return atr.errors.length === 0 ? 0 : 1;
  },
};
