/**
 * ATRs built from options, checked against ATRs worked out by hand from ISO/IEC 7816-3
 * §8.2 (each comment walks the bytes), and TCK by its defining property.
 */
import { describe, expect, it } from 'vitest';
import { SimCard, buildAtr, type AtrParams } from '../../../src/sim/cards/index.ts';
import { isCcidError } from '../../../src/errors.ts';
import { toHex } from '../../../src/util/hex.ts';

const base: AtrParams = {
  protocols: [0],
  n: 0,
  specificMode: false,
  ifsc: 254,
  bwi: 4,
  cwi: 5,
  edc: 'lrc',
  clockStop: 'none',
  historicalBytes: new Uint8Array(0),
};

/** XOR of T0 .. TCK must be 00 when TCK is present (§8.2.5). */
function xorFromT0(atr: Uint8Array): number {
  return atr.subarray(1).reduce((x, b) => x ^ b, 0);
}

describe('ATR builder', () => {
  it('T=0 alone, nothing else: 3B 00, no TD1, no TCK', () => {
    expect(toHex(buildAtr(base))).toBe('3B 00');
  });

  it('T=0 with TA1 = 96 and two historical bytes: 3B 12 96 01 02', () => {
    const atr = buildAtr({ ...base, ta1: { fi: 512, di: 32 }, historicalBytes: Uint8Array.of(1, 2) });
    expect(toHex(atr)).toBe('3B 12 96 01 02');
  });

  it('T=0 with WI: TD1 names T=0 and announces TC2; still no TCK', () => {
    // T0 = 80 (TD1), TD1 = 40 (TC2, T=0), TC2 = 80.
    expect(toHex(buildAtr({ ...base, wi: 0x80 }))).toBe('3B 80 40 80');
  });

  it('T=1 only: T=1 named in TD1 and TD2, IFSC/BWI-CWI at level 3, TCK', () => {
    // TD1 = 81 (TD2 follows, T=1), TD2 = 31 (TA3 TB3, T=1), TA3 = FE, TB3 = 45; TCK = 8B.
    const atr = buildAtr({ ...base, protocols: [1] });
    expect(toHex(atr)).toBe('3B 80 81 31 FE 45 8B');
    expect(xorFromT0(atr)).toBe(0);
  });

  it('T=0 and T=1, CRC, TC1, class indicator B+C with clock stop: every level by hand', () => {
    // T0 = C0 (TC1, TD1); TC1 = 02; TD1 = 80 (T=0, TD2 follows); TD2 = F1 (TA3 TB3 TC3 TD3, T=1);
    // TA3 = FE, TB3 = 45, TC3 = 01 (CRC); TD3 = 1F (TA4, T=15); TA4 = C6 (XI 11, UI B+C); TCK = D0.
    const atr = buildAtr({ ...base, protocols: [0, 1], n: 2, edc: 'crc', classes: [3, 1.8], clockStop: 'either' });
    expect(toHex(atr)).toBe('3B C0 02 80 F1 FE 45 01 1F C6 D0');
    expect(xorFromT0(atr)).toBe(0);
  });

  it('T=0 with a class indicator: T=15 makes TCK present', () => {
    // T0 = 80; TD1 = 80 (T=0, TD2); TD2 = 1F (TA3, T=15); TA3 = 01 (class A); TCK.
    const atr = buildAtr({ ...base, classes: [5] });
    expect(toHex(atr.subarray(0, 5))).toBe('3B 80 80 1F 01');
    expect(atr.length).toBe(6);
    expect(xorFromT0(atr)).toBe(0);
  });

  it('specific mode: TA2 names the protocol, b5 = 0 (Fi/Di of TA1)', () => {
    // T0 = 90 (TA1, TD1); TA1 = 96; TD1 = 91 (TA2, TD2, T=1); TA2 = 01; TD2 = 31; FE 45; TCK = 1C.
    const atr = buildAtr({ ...base, protocols: [1], ta1: { fi: 512, di: 32 }, specificMode: true });
    expect(toHex(atr)).toBe('3B 90 96 91 01 31 FE 45 1C');
  });

  it('Fi 372 is announced as FI = 1, and FI=2 / DI=7 as 558 / 64', () => {
    expect(buildAtr({ ...base, ta1: { fi: 372, di: 1 } })[2]).toBe(0x11);
    expect(buildAtr({ ...base, ta1: { fi: 558, di: 64 } })[2]).toBe(0x27);
  });

  it('rejects values outside ISO/IEC 7816-3 with an ArgumentError', () => {
    const attempts: Partial<AtrParams>[] = [
      { ta1: { fi: 400, di: 1 } },
      { ta1: { fi: 372, di: 3 } },
      { ifsc: 255 },
      { ifsc: 0 },
      { bwi: 10 },
      { wi: 0 },
      { historicalBytes: new Uint8Array(16) },
      { protocols: [] },
    ];
    for (const change of attempts) {
      let caught: unknown;
      try {
        buildAtr({ ...base, ...change });
      } catch (error) {
        caught = error;
      }
      expect(isCcidError(caught) && caught.code).toBe('CCID_ERR_INVALID_ARGUMENT');
    }
  });

  it('the card answers its built ATR, or a raw ATR given in the options', () => {
    const card = new SimCard({ protocol: 1, historicalBytes: '' });
    expect(toHex(card.reset('cold', 5)!)).toBe('3B 80 81 31 FE 45 8B');
    const raw = new SimCard({ atr: '3B 02 14 50' });
    expect(toHex(raw.reset('warm', 5)!)).toBe('3B 02 14 50');
  });
});

describe('voltage classes and power', () => {
  it('answers only at supported voltages, mute otherwise', () => {
    const card = new SimCard({ voltages: [3], historicalBytes: '' });
    expect(card.reset('cold', 5)).toBeUndefined();
    expect(card.powered).toBe(false);
    expect(card.transmitApdu(Uint8Array.of(0, 0xa4, 0, 0)).mute).toBe(true);
    expect(card.reset('cold', 1.8)).toBeUndefined();
    const atr = card.reset('cold', 3)!;
    // Class indicator announces class B only: T=15 TA = 02.
    expect(toHex(atr)).toContain('1F 02');
    expect(card.powered).toBe(true);
    card.powerOff();
    expect(card.transmitApdu(Uint8Array.of(0, 0xa4, 0, 0)).mute).toBe(true);
  });

  it('a mute card never answers a reset', () => {
    const card = new SimCard({ mute: true });
    expect(card.reset('cold', 5)).toBeUndefined();
    expect(card.reset('warm', 3)).toBeUndefined();
  });

  it('a T=1-only card is mute to T=0 TPDUs, and the reverse', () => {
    const t1 = new SimCard({ protocol: 1 });
    t1.reset('cold', 5);
    expect(t1.transmitT0(Uint8Array.of(0, 0xb0, 0, 0, 0)).mute).toBe(true);
    const t0 = new SimCard({ protocol: 0 });
    t0.reset('cold', 5);
    expect(t0.transmitT1(Uint8Array.of(0, 0xc0, 0, 0xc0)).mute).toBe(true);
  });
});
