/**
 * The readable analysis of an ATR, one line per interface byte, in the spirit of
 * pcsc-tools' ATR_analysis: what `ccid atr` and `ccid scan` print. Library code: it
 * returns lines, the CLI prints them.
 */
import { hexByte, toHex } from '../../util/hex.ts';
import { describeHistoricalBytes } from './historical.ts';
import type { Atr, InterfaceBytes } from './parse.ts';
import { CLASS_VOLTAGE, CLOCK_STOP_TABLE, DI_TABLE, FI_TABLE, FMAX_MHZ_TABLE, decodeClassIndicator, protocolName } from './tables.ts';

const bits4 = (v: number): string => v.toString(2).padStart(4, '0');

/** Fi, Di, the etu in clock cycles and the resulting rates for TA1 (Tables 7 and 8). */
function describeTa1(ta1: number): string {
  const fi = FI_TABLE[ta1 >> 4];
  const di = DI_TABLE[ta1 & 0x0f];
  const fMax = FMAX_MHZ_TABLE[ta1 >> 4];
  const text = `Fi = ${fi ?? 'RFU'}, Di = ${di ?? 'RFU'}`;
  if (fi == null || di == null || fMax == null) return text;
  const cycles = fi / di;
  const at4 = Math.floor(4e6 / cycles);
  const atMax = Math.floor((fMax * 1e6) / cycles);
  return `${text}, ${Number(cycles.toFixed(3))} cycles/etu (${at4} bit/s at 4 MHz; fMax = ${fMax} MHz → ${atMax} bit/s)`;
}

function describeTa2(ta2: number): string {
  return `specific mode, protocol T=${ta2 & 0x0f}, ${ta2 & 0x80 ? 'unable' : 'able'} to change mode, ` +
    `${ta2 & 0x10 ? 'parameters implicitly defined' : 'parameters defined by the interface bytes'}`;
}

function describeClassByte(ta: number): string {
  const { classes, rfuBits } = decodeClassIndicator(ta & 0x3f);
  const list = classes.map((c) => `${c} (${CLASS_VOLTAGE[c]} V)`).join(', ') || 'none';
  return `clock stop: ${CLOCK_STOP_TABLE[ta >> 6]}; classes accepted: ${list}${rfuBits ? ' + RFU bits' : ''}`;
}

/** What one specific byte (i ≥ 3) means for the protocol of its level, knowing whether it is the first of its kind. */
function describeSpecific(kind: 'TA' | 'TB' | 'TC', value: number, protocol: number | null, first: boolean): string {
  if (protocol === 1 && first) {
    if (kind === 'TA') return `IFSC = ${value}${value === 0 || value === 255 ? ' (invalid)' : ''}`;
    if (kind === 'TB') return `BWI = ${value >> 4}, CWI = ${value & 0x0f}`;
    return `error detection code: ${value & 0x01 ? 'CRC' : 'LRC'}${value & 0xfe ? ' (RFU bits set)' : ''}`;
  }
  if (protocol === 15 && first) {
    if (kind === 'TA') return describeClassByte(value);
    if (kind === 'TB') return `SPU (use of C6): ${value === 0 ? 'not used' : value & 0x80 ? 'proprietary' : 'standard'}`;
    return 'global byte for T=15 (reserved)';
  }
  return `specific to T=${protocol ?? '?'}${first ? '' : ' (not the first of its kind: not interpreted)'}`;
}

function levelLines(level: InterfaceBytes, seen: Set<string>): string[] {
  const lines: string[] = [];
  const i = level.index;
  const add = (kind: 'TA' | 'TB' | 'TC' | 'TD', value: number | null, text: string) => {
    if (value !== null) lines.push(`  ${kind}(${i}) = ${hexByte(value)}: ${text}`);
  };
  const specific = (kind: 'TA' | 'TB' | 'TC', value: number | null): string => {
    if (value === null) return '';
    const key = `${kind}/${level.protocol}`;
    const first = !seen.has(key);
    seen.add(key);
    return describeSpecific(kind, value, level.protocol, first);
  };
  if (i === 1) {
    add('TA', level.ta, level.ta === null ? '' : describeTa1(level.ta));
    add('TB', level.tb, level.tb === 0 ? 'VPP not connected (TB1 is deprecated)' : `programming voltage P = ${(level.tb ?? 0) & 0x1f}, I = ${(level.tb ?? 0) >> 5} (TB1 is deprecated)`);
    add('TC', level.tc, level.tc === 255 ? 'N = 255: minimum guard time (12 etu for T=0, 11 etu for T=1)' : `N = ${level.tc}: extra guard time of ${level.tc} etu`);
  } else if (i === 2) {
    add('TA', level.ta, level.ta === null ? '' : describeTa2(level.ta));
    add('TB', level.tb, `programming voltage PI2 = ${level.tb} (TB2 is deprecated)`);
    add('TC', level.tc, `WI = ${level.tc}: waiting time 960 × ${level.tc} × Fi/f for T=0${level.tc === 0 ? ' (0 is RFU)' : ''}`);
  } else {
    add('TA', level.ta, specific('TA', level.ta));
    add('TB', level.tb, specific('TB', level.tb));
    add('TC', level.tc, specific('TC', level.tc));
  }
  if (level.td !== null) {
    const t = level.td & 0x0f;
    add('TD', level.td, `Y(${i + 1}) = ${bits4(level.td >> 4)}, ${protocolName(t)}${i === 1 && t === 15 ? ' — invalid in TD1' : ''}`);
  }
  return lines;
}

/**
 * The readable analysis of an ATR: TS, T0, every interface byte with its meaning, the
 * historical bytes decoded, TCK, a summary of the parameters in force, and the errors
 * and warnings.
 */
export function describeAtr(atr: Atr): string[] {
  const lines = [`ATR: ${toHex(atr.raw)}`];
  if (atr.ts !== null) lines.push(`+ TS = ${hexByte(atr.ts)}: ${atr.convention === null ? 'not a valid initial character' : `${atr.convention} convention`}`);
  if (atr.t0 !== null) lines.push(`+ T0 = ${hexByte(atr.t0)}: Y(1) = ${bits4(atr.t0 >> 4)}, K = ${atr.k} historical byte(s)`);
  const seen = new Set<string>();
  atr.levels.forEach((level, n) => {
    const own = levelLines(level, seen);
    if (n > 0 && own.length > 0) lines.push('  ----');
    lines.push(...own);
  });
  if (atr.t0 !== null) {
    lines.push(`+ Historical bytes (${atr.historical.length}${atr.historical.length < atr.k ? ` of ${atr.k}` : ''}): ${toHex(atr.historical)}`);
    for (const l of describeHistoricalBytes(atr.historicalInfo)) lines.push(`  ${l}`);
  }
  if (atr.tck !== null) lines.push(`+ TCK = ${hexByte(atr.tck)} (${atr.tckStatus === 'ok' ? 'correct checksum' : `wrong checksum, expected ${hexByte(atr.tckExpected!)}`})`);
  else lines.push(`+ TCK absent${atr.tckRequired ? ' (but required: a protocol other than T=0 is offered)' : ' (T=0 only)'}`);
  if (atr.extra.length > 0) lines.push(`+ Extra bytes: ${toHex(atr.extra)}`);
  lines.push('+ Parameters:');
  lines.push(`  protocols ${atr.protocols.map((t) => `T=${t}`).join(', ')}${atr.protocolsImplicit ? ' (implicit)' : ''}` +
    `${atr.specificMode === null ? ', negotiable mode' : `, specific mode T=${atr.specificMode.protocol}`}`);
  lines.push(`  Fi = ${atr.fi ?? 'RFU'}, Di = ${atr.di ?? 'RFU'}, fMax = ${atr.fMaxMhz ?? 'RFU'} MHz, N = ${atr.n}, WI = ${atr.wi}`);
  if (atr.protocols.includes(1)) {
    const t1 = atr.t1;
    lines.push(`  T=1: IFSC = ${t1.ifsc ?? '32 (default)'}, BWI = ${t1.bwi ?? '4 (default)'}, CWI = ${t1.cwi ?? '13 (default)'}, EDC = ${t1.edc ?? 'LRC (default)'}`);
  }
  if (atr.t15.ta !== null) lines.push(`  classes ${atr.t15.classes.join(', ') || 'none'}, clock stop ${atr.t15.clockStop}`);
  for (const e of atr.errors) lines.push(`ERROR: ${e}`);
  for (const w of atr.warnings) lines.push(`warning: ${w}`);
  return lines;
}
