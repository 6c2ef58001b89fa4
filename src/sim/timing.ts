/**
 * Wire timing of the emulated card link (ISO/IEC 7816-3 §7.1, §10.2, §11.4) and the few
 * ATR facts the reader needs to pick its default parameters (§8.2). The emulator's
 * own small reading of the ATR: it does not use the driver's ATR parser.
 */

/** Fi by its 4-bit index (ISO/IEC 7816-3 Table 7); 0 marks an RFU index. */
export const FI_TABLE: readonly number[] = [372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0];
/** Di by its 4-bit index (ISO/IEC 7816-3 Table 8); 0 marks an RFU index. */
export const DI_TABLE: readonly number[] = [0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0];

/** Character frame duration in etu: T=0 needs 12 (10 + 2 guard etu, §7.2), T=1 takes 11 (§11.2, CGT = 11 etu). */
export const ETU_PER_BYTE_T0 = 12;
/** See {@link ETU_PER_BYTE_T0}. */
export const ETU_PER_BYTE_T1 = 11;

/** Milliseconds per etu: 1 etu = Fi / (Di · f) seconds (§7.1). */
export function etuMs(fi: number, di: number, clockHz: number): number {
  return (fi / (di * clockHz)) * 1000;
}

/** Time for `bytes` characters at the given link, in ms. */
export function bytesMs(bytes: number, protocol: 0 | 1, fi: number, di: number, clockHz: number): number {
  return bytes * (protocol === 0 ? ETU_PER_BYTE_T0 : ETU_PER_BYTE_T1) * etuMs(fi, di, clockHz);
}

/**
 * Activation and ATR time: the card answers between 400 and 40 000 clock cycles after
 * reset (§6.2.2); we take 400 cycles, then the ATR characters at the initial etu
 * (Fi = 372, Di = 1, 12 etu each).
 */
export function atrMs(atrLength: number, clockHz: number): number {
  return (400 / clockHz) * 1000 + bytesMs(atrLength, 0, 372, 1, clockHz);
}

/** The time after which a reader declares a silent card mute when it does not answer a reset: 40 000 clocks (§6.2.2) plus a 9600-etu initial waiting time. */
export function atrMuteMs(clockHz: number): number {
  return ((40000 + 9600 * 372) / clockHz) * 1000;
}

/** T=0 work waiting time WWT = 960 · WI · Fi / f (§10.2). */
export function t0WaitingMs(wi: number, fi: number, clockHz: number): number {
  return ((960 * Math.max(1, wi) * fi) / clockHz) * 1000;
}

/** T=1 block waiting time BWT = 11 etu + 2^BWI · 960 · 372 / f (§11.4.3), times the bBWI multiplier. */
export function t1WaitingMs(bwi: number, fi: number, di: number, clockHz: number, multiplier: number): number {
  return (11 * etuMs(fi, di, clockHz) + ((2 ** bwi * 960 * 372) / clockHz) * 1000) * Math.max(1, multiplier);
}

/** The facts the reader takes from an ATR (ISO/IEC 7816-3 §8.2.3). */
export interface AtrFacts {
  /** TA1 when present (Fi index << 4 | Di index). */
  readonly ta1?: number | undefined;
  /** TC1 (extra guard time), when present. */
  readonly tc1?: number | undefined;
  /** First protocol offered (T of TD1), 0 when TD1 is absent. */
  readonly firstProtocol: number;
  /** Protocols offered, as a bit mask (bit T). */
  readonly protocols: number;
  /** TA2 when present: the card is in specific mode (§6.3.1). */
  readonly ta2?: number | undefined;
  /** TC2 (WI for T=0), when present. */
  readonly wi?: number | undefined;
  /** First TA for T=1 (IFSC), when present. */
  readonly ifsc?: number | undefined;
  /** First TB for T=1 (BWI << 4 | CWI), when present. */
  readonly t1Waiting?: number | undefined;
}

/** Reads the interface bytes of an ATR; tolerant: stops at the end of the bytes. */
export function scanAtr(atr: Uint8Array): AtrFacts {
  let ta1: number | undefined;
  let tc1: number | undefined;
  let ta2: number | undefined;
  let wi: number | undefined;
  let ifsc: number | undefined;
  let t1Waiting: number | undefined;
  let firstProtocol = -1;
  let protocols = 0;
  let o = 1;
  let y = (atr[o++] ?? 0) >> 4;
  let level = 1;
  let t = 0;
  while (o <= atr.length) {
    const ta = y & 1 ? atr[o++] : undefined;
    const tb = y & 2 ? atr[o++] : undefined;
    const tc = y & 4 ? atr[o++] : undefined;
    const td = y & 8 ? atr[o++] : undefined;
    if (level === 1) {
      ta1 = ta;
      tc1 = tc;
    } else if (level === 2) {
      ta2 = ta;
      if (tc !== undefined) wi = tc;
    }
    if (level > 2 && t === 1) {
      if (ta !== undefined && ifsc === undefined) ifsc = ta;
      if (tb !== undefined && t1Waiting === undefined) t1Waiting = tb;
    }
    if (td === undefined) break;
    t = td & 0x0f;
    if (firstProtocol < 0) firstProtocol = t;
    if (t !== 15) protocols |= 1 << t;
    y = td >> 4;
    level++;
  }
  if (firstProtocol < 0) firstProtocol = 0;
  if (protocols === 0) protocols = 1;
  return { ta1, tc1, firstProtocol, protocols, ta2, wi, ifsc, t1Waiting };
}
