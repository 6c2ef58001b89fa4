/**
 * Per-slot protocol parameters as PC_to_RDR_SetParameters / RDR_to_PC_Parameters carry
 * them (CCID 1.1 §6.1.7, Tables 6.1-7 and 6.1-8): the T=0 structure is 5 bytes, the T=1
 * structure 7 bytes.
 */
import { DI_TABLE, FI_TABLE } from './timing.ts';

/** The parameters of one slot, for the protocol in use. */
export interface SlotParameters {
  /** bProtocolNum: 0 (T=0) or 1 (T=1). */
  protocol: 0 | 1;
  /** bmFindexDindex: Fi index << 4 | Di index (ISO/IEC 7816-3 TA1). */
  bmFindexDindex: number;
  /** bmTCCKST0 (0x00 / 0x02) or bmTCCKST1 (0x10..0x13: convention, LRC/CRC). */
  bmTCCKS: number;
  /** bGuardTimeT0 / bGuardTimeT1 (extra guard time, TC1). */
  bGuardTime: number;
  /** bWaitingIntegerT0 (WI) or bWaitingIntegerT1 (BWI << 4 | CWI). */
  bWaitingInteger: number;
  /** bClockStop: 0 not allowed, 1 low, 2 high, 3 either. */
  bClockStop: number;
  /** bIFSC (T=1 only). */
  bIFSC: number;
  /** bNadValue (T=1 only). */
  bNadValue: number;
}

/** Default parameters after ResetParameters or activation (ISO/IEC 7816-3 defaults: Fi 372, Di 1, WI 10, IFSC 32, BWI 4, CWI 13). */
export function defaultParameters(protocol: 0 | 1): SlotParameters {
  return protocol === 0
    ? { protocol, bmFindexDindex: 0x11, bmTCCKS: 0x00, bGuardTime: 0, bWaitingInteger: 0x0a, bClockStop: 0, bIFSC: 0x20, bNadValue: 0 }
    : { protocol, bmFindexDindex: 0x11, bmTCCKS: 0x10, bGuardTime: 0, bWaitingInteger: 0x4d, bClockStop: 0, bIFSC: 0x20, bNadValue: 0 };
}

/** The abProtocolDataStructure bytes of the parameters. */
export function encodeParameters(p: SlotParameters): Uint8Array {
  return p.protocol === 0
    ? Uint8Array.of(p.bmFindexDindex, p.bmTCCKS, p.bGuardTime, p.bWaitingInteger, p.bClockStop)
    : Uint8Array.of(p.bmFindexDindex, p.bmTCCKS, p.bGuardTime, p.bWaitingInteger, p.bClockStop, p.bIFSC, p.bNadValue);
}

/**
 * Decodes a SetParameters structure. Returns the parameters, or the offset (in the whole
 * message) of the first bad field, which the reader returns as bError (CCID 1.1 §6.2.6).
 */
export function decodeParameters(protocol: 0 | 1, data: Uint8Array): SlotParameters | number {
  if (data.length !== (protocol === 0 ? 5 : 7)) return 1;
  const fidi = data[0]!;
  if (FI_TABLE[fidi >> 4] === 0 || DI_TABLE[fidi & 0x0f] === 0) return 10;
  const tccks = data[1]!;
  if (protocol === 0 ? tccks !== 0x00 && tccks !== 0x02 : tccks < 0x10 || tccks > 0x13) return 11;
  if (protocol === 1 && data[3]! >> 4 > 9) return 13;
  if (data[4]! > 3) return 14;
  if (protocol === 1 && (data[5] === 0 || data[5] === 0xff)) return 15;
  return {
    protocol,
    bmFindexDindex: fidi,
    bmTCCKS: tccks,
    bGuardTime: data[2]!,
    bWaitingInteger: data[3]!,
    bClockStop: data[4]!,
    bIFSC: protocol === 1 ? data[5]! : 0x20,
    bNadValue: protocol === 1 ? data[6]! : 0,
  };
}

/** Fi of the parameters. */
export function fiOf(p: SlotParameters): number {
  return FI_TABLE[p.bmFindexDindex >> 4] || 372;
}

/** Di of the parameters. */
export function diOf(p: SlotParameters): number {
  return DI_TABLE[p.bmFindexDindex & 0x0f] || 1;
}
