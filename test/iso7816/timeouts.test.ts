/**
 * Card timing and CCID read timeouts for real ATRs (from pcsc-tools' list), checked
 * against figures computed by hand below (f in kHz, so cycles / f is in ms).
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src/errors.ts';
import { parseAtr } from '../../src/iso7816/atr/parse.ts';
import {
  READ_TIMEOUT_FLOOR_MS, cardTiming, defaultLink, etuMs, guardTimeMs, readTimeoutMs, stretchTimeoutMs, t0ReadTimeoutMs,
  t0WaitingTimeMs, t1BlockWaitingTimeMs, t1CharacterWaitingTimeMs, t1ReadTimeoutMs, type LinkTiming,
} from '../../src/iso7816/timeouts.ts';
import { fromHex } from '../../src/util/hex.ts';

const timingOf = (hex: string) => cardTiming(parseAtr(fromHex(hex)));
/** The link after a successful PPS to the ATR's TA1. */
const negotiated = (hex: string, clockKhz: number): LinkTiming => {
  const atr = parseAtr(fromHex(hex));
  return { clockKhz, fi: atr.fi!, di: atr.di! };
};

describe('ISO/IEC 7816-3 times', () => {
  const f4 = defaultLink(4000);

  it('etu, guard time, WWT, BWT and CWT at Fd/Dd and 4 MHz', () => {
    // 1 etu = 372 / (1 · 4000 kHz) = 0.093 ms
    expect(etuMs(f4)).toBeCloseTo(0.093, 12);
    // GT = 12 etu + (372/1) · 10 / 4000 = 1.116 + 0.93 = 2.046 ms; N = 255 → 12 etu (T=0), 11 etu (T=1)
    expect(guardTimeMs(10, 0, f4)).toBeCloseTo(2.046, 12);
    expect(guardTimeMs(255, 0, f4)).toBeCloseTo(1.116, 12);
    expect(guardTimeMs(255, 1, f4)).toBeCloseTo(1.023, 12);
    // WWT = 960 · 10 · 372 / 4000 = 892.8 ms
    expect(t0WaitingTimeMs(10, f4)).toBeCloseTo(892.8, 9);
    // BWT = 11 · 0.093 + 2^4 · 960 · 372 / 4000 = 1.023 + 1428.48 = 1429.503 ms
    expect(t1BlockWaitingTimeMs(4, f4)).toBeCloseTo(1429.503, 9);
    // CWT = (11 + 2^13) · 0.093 = 8203 · 0.093 = 762.879 ms
    expect(t1CharacterWaitingTimeMs(13, f4)).toBeCloseTo(762.879, 9);
  });

  it('WWT scales with Fi but not with Di; BWT\'s second term uses Fd whatever Fi is', () => {
    const fast: LinkTiming = { clockKhz: 4000, fi: 512, di: 32 };
    // WWT = 960 · 10 · 512 / 4000 = 1228.8 ms
    expect(t0WaitingTimeMs(10, fast)).toBeCloseTo(1228.8, 9);
    // etu = 512 / (32 · 4000) = 0.004 ms; BWT = 11 · 0.004 + 1428.48 = 1428.524 ms
    expect(t1BlockWaitingTimeMs(4, fast)).toBeCloseTo(1428.524, 9);
  });

  it('takes the etu from the data rate when the reader gives it', () => {
    const link: LinkTiming = { clockKhz: 4000, fi: 372, di: 1, dataRateBps: 9600 };
    // 1 etu = 1 / 9600 s = 0.104166… ms; CWT (CWI 5) = 43 etu = 4.479166… ms
    expect(etuMs(link)).toBeCloseTo(1000 / 9600, 12);
    expect(t1CharacterWaitingTimeMs(5, link)).toBeCloseTo(43000 / 9600, 12);
  });

  it('rejects a link it cannot compute with', () => {
    expect(() => etuMs({ clockKhz: 0, fi: 372, di: 1 })).toThrow(ArgumentError);
    expect(() => t0WaitingTimeMs(10, { clockKhz: 4000, fi: Number.NaN, di: 1 })).toThrow(ArgumentError);
    expect(() => etuMs({ clockKhz: 4000, fi: 372, di: -1 })).toThrow(ArgumentError);
    expect(() => etuMs({ clockKhz: 4000, fi: 372, di: 1, dataRateBps: 0 })).toThrow(ArgumentError);
    expect(() => t1ReadTimeoutMs({ n: 0, wi: 10, bwi: 4, cwi: 5 }, f4, { wtx: 0 })).toThrow(ArgumentError);
  });
});

describe('CCID read timeouts for real ATRs', () => {
  it('T=0 without TA1 or TC2 (3B 02 14 50) at 4 MHz', () => {
    const card = timingOf('3B 02 14 50');
    expect(card).toEqual({ n: 0, wi: 10, bwi: 4, cwi: 13 });
    // GT = 12 · 0.093 = 1.116 ms, WWT = 892.8 ms
    // ISO-in  = 261 · 1.116 + 3 · 892.8   =   291.276 +   2678.4 =   2969.676
    // ISO-out =   5 · 1.116 + 259 · 892.8 =     5.58  + 231235.2 = 231240.78
    // timeout = ceil(231240.78 + 1000) = 232241 ms
    expect(t0ReadTimeoutMs(card, defaultLink(4000))).toBe(232241);
  });

  it('T=0 with TA1 = 18 and WI = 255 (3B 95 18 40 FF 62 01 02 01 04), before and after PPS', () => {
    const hex = '3B 95 18 40 FF 62 01 02 01 04';
    const card = timingOf(hex);
    expect(card.wi).toBe(255);
    // WWT = 960 · 255 · 372 / 4000 = 22766.4 ms (Di plays no part)
    // Before PPS: GT = 1.116;  ISO-out = 5 · 1.116 + 259 · 22766.4 = 5.58 + 5896497.6 = 5896503.18 → +1000 → 5897504
    expect(t0ReadTimeoutMs(card, defaultLink(4000))).toBe(5897504);
    // After PPS to Fi/Di = 372/12: etu = 0.00775, GT = 0.093; ISO-out = 0.465 + 5896497.6 = 5896498.065 → +1000 → 5897499
    expect(t0ReadTimeoutMs(card, negotiated(hex, 4000))).toBe(5897499);
  });

  it('T=1 with TA1 = 96, BWI 4, CWI 5: the 3 s floor applies after PPS (libccid would wait 2.485 s)', () => {
    const hex = '3B 9F 96 81 31 FE 45 80 65 54 43 12 21 08 31 C0 73 F6 21 80 81 05 9A';
    const card = timingOf(hex);
    expect(card).toEqual({ n: 0, wi: 10, bwi: 4, cwi: 5 });
    // After PPS to 512/32: etu = 512 / (32 · 4000) = 0.004 ms, GT = 0.048, BWT = 1428.524, CWT = 43 · 0.004 = 0.172
    // 259 · 0.048 + 1428.524 + 259 · 0.172 + 1000 = 12.432 + 1428.524 + 44.548 + 1000 = 2485.504 → floor 3000
    expect(t1ReadTimeoutMs(card, negotiated(hex, 4000))).toBe(READ_TIMEOUT_FLOOR_MS);
    // WTX 3 (S(WTX request) INF = 03): 12.432 + 3 · 1428.524 + 44.548 + 1000 = 5342.552 → 5343
    expect(t1ReadTimeoutMs(card, negotiated(hex, 4000), { wtx: 3 })).toBe(5343);
    // Before PPS (372/1): GT = 1.116, BWT = 1429.503, CWT = 43 · 0.093 = 3.999
    // 259 · 1.116 + 1429.503 + 259 · 3.999 + 1000 = 289.044 + 1429.503 + 1035.741 + 1000 = 3754.288 → 3755
    expect(t1ReadTimeoutMs(card, defaultLink(4000))).toBe(3755);
  });

  it('T=1 OpenPGP card (3B DA 18 FF 81 B1 FE 75 …): Di 12, N = 255, BWI 7', () => {
    const hex = '3B DA 18 FF 81 B1 FE 75 1F 03 00 31 C5 73 C0 01 40 00 90 00 0C';
    const card = timingOf(hex);
    expect(card).toEqual({ n: 255, wi: 10, bwi: 7, cwi: 5 });
    // etu = 372 / (12 · 4000) = 0.00775; GT = 11 etu = 0.08525 (N = 255, T=1)
    // BWT = 0.08525 + 2^7 · 960 · 372 / 4000 = 0.08525 + 11427.84 = 11427.92525; CWT = 43 · 0.00775 = 0.33325
    // 22.07975 + 11427.92525 + 86.31175 + 1000 = 12536.31675 → 12537
    expect(readTimeoutMs(1, card, negotiated(hex, 4000))).toBe(12537);
  });

  it('T=1 without TB3 uses BWI 4 / CWI 13 (3B 8E 80 01 80 31 80 66 …)', () => {
    const card = timingOf('3B 8E 80 01 80 31 80 66 B1 84 0C 01 6E 01 83 00 90 00 1C');
    expect(card).toEqual({ n: 0, wi: 10, bwi: 4, cwi: 13 });
    // 259 · 1.116 + 1429.503 + 259 · 762.879 + 1000 = 289.044 + 1429.503 + 197585.661 + 1000 = 200304.208 → 200305
    expect(readTimeoutMs(1, card, defaultLink(4000))).toBe(200305);
  });

  it('never goes below 3 s for either protocol, even at a fast clock', () => {
    const quick = { n: 0, wi: 1, bwi: 0, cwi: 0 };
    // T=0 at 80 MHz, WI 1: GT = 12 · 372 / 80000 = 0.0558, WWT = 960 · 372 / 80000 = 4.464 ms;
    // 5 · 0.0558 + 259 · 4.464 + 1000 = 2156.455 → 2157 without the floor, 3000 with it
    const t0Link: LinkTiming = { clockKhz: 80000, fi: 372, di: 1 };
    expect(readTimeoutMs(0, quick, t0Link, { floorMs: 0 })).toBe(2157);
    expect(readTimeoutMs(0, quick, t0Link)).toBe(3000);
    // T=1 at 20 MHz, 512/64: etu = 512 / (64 · 20000) = 0.0004 ms, GT = 12 etu = 0.0048, CWT = (11 + 1) etu = 0.0048,
    // BWT = 0.0044 + 960 · 372 / 20000 = 17.8604; 259 · 0.0048 + 17.8604 + 259 · 0.0048 = 20.3468 → 21 without margin and floor
    const t1Link: LinkTiming = { clockKhz: 20000, fi: 512, di: 64 };
    expect(readTimeoutMs(1, quick, t1Link)).toBe(3000);
    expect(readTimeoutMs(1, quick, t1Link, { floorMs: 0, marginMs: 0 })).toBe(21);
  });

  it('stretches by the reader\'s time extension multiplier', () => {
    expect(stretchTimeoutMs(3755, 2)).toBe(7510);
    expect(stretchTimeoutMs(3755, 0)).toBe(3755);
  });
});
