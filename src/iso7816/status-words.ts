/**
 * What a status word SW1 SW2 means, from the interindustry table of ISO/IEC 7816-4:2013
 * §5.6 (Tables 5 and 6). Used by the CLI and by error messages; the transmission layer
 * itself acts only on 61xx and 6Cxx (see `processors/`).
 */
import { hexByte } from '../util/hex.ts';

/** The category of ISO/IEC 7816-4 Table 5, from SW1. */
export type StatusCategory =
  | 'normal processing'
  | 'warning processing'
  | 'execution error'
  | 'checking error'
  | 'proprietary'
  | 'invalid';

/** A status word and what it means. */
export interface StatusWordInfo {
  /** SW1SW2 as a 16-bit number. */
  readonly sw: number;
  /** `90 00` style hex. */
  readonly hex: string;
  readonly category: StatusCategory;
  /** Readable meaning, e.g. "Security status not satisfied". */
  readonly text: string;
  /** True for 90 00 and 61 xx (the command succeeded). */
  readonly success: boolean;
}

/** Exact SW1SW2 values with an interindustry meaning (ISO/IEC 7816-4 Table 6). */
const EXACT: ReadonlyMap<number, string> = new Map([
  [0x9000, 'No further qualification (success)'],
  [0x6200, 'No information given (non-volatile memory unchanged)'],
  [0x6281, 'Part of returned data may be corrupted'],
  [0x6282, 'End of file or record reached before reading Ne bytes'],
  [0x6283, 'Selected file deactivated'],
  [0x6284, 'File control information not formatted according to 7816-4 §7.4'],
  [0x6285, 'Selected file in termination state'],
  [0x6286, 'No input data available from a sensor on the card'],
  [0x6300, 'No information given (non-volatile memory changed)'],
  [0x6381, 'File filled up by the last write'],
  [0x6400, 'Execution error (non-volatile memory unchanged)'],
  [0x6401, 'Immediate response required by the card'],
  [0x6500, 'No information given (non-volatile memory changed)'],
  [0x6581, 'Memory failure'],
  [0x6700, 'Wrong length; no further indication'],
  [0x6800, 'Functions in CLA not supported; no information given'],
  [0x6881, 'Logical channel not supported'],
  [0x6882, 'Secure messaging not supported'],
  [0x6883, 'Last command of the chain expected'],
  [0x6884, 'Command chaining not supported'],
  [0x6900, 'Command not allowed; no information given'],
  [0x6981, 'Command incompatible with file structure'],
  [0x6982, 'Security status not satisfied'],
  [0x6983, 'Authentication method blocked'],
  [0x6984, 'Reference data not usable'],
  [0x6985, 'Conditions of use not satisfied'],
  [0x6986, 'Command not allowed (no current EF)'],
  [0x6987, 'Expected secure messaging data objects missing'],
  [0x6988, 'Incorrect secure messaging data objects'],
  [0x6a00, 'Wrong parameters P1-P2; no information given'],
  [0x6a80, 'Incorrect parameters in the command data field'],
  [0x6a81, 'Function not supported'],
  [0x6a82, 'File or application not found'],
  [0x6a83, 'Record not found'],
  [0x6a84, 'Not enough memory space in the file'],
  [0x6a85, 'Nc inconsistent with TLV structure'],
  [0x6a86, 'Incorrect parameters P1-P2'],
  [0x6a87, 'Nc inconsistent with parameters P1-P2'],
  [0x6a88, 'Referenced data or reference data not found'],
  [0x6a89, 'File already exists'],
  [0x6a8a, 'DF name already exists'],
  [0x6b00, 'Wrong parameters P1-P2'],
  [0x6d00, 'Instruction code not supported or invalid'],
  [0x6e00, 'Class not supported'],
  [0x6f00, 'No precise diagnosis'],
]);

/** Meaning by SW1 when SW2 has no interindustry meaning of its own. */
const BY_SW1: ReadonlyMap<number, [StatusCategory, string]> = new Map([
  [0x62, ['warning processing', 'Warning, non-volatile memory unchanged']],
  [0x63, ['warning processing', 'Warning, non-volatile memory changed']],
  [0x64, ['execution error', 'Execution error, non-volatile memory unchanged']],
  [0x65, ['execution error', 'Execution error, non-volatile memory changed']],
  [0x66, ['execution error', 'Security-related issue']],
  [0x67, ['checking error', 'Wrong length']],
  [0x68, ['checking error', 'Functions in CLA not supported']],
  [0x69, ['checking error', 'Command not allowed']],
  [0x6a, ['checking error', 'Wrong parameters P1-P2']],
  [0x6b, ['checking error', 'Wrong parameters P1-P2']],
  [0x6d, ['checking error', 'Instruction code not supported or invalid']],
  [0x6e, ['checking error', 'Class not supported']],
  [0x6f, ['checking error', 'No precise diagnosis']],
]);

function category(sw1: number): StatusCategory {
  if (sw1 === 0x90 || sw1 === 0x61) return 'normal processing';
  if (sw1 === 0x62 || sw1 === 0x63) return 'warning processing';
  if (sw1 === 0x64 || sw1 === 0x65 || sw1 === 0x66) return 'execution error';
  if (sw1 >= 0x67 && sw1 <= 0x6f) return 'checking error';
  if ((sw1 & 0xf0) === 0x90) return 'proprietary';
  // Includes 60: a T=0 NULL procedure byte, never a status (ISO/IEC 7816-3 §10.3.3).
  return 'invalid';
}

function text(sw: number, sw1: number, sw2: number): string {
  const exact = EXACT.get(sw);
  if (exact !== undefined) return exact;
  if (sw1 === 0x61) return `${sw2 === 0 ? 256 : sw2} response bytes still available (send GET RESPONSE)`;
  if (sw1 === 0x6c) return `Wrong Le field; exactly ${sw2 === 0 ? 256 : sw2} data bytes available (re-send with that Le)`;
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0) {
    const x = sw2 & 0x0f;
    return `Counter = ${x} (e.g. ${x} ${x === 1 ? 'retry' : 'retries'} left)`;
  }
  if ((sw1 === 0x62 || sw1 === 0x64) && sw2 >= 0x02 && sw2 <= 0x80) {
    return 'Triggering by the card';
  }
  const bySw1 = BY_SW1.get(sw1);
  if (bySw1 !== undefined) return `${bySw1[1]} (SW2 = ${hexByte(sw2)} has no interindustry meaning)`;
  if ((sw1 & 0xf0) === 0x90) return 'Proprietary (application-specific) status';
  return 'Not a valid status word (SW1 must be 6X or 9X, ISO/IEC 7816-4 §5.6)';
}

/**
 * What a status word means (ISO/IEC 7816-4:2013 §5.6).
 * @example statusWordInfo(0x63c2).text // "Counter = 2 (e.g. 2 retries left)"
 */
export function statusWordInfo(sw: number): StatusWordInfo {
  const sw1 = (sw >> 8) & 0xff;
  const sw2 = sw & 0xff;
  const value = (sw1 << 8) | sw2;
  const cat = sw1 === 0x90 && sw2 !== 0 ? 'proprietary' : category(sw1);
  return {
    sw: value,
    hex: `${hexByte(sw1)} ${hexByte(sw2)}`,
    category: cat,
    text: text(value, sw1, sw2),
    success: sw1 === 0x90 ? sw2 === 0 : sw1 === 0x61,
  };
}

/** `"6A 82: File or application not found"`: for the CLI and error messages. */
export function describeStatusWord(sw: number): string {
  const info = statusWordInfo(sw);
  return `${info.hex}: ${info.text}`;
}
