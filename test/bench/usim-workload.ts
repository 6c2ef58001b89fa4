/**
 * The per-slot workload of the USIM benchmark: what the reference's Python script did on
 * each SIM of the sysmoOCTSIM / sysmoSIMBANK (power on, walk the GSM file system, read
 * IMSI, ICCID and a few records), as 20 command APDUs after each power-on.
 *
 * Every APDU is written so that its answer does not depend on the transport (see the
 * oracle's doc in `src/sim/cards/oracle.ts`): Le is 00 for answers of unknown length
 * (the T=0 layer turns 61 xx / 6C xx into the full answer), exact otherwise.
 */
import { fromHex } from '../../src/util/hex.ts';
import { cardOracle, usimCard } from '../../src/sim/index.ts';
import type { CardOptions, VirtualCard } from '../../src/sim/index.ts';

/** One step of the script: a label for error messages and the command APDU. */
export interface WorkloadStep {
  /** What the APDU does (SELECT MF, READ BINARY EF IMSI...). */
  readonly label: string;
  /** The command APDU. */
  readonly apdu: Uint8Array;
}

const step = (label: string, hex: string): WorkloadStep => ({ label, apdu: fromHex(hex) });

/**
 * The 20 APDUs run after each power-on (TS 102 221 / TS 31.102 commands, SELECT with
 * P2 = 04: return the FCP template, which at T=0 comes back through 61 xx + GET RESPONSE).
 */
export const USIM_SCRIPT: readonly WorkloadStep[] = [
  step('SELECT MF', '00 A4 00 04 02 3F 00 00'),
  step('SELECT EF ICCID', '00 A4 00 04 02 2F E2 00'),
  step('READ BINARY EF ICCID', '00 B0 00 00 0A'),
  step('VERIFY CHV1', '00 20 00 01 08 31 32 33 34 FF FF FF FF'),
  step('SELECT DF GSM', '00 A4 00 04 02 7F 20 00'),
  step('SELECT EF IMSI', '00 A4 00 04 02 6F 07 00'),
  step('READ BINARY EF IMSI', '00 B0 00 00 09'),
  step('SELECT EF LOCI', '00 A4 00 04 02 6F 7E 00'),
  step('READ BINARY EF LOCI', '00 B0 00 00 0B'),
  step('STATUS', '00 F2 00 00 00'),
  step('SELECT MF', '00 A4 00 04 02 3F 00 00'),
  step('SELECT DF TELECOM', '00 A4 00 04 02 7F 10 00'),
  step('SELECT EF ADN', '00 A4 00 04 02 6F 3A 00'),
  step('READ RECORD 1 EF ADN', '00 B2 01 04 1C'),
  step('READ RECORD 2 EF ADN', '00 B2 02 04 1C'),
  step('READ RECORD 3 EF ADN', '00 B2 03 04 1C'),
  step('READ RECORD 4 EF ADN', '00 B2 04 04 1C'),
  step('READ RECORD 5 EF ADN', '00 B2 05 04 1C'),
  step('SELECT MF', '00 A4 00 0C 02 3F 00'),
  step('READ BINARY EF ICCID by SFI 02', '00 B0 82 00 0A'),
];

/** The card seed of slot `slot` of reader `reader`: every card holds a different ICCID and IMSI. */
export function cardSeed(reader: number, slot: number): number {
  return 1000 + reader * 16 + slot;
}

/** The card options of the benchmark's USIMs (those of `usimCard`, spelled out for the oracle). */
const CARD_OPTIONS = { protocol: 0, fi: 512, di: 32, voltages: [5, 3, 1.8], applets: ['usim', 'test-commands'] } as const satisfies CardOptions;

/**
 * The USIM put into a slot of the benchmark.
 * @param processingMs the card's time per APDU on top of the wire time. @default the emulator's (1 ms)
 */
export function benchCard(seed: number, processingMs?: number): VirtualCard {
  return usimCard({ ...CARD_OPTIONS, seed, ...(processingMs === undefined ? {} : { processingMs }) });
}

/**
 * The answers the card with `seed` must give to {@link USIM_SCRIPT} right after a reset
 * (the same after every reset: VERIFY with the right PIN resets the try counter).
 */
export function expectedScriptAnswers(seed: number): Uint8Array[] {
  const oracle = cardOracle({ ...CARD_OPTIONS, seed });
  const first = USIM_SCRIPT.map((s) => oracle.answer(s.apdu));
  first.forEach((answer, i) => {
    const sw = (answer[answer.length - 2]! << 8) | answer[answer.length - 1]!;
    if (sw !== 0x9000) throw new Error(`bench: the card answers ${USIM_SCRIPT[i]!.label} with SW ${sw.toString(16)}, not 9000`);
  });
  oracle.reset();
  const second = USIM_SCRIPT.map((s) => oracle.answer(s.apdu));
  for (let i = 0; i < first.length; i++) {
    if (!sameBytes(first[i]!, second[i]!)) throw new Error(`bench: oracle answer to ${USIM_SCRIPT[i]!.label} changes across resets`);
  }
  return first;
}

/** Byte equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
