/**
 * Protocol and parameters after the ATR (ISO/IEC 7816-3 §9, CCID 1.1 §6.1.7): which
 * protocol, which Fi/Di, who runs the PPS exchange, and the protocol data structure the
 * reader gets with PC_to_RDR_SetParameters.
 *
 * Who runs PPS, from dwFeatures (CCID 1.1 §5.1, Table 5.1-1):
 * - 0x40 "automatic parameters negotiation made by the CCID": the reader negotiates on its
 *   own; the host reads the result (GetParameters) and sends nothing.
 * - 0x80 "automatic PPS made by the CCID according to the active parameters": the host
 *   sends SetParameters with the wanted Fi/Di and protocol; the reader runs the PPS.
 * - neither, at TPDU level: the host sends the PPS request itself in a
 *   PC_to_RDR_XfrBlock (as libccid's PPS_Exchange does) and checks the echo (§9.3), then
 *   tells the reader with SetParameters.
 * - at APDU level without either bit the reader owns the card link: SetParameters only.
 * - at character level: no PPS (the driver does not run the character protocol).
 *
 * The fastest Fi/Di both sides allow comes from {@link choosePps} (card TA1, the reader's
 * GET_DATA_RATES list or dwMaxDataRate, and the clock). A failed PPS leaves the card in an
 * unknown state: the caller re-activates it and continues with Fd/Dd (§9.3: "the
 * interface device shall perform a deactivation").
 */
import type { CcidInterfaceDescription } from '../descriptors/ccid-interface.ts';
import type { ProtocolData } from '../ccid/messages.ts';
import { NotSupportedError } from '../errors.ts';
import type { Atr } from '../iso7816/atr/parse.ts';
import { BWI_DEFAULT, CWI_DEFAULT, DD, DI_TABLE, FD, FI_TABLE, IFSC_DEFAULT, WI_DEFAULT } from '../iso7816/atr/tables.ts';
import { choosePps, FIDI_DEFAULT } from '../iso7816/pps.ts';
import type { ReaderParameters } from '../readers/apply.ts';
import type { Quirk } from '../readers/quirk.ts';
import { protocolsOf } from './capabilities.ts';

/** Who changes Fi/Di and the protocol after the ATR. */
export type PpsMode = 'reader-negotiates' | 'reader-pps' | 'host-pps' | 'set-parameters-only' | 'none';

/** The plan for one activation. */
export interface NegotiationPlan {
  /** The protocol to use. */
  readonly protocol: 0 | 1;
  /** The card's default protocol: the first one its ATR offers (§8.2.3). */
  readonly defaultProtocol: 0 | 1;
  /** PPS1 to ask for (FI high nibble, DI low nibble); FIDI_DEFAULT for Fd/Dd. */
  readonly fiDi: number;
  /** How it is done. */
  readonly mode: PpsMode;
  /** True when a PPS exchange is needed (a faster Fi/Di, or a protocol other than the default). */
  readonly ppsNeeded: boolean;
  /** Send SetParameters (false when the reader configures itself from the ATR and nothing changes). */
  readonly setParameters: boolean;
}

/** What the plan depends on. */
export interface NegotiationInput {
  readonly itf: CcidInterfaceDescription;
  readonly parameters: ReaderParameters;
  readonly quirks: readonly Quirk[];
  readonly atr: Atr;
  /** The card clock in kHz. */
  readonly clockKhz: number;
  /** Protocol the caller prefers. */
  readonly preferred?: 0 | 1 | undefined;
  /** False: no PPS (keep Fd/Dd and the default protocol). */
  readonly pps?: boolean | undefined;
}

/**
 * Chooses protocol, Fi/Di and who negotiates.
 * @throws {NotSupportedError} when the card and the reader share no protocol, or the card
 *   is in specific mode with a protocol the reader lacks.
 */
export function planNegotiation(input: NegotiationInput): NegotiationPlan {
  const { itf, parameters, atr } = input;
  const f = itf.ccid.features;
  const readerProtocols = protocolsOf(itf);
  const cardProtocols = atr.protocols.filter((p): p is 0 | 1 => p === 0 || p === 1);
  const offered = cardProtocols.length === 0 ? [0 as const] : cardProtocols;
  const defaultProtocol = offered[0]!;
  const common = offered.filter((p) => readerProtocols.includes(p));
  if (atr.specificMode !== null) {
    // §6.3.1: specific mode: the protocol of TA2 and the Fi/Di of TA1 apply at once, no PPS.
    const protocol = atr.specificMode.protocol;
    if (protocol !== 0 && protocol !== 1) throw new NotSupportedError(`the card is in specific mode with T=${protocol}, which CCID readers do not carry`);
    if (!readerProtocols.includes(protocol)) throw new NotSupportedError(`the card is in specific mode with T=${protocol}; the reader supports ${readerProtocols.map((p) => `T=${p}`).join(', ')}`);
    const fiDi = atr.specificMode.implicitParameters || atr.ta1 === null ? FIDI_DEFAULT : atr.ta1;
    return { protocol, defaultProtocol: protocol, fiDi, mode: 'none', ppsNeeded: false, setParameters: !f.automaticParameterConfiguration || fiDi !== FIDI_DEFAULT };
  }
  if (common.length === 0) {
    throw new NotSupportedError(`the card offers ${offered.map((p) => `T=${p}`).join(', ')}; the reader supports ${readerProtocols.map((p) => `T=${p}`).join(', ')}`);
  }
  const noPps = input.pps === false || input.quirks.some((q) => q.kind === 'noPps');
  let protocol: 0 | 1 = input.preferred !== undefined && common.includes(input.preferred) ? input.preferred : common[0]!;
  if (noPps && common.includes(defaultProtocol)) protocol = defaultProtocol;
  let fiDi = FIDI_DEFAULT;
  if (!noPps && atr.ta1 !== null) {
    fiDi = choosePps(atr.ta1, parameters.dataRates ?? [], input.clockKhz, parameters.maxDataRate).fiDi;
  }
  const ppsNeeded = !noPps && (fiDi !== FIDI_DEFAULT || protocol !== defaultProtocol);
  let mode: PpsMode;
  if (f.automaticParameterNegotiation) mode = 'reader-negotiates';
  else if (!ppsNeeded) mode = 'none';
  else if (f.automaticPps) mode = 'reader-pps';
  else if (parameters.exchangeLevel === 'tpdu') mode = 'host-pps';
  // Character level: PPS would need the host to run the character protocol, which the driver does not (transmit says so).
  else if (parameters.exchangeLevel === 'character') mode = 'none';
  else mode = 'set-parameters-only';
  const setParameters = mode !== 'reader-negotiates' && (!f.automaticParameterConfiguration || ppsNeeded);
  return { protocol, defaultProtocol, fiDi, mode, ppsNeeded, setParameters };
}

/** Fi and Di of a PPS1 / TA1 byte (Tables 7 and 8), the defaults for RFU values. */
export function fiDiValues(fiDi: number): { fi: number; di: number } {
  return { fi: FI_TABLE[(fiDi >> 4) & 0x0f] ?? FD, di: DI_TABLE[fiDi & 0x0f] ?? DD };
}

/** bClockStop from the card's clock stop indicator (CCID 1.1 §6.1.7: 0 not allowed, 1 low, 2 high, 3 either). */
function clockStopOf(atr: Atr): number {
  switch (atr.t15.clockStop) {
    case 'state L':
      return 1;
    case 'state H':
      return 2;
    case 'no preference':
      return 3;
    default:
      return 0;
  }
}

/**
 * The protocol data structure of SetParameters (CCID 1.1 §6.1.7, Tables 6.1-8 and 6.1-9),
 * from the ATR and the Fi/Di agreed:
 * - T=0: bmFindexDindex, bmTCCKST0 (bit 1: inverse convention), bGuardTimeT0 (TC1 = N),
 *   bWaitingIntegerT0 (TC2 = WI), bClockStop;
 * - T=1: bmFindexDindex, bmTCCKST1 (0x10 | bit 1 inverse convention | bit 0 CRC),
 *   bGuardTimeT1 (TC1), bmWaitingIntegersT1 (BWI high nibble, CWI low nibble),
 *   bClockStop, bIFSC, bNadValue 0.
 */
export function protocolDataFor(protocol: 0 | 1, fiDi: number, atr: Atr): ProtocolData {
  const inverse = atr.convention === 'inverse' ? 0x02 : 0x00;
  const n = atr.n;
  if (protocol === 0) {
    return { protocol: 0, findexDindex: fiDi, tcckst: inverse, guardTime: n, waitingInteger: atr.wi === 0 ? WI_DEFAULT : atr.wi, clockStop: clockStopOf(atr) };
  }
  const crc = atr.t1.edc === 'CRC' ? 0x01 : 0x00;
  const bwi = atr.t1.bwi ?? BWI_DEFAULT;
  const cwi = atr.t1.cwi ?? CWI_DEFAULT;
  return {
    protocol: 1,
    findexDindex: fiDi,
    tcckst: 0x10 | inverse | crc,
    guardTime: n,
    waitingIntegers: ((bwi & 0x0f) << 4) | (cwi & 0x0f),
    clockStop: clockStopOf(atr),
    ifsc: ifscOf(atr),
    nad: 0,
  };
}

/** IFSC from the first TA for T=1 (§11.4.2); 32 when absent or invalid (0, 255). */
export function ifscOf(atr: Atr): number {
  const ifsc = atr.t1.ifsc;
  return ifsc === null || ifsc < 1 || ifsc > 254 ? IFSC_DEFAULT : ifsc;
}
