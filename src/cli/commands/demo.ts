/**
 * `ccid demo` (`npm start`): the driver end to end on any machine, no reader needed. An
 * emulated sysmoOCTSIM (8 slots, 8 busy at once, TPDU level, T=0, 2.5 MHz card clock)
 * with a virtual card in every slot goes through what the driver does with a real one:
 *
 * 1. list the reader (USB descriptors read over control transfers);
 * 2. dump its descriptors in libccid's `parse` layout;
 * 3. power on every slot (class selection, ATR, automatic PPS by the reader) and show the ATRs;
 * 4. run the PC/SC hello world (SELECT A0 00 00 00 62 03 01 0C 06 01, then 00 00 00 00)
 *    on all 8 slots at once, and compare the wall time with the sum of the per-slot times:
 *    the engine keeps one command in flight per slot over the one bulk pipe, so the slots'
 *    card times overlap;
 * 5. say what to run next.
 *
 * Card times are the emulator's: bytes clocked at 2.5 MHz and the Fi/Di in force, plus
 * 12 ms of card processing per APDU (see `../sim-node.ts`). `--sim PROFILE` runs the demo
 * on another profile; `--json` prints one object with the figures.
 */
import { formatLibccidParse } from '../../descriptors/index.ts';
import { exchangeLevelName } from '../../readers/index.ts';
import { openReader, type PowerOnResult, type Reader, type Slot } from '../../reader/index.ts';
import { HELLO_WORLD_AID } from '../../sim/index.ts';
import { toHex, vidPid } from '../../util/hex.ts';
import type { Command } from '../command.ts';
import { discoverReaders, emulationOf, openHost, readerName, readerSerial } from '../devices.ts';
import { formatMs, jsonLine, style, table, withProgress, type Output } from '../output.ts';
import { swHex } from '../open-reader.ts';
import { DEFAULT_SIM_PROFILE, simProfileOf } from '../sim-node.ts';

/** SELECT by AID (ISO/IEC 7816-4 §11.2.2) of the hello world applet. */
const SELECT_HELLO = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, HELLO_WORLD_AID.length, ...HELLO_WORLD_AID);
/** The applet's only command: answers "Hello world!". */
const SAY_HELLO = Uint8Array.of(0x00, 0x00, 0x00, 0x00);

/** One slot's hello world. */
export interface HelloResult {
  readonly slot: number;
  readonly text: string;
  readonly sw: number;
  /** From the SELECT to the answer of 00 00 00 00, in ms. */
  readonly ms: number;
}

/** The demo's figures (`--json`). */
export interface DemoFigures {
  readonly reader: string;
  readonly slots: number;
  readonly maxBusySlots: number;
  readonly powerOn: readonly { slot: number; atr: string; protocol: number; fi: number; di: number; ms: number }[];
  readonly hello: readonly HelloResult[];
  /** Wall time of the parallel hello world, ms. */
  readonly wallMs: number;
  /** Sum of the per-slot times, ms. */
  readonly sumMs: number;
  /** sumMs / wallMs. */
  readonly speedUp: number;
  /** Most slots the emulated reader saw busy at once. */
  readonly peakBusySlots: number | null;
}

function heading(out: Output, n: number, text: string): void {
  out.line('');
  out.line(style(out, 'bold', `${n}. ${text}`));
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

async function hello(slot: Slot): Promise<HelloResult> {
  const { value, ms } = await timed(async () => {
    await slot.transmit(SELECT_HELLO);
    return slot.transmit(SAY_HELLO);
  });
  return { slot: slot.index, text: new TextDecoder().decode(value.data), sw: value.sw, ms };
}

function printNext(out: Output): void {
  heading(out, 5, 'What to run next');
  const next: [string, string][] = [
    ['ccid scan --sim', 'live view of readers and cards (pcsc_scan without pcscd)'],
    ['ccid apdu --sim 00A404000AA00000006203010C0601 00000000', 'send APDUs yourself'],
    ['ccid script --sim FILE', 'run an APDU script with expected answers (README: "ccid script")'],
    ['ccid demo --capture demo.pcap', 'the same demo, every USB transfer written for Wireshark'],
    ['ccid decode demo.pcap', 'the CCID conversation in that capture'],
    ['ccid sim --list', 'other emulated readers (--sim PROFILE)'],
    ['ccid list, ccid info, ccid scan', 'the same on your real readers (no pcscd needed)'],
    ['ccid atr 3B 9A 96 80 31 FE 45 80 58 63 63 69 64 2D 73 69 6D 89', 'analyse an ATR'],
  ];
  const width = Math.max(...next.map(([c]) => c.length));
  for (const [command, what] of next) out.line(`  ${style(out, 'cyan', command.padEnd(width))}  ${what}`);
}

async function powerOnAll(slots: readonly Slot[], out: Output): Promise<{ slot: Slot; session: PowerOnResult; ms: number }[]> {
  let done = 0;
  return withProgress(out, `powering on ${slots.length} slots`, (p) =>
    Promise.all(
      slots.map(async (slot) => {
        const { value, ms } = await timed(() => slot.powerOn());
        p.update(`powering on: ${++done}/${slots.length} slots`);
        return { slot, session: value, ms };
      }),
    ),
  );
}

/** Runs the demo on an opened reader; prints unless `json`. */
async function runDemo(reader: Reader, out: Output, json: boolean, peakBusy: () => number | null): Promise<DemoFigures> {
  const caps = reader.capabilities();
  const cardSlots = reader.slots.filter((s) => s.state !== 'absent');
  if (!json) heading(out, 3, `Power on every slot (class selection ${caps.automaticVoltage ? 'by the reader' : caps.voltages.map((v) => `${v} V`).join(' → ')}, ATR, PPS)`);
  const powered = await powerOnAll(cardSlots, out);
  if (!json) {
    const rows = powered.map(({ slot, session, ms }) => [
      String(slot.index),
      toHex(session.atr),
      session.voltage === 'auto' ? 'auto' : `${session.voltage} V`,
      `T=${session.protocol}`,
      `${session.fi}/${session.di}`,
      `${Math.round(session.rateBps / 100) / 10} kbit/s`,
      formatMs(ms),
    ]);
    for (const line of table(['Slot', 'ATR', 'Power', 'Proto', 'Fi/Di', 'Rate', 'Time'], rows)) out.line(`  ${line}`);
  }

  if (!json) heading(out, 4, `Hello world on all ${cardSlots.length} slots at once (SELECT ${toHex(HELLO_WORLD_AID)}, then 00 00 00 00)`);
  const { value: results, ms: wallMs } = await withProgress(out, `hello world on ${cardSlots.length} slots`, () => timed(() => Promise.all(cardSlots.map(hello))));
  const sumMs = results.reduce((sum, r) => sum + r.ms, 0);
  const speedUp = wallMs > 0 ? sumMs / wallMs : 0;
  const peak = peakBusy();
  if (!json) {
    const rows = results.map((r) => [String(r.slot), JSON.stringify(r.text), `${swHex(r.sw).slice(0, 2)} ${swHex(r.sw).slice(2)}`, formatMs(r.ms)]);
    for (const line of table(['Slot', 'Answer', 'SW', 'Time'], rows)) out.line(`  ${line}`);
    out.line('');
    out.line(`  Sum of the per-slot times: ${formatMs(sumMs).padStart(9)}   (one slot after the other would take about this long)`);
    out.line(`  Wall time, all at once:    ${formatMs(wallMs).padStart(9)}`);
    out.line(style(out, 'green', `  Speed-up: ${speedUp.toFixed(1)}× with ${cardSlots.length} slots (bMaxCCIDBusySlots ${caps.simultaneous}${peak === null ? '' : `; the reader saw up to ${peak} slots busy at once`})`));
  }
  await Promise.all(cardSlots.map((s) => s.powerOff().catch(() => undefined)));
  return {
    reader: reader.name,
    slots: reader.slots.length,
    maxBusySlots: caps.simultaneous,
    powerOn: powered.map(({ slot, session, ms }) => ({ slot: slot.index, atr: toHex(session.atr, ''), protocol: session.protocol, fi: session.fi, di: session.di, ms })),
    hello: results,
    wallMs,
    sumMs,
    speedUp,
    peakBusySlots: peak,
  };
}

/** The `demo` command. */
export const demoCommand: Command = {
  name: 'demo',
  usage: '[--sim PROFILE] [--json] [--capture FILE.pcap]',
  summary: 'the driver end to end on an emulated 8-slot reader (npm start): no hardware needed',
  options: [],
  async run(args, out) {
    const json = args.options.has('json');
    const profile = simProfileOf(args.options) ?? DEFAULT_SIM_PROFILE;
    const host = await openHost(args.options, { sim: profile });
    const session = emulationOf(host);
    const [entry] = await discoverReaders(host);
    if (entry?.description === undefined) {
      out.error(`ccid demo: the emulated reader could not be read${entry?.error === undefined ? '' : `: ${entry.error.message}`}`);
      return 1;
    }
    if (!json) {
      out.line(style(out, 'bold', 'ccid demo: a userspace CCID driver talking to an emulated reader over (emulated) USB'));
      out.line('Nothing here needs hardware: the emulator speaks USB bytes only, and the driver does the rest.');
      heading(out, 1, 'The reader');
      const itf = entry.description.interfaces[0];
      const rows = [[vidPid(entry.device.vendorId, entry.device.productId), readerName(entry), readerSerial(entry) ?? '-', String(itf?.slotCount ?? '?'), String(itf?.ccid.maxCcidBusySlots ?? '?'), itf === undefined ? '?' : exchangeLevelName(itf.ccid.features.exchangeLevel)]];
      for (const line of table(['VID:PID', 'Reader', 'Serial', 'Slots', 'Busy', 'Level'], rows)) out.line(`  ${line}`);
      heading(out, 2, "Its descriptors, in the layout of libccid's parse (ccid info prints this for a real reader)");
      for (const line of formatLibccidParse(entry.description)) out.line(`  ${line}`);
    }
    const reader = await openReader(entry.device, { description: entry.description });
    try {
      const emulated = session?.readers[0];
      const figures = await runDemo(reader, out, json, () => emulated?.stats.peakBusySlots ?? null);
      if (json) out.line(jsonLine(figures));
      else printNext(out);
      return 0;
    } finally {
      await reader.close().catch(() => undefined);
    }
  },
};
