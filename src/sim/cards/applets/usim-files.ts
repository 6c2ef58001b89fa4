/**
 * Contents of the USIM-like file system, derived from a seed so that every card (slot)
 * holds a different ICCID, IMSI and phone book: a response delivered to the wrong slot
 * is detectable. Encodings follow 3GPP TS 31.102 / ETSI TS 102 221 (BCD, swapped nibbles).
 */

/** Fixed record length of EF ADN: 14 alpha bytes + 14 (TS 31.102 §4.4.2.3). */
export const ADN_RECORD_LENGTH = 28;
/** Number of EF ADN records (the last one is empty, all FF). */
export const ADN_RECORD_COUNT = 5;
/** Size of EF LOCI (TS 31.102 §4.2.17). */
export const LOCI_SIZE = 11;

/** What a USIM card with a given seed holds. */
export interface UsimContents {
  /** ICCID digits (19). */
  readonly iccid: string;
  /** EF ICCID (2FE2) bytes: 10 bytes, BCD with swapped nibbles, padded with F. */
  readonly iccidFile: Uint8Array;
  /** IMSI digits (15): MCC 001, MNC 01 (test network), MSIN from the seed. */
  readonly imsi: string;
  /** EF IMSI (6F07) bytes: 9 bytes, length 08 then parity nibble 9 and the digits. */
  readonly imsiFile: Uint8Array;
  /** EF ADN (6F3A) records, {@link ADN_RECORD_COUNT} × {@link ADN_RECORD_LENGTH} bytes. */
  readonly adnRecords: readonly Uint8Array[];
  /** EF LOCI (6F7E) bytes. */
  readonly lociFile: Uint8Array;
}

/** Luhn check digit of a digit string (ISO/IEC 7812 check digit used by ICCIDs). */
export function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** Digits packed two per byte, low nibble first, padded with F (TS 102 221 §13.2). */
export function swappedBcd(digits: string, length: number): Uint8Array {
  const out = new Uint8Array(length).fill(0xff);
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    const byte = i >> 1;
    out[byte] = i % 2 === 0 ? (out[byte]! & 0xf0) | d : (out[byte]! & 0x0f) | (d << 4);
  }
  return out;
}

function digitsOf(value: number, count: number): string {
  const modulus = 10 ** count;
  const v = ((Math.trunc(value) % modulus) + modulus) % modulus;
  return v.toString().padStart(count, '0');
}

/** The contents of the USIM with seed `seed`. */
export function usimContents(seed: number): UsimContents {
  const body = `899901${digitsOf(seed, 12)}`;
  const iccid = body + luhnDigit(body).toString();
  const imsi = `00101${digitsOf(seed, 10)}`;
  const imsiFile = new Uint8Array(9);
  imsiFile[0] = 0x08;
  // First digit with the parity/type nibble 9 (odd number of digits, type IMSI), TS 31.102 §4.2.2.
  imsiFile[1] = ((imsi.charCodeAt(0) - 48) << 4) | 0x09;
  imsiFile.set(swappedBcd(imsi.slice(1), 7), 2);

  const adnRecords: Uint8Array[] = [];
  for (let k = 1; k <= ADN_RECORD_COUNT; k++) {
    const record = new Uint8Array(ADN_RECORD_LENGTH).fill(0xff);
    if (k < ADN_RECORD_COUNT) {
      const alpha = new TextEncoder().encode(`S${digitsOf(seed, 6)} #${k}`).subarray(0, 14);
      record.set(alpha, 0);
      const number = `06${k}${digitsOf(seed, 7)}`;
      record[14] = 1 + number.length / 2; // length of BCD number/SSC contents incl. TON/NPI
      record[15] = 0x81; // TON/NPI: unknown, ISDN/telephony
      record.set(swappedBcd(number, 10), 16);
    }
    adnRecords.push(record);
  }

  const lociFile = new Uint8Array(LOCI_SIZE);
  const s = seed >>> 0;
  lociFile.set([(s >>> 24) & 0xff, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff], 0); // TMSI
  lociFile.set([0x00, 0xf1, 0x10, (s >>> 8) & 0xff, s & 0xff], 4); // LAI: MCC 001 MNC 01, LAC
  lociFile[9] = 0xff; // RFU
  lociFile[10] = 0x00; // location update status: updated

  return { iccid, iccidFile: swappedBcd(iccid, 10), imsi, imsiFile, adnRecords, lociFile };
}
