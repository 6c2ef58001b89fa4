/**
 * The coding tables of the ATR interface bytes (ISO/IEC 7816-3:2006 §8.3), kept apart
 * from the parser so PPS, the timeout computation and the emulator use the same figures.
 */

/**
 * Fi, the clock rate conversion integer, by FI (high nibble of TA1): ISO/IEC 7816-3
 * Table 7. `null` marks the values the standard reserves (RFU): 7, 8, 14 and 15.
 */
export const FI_TABLE: readonly (number | null)[] = [
  372, 372, 558, 744, 1116, 1488, 1860, null, null, 512, 768, 1024, 1536, 2048, null, null,
];

/** f(max) in MHz by FI, the same Table 7; `null` where FI is RFU. */
export const FMAX_MHZ_TABLE: readonly (number | null)[] = [4, 5, 6, 8, 12, 16, 20, null, null, 5, 7.5, 10, 15, 20, null, null];

/**
 * Di, the baud rate adjustment integer, by DI (low nibble of TA1): ISO/IEC 7816-3
 * Table 8. `null` marks RFU values: 0 and 10 to 15.
 */
export const DI_TABLE: readonly (number | null)[] = [null, 1, 2, 4, 8, 16, 32, 64, 12, 20, null, null, null, null, null, null];

/** Fd, the default Fi when TA1 is absent (ISO/IEC 7816-3 §8.1); also the F of the BWT formula (§11.4.3). */
export const FD = 372;
/** Dd, the default Di when TA1 is absent (ISO/IEC 7816-3 §8.1). */
export const DD = 1;
/** f(max) in MHz when TA1 is absent: the default FI = 1 (ISO/IEC 7816-3 §8.3). */
export const FMAX_DEFAULT_MHZ = 5;
/** WI when TC2 is absent (ISO/IEC 7816-3 §10.2). */
export const WI_DEFAULT = 10;
/** IFSC when the card gives no TA for T=1 (ISO/IEC 7816-3 §11.4.2). */
export const IFSC_DEFAULT = 32;
/** BWI when the card gives no TB for T=1 (ISO/IEC 7816-3 §11.4.3). */
export const BWI_DEFAULT = 4;
/** CWI when the card gives no TB for T=1 (ISO/IEC 7816-3 §11.4.3). */
export const CWI_DEFAULT = 13;
/** The longest ATR: TS plus at most 32 characters (ISO/IEC 7816-3 §8.2.1). */
export const ATR_MAX_LENGTH = 33;

/** Clock stop indicator X (bits 8–7 of the first TA after T=15), ISO/IEC 7816-3 Table 11. */
export type ClockStop = 'not supported' | 'state L' | 'state H' | 'no preference';
/** X by value 0–3. */
export const CLOCK_STOP_TABLE: readonly ClockStop[] = ['not supported', 'state L', 'state H', 'no preference'];

/** An operating condition class of ISO/IEC 7816-3 §5.1.3 (Table 10). */
export type VoltageClass = 'A' | 'B' | 'C';
/** Nominal supply voltage of each class, in volts. */
export const CLASS_VOLTAGE: Readonly<Record<VoltageClass, number>> = { A: 5, B: 3, C: 1.8 };

/**
 * The classes of a class indicator U (bits 6–1 of the first TA after T=15,
 * ISO/IEC 7816-3 Table 12): b1 = A, b2 = B, b3 = C; b4–b6 are RFU and reported apart.
 */
export function decodeClassIndicator(u: number): { classes: VoltageClass[]; rfuBits: number } {
  const classes: VoltageClass[] = [];
  if (u & 0x01) classes.push('A');
  if (u & 0x02) classes.push('B');
  if (u & 0x04) classes.push('C');
  return { classes, rfuBits: u & 0x38 };
}

/** What a T value of TDi names (ISO/IEC 7816-3 §8.2.3). */
export function protocolName(t: number): string {
  switch (t) {
    case 0:
      return 'T=0 (half-duplex character transmission)';
    case 1:
      return 'T=1 (half-duplex block transmission)';
    case 2:
    case 3:
      return `T=${t} (reserved for future full-duplex operations)`;
    case 4:
      return 'T=4 (reserved for an enhanced half-duplex character transmission)';
    case 14:
      return 'T=14 (not standardised by ISO/IEC JTC 1/SC 17)';
    case 15:
      return 'T=15 (global interface bytes follow)';
    default:
      return `T=${t} (reserved for future use)`;
  }
}
