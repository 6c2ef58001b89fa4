/**
 * ATR analysis (ISO/IEC 7816-3 §8): parse, describe, summarise as JSON, and identify
 * the card from pcsc-tools' ATR list.
 *
 * @example
 * import { parseAtr, describeAtr } from './iso7816/atr/index.ts';
 * const atr = parseAtr(fromHex('3B 8E 80 01 80 31 80 66 B1 84 0C 01 6E 01 83 00 90 00 1C'));
 * atr.protocols;          // [0, 1]
 * describeAtr(atr);       // readable lines, like pcsc-tools' ATR_analysis
 */
export { parseAtr, assertValidAtr } from './parse.ts';
export type { Atr, InterfaceBytes, SpecificMode, T1Parameters, T15Parameters, TckStatus } from './parse.ts';
export { describeAtr } from './describe.ts';
export { atrSummary } from './summary.ts';
export type { AtrSummary } from './summary.ts';
export { decodeHistoricalBytes, describeHistoricalBytes } from './historical.ts';
export type { HistoricalBytes, CompactTlvObject, StatusIndicator, HistoricalFormat } from './historical.ts';
export { AtrList, parseAtrList, matchAtr, identifyAtr } from './atr-list.ts';
export type { AtrListEntry, RejectedAtrPattern } from './atr-list.ts';
export {
  FI_TABLE, DI_TABLE, FMAX_MHZ_TABLE, FD, DD, WI_DEFAULT, IFSC_DEFAULT, BWI_DEFAULT, CWI_DEFAULT, ATR_MAX_LENGTH,
  CLASS_VOLTAGE, decodeClassIndicator, protocolName,
} from './tables.ts';
export type { ClockStop, VoltageClass } from './tables.ts';
