/**
 * Card-side timing helpers against figures computed by hand.
 */
import { describe, expect, it } from 'vitest';
import { bitRate, bwtMs, charactersMs, cwtMs, etuMs, helloWorldCard, wwtMs } from '../../../src/sim/cards/index.ts';
import { fromHex } from '../../../src/util/hex.ts';

describe('card timing', () => {
  it('etu = F / (D · f)', () => {
    expect(etuMs({ fi: 372, di: 1, clockHz: 4_000_000 })).toBeCloseTo(0.093, 9);
    expect(etuMs({ fi: 512, di: 32, clockHz: 4_000_000 })).toBeCloseTo(0.004, 9);
    expect(bitRate({ fi: 372, di: 1, clockHz: 3_571_200 })).toBeCloseTo(9600, 6);
  });

  it('characters: 12 etu at T=0, 11 at T=1, plus N', () => {
    const link = { fi: 372, di: 1, clockHz: 4_000_000 };
    expect(charactersMs(10, { ...link, protocol: 0 })).toBeCloseTo(10 * 12 * 0.093, 9);
    expect(charactersMs(10, { ...link, protocol: 1 })).toBeCloseTo(10 * 11 * 0.093, 9);
    expect(charactersMs(10, { ...link, protocol: 0 }, 2)).toBeCloseTo(10 * 14 * 0.093, 9);
    expect(charactersMs(10, { ...link, protocol: 1 }, 255)).toBeCloseTo(10 * 11 * 0.093, 9);
  });

  it('WWT, BWT, CWT', () => {
    const link = { fi: 372, di: 1, clockHz: 4_000_000 };
    // WWT = 960 · 10 · 372 / 4 MHz = 892.8 ms.
    expect(wwtMs(10, link)).toBeCloseTo(892.8, 9);
    // BWT(4) = 11 · 0.093 + 16 · 960 · 372 / 4e6 s = 1.023 + 1428.48 ms.
    expect(bwtMs(4, link)).toBeCloseTo(1429.503, 9);
    // CWT(5) = (11 + 32) etu = 3.999 ms.
    expect(cwtMs(5, link)).toBeCloseTo(3.999, 9);
  });

  it('processing time is per APDU executed; a PPS speed-up changes the link, not processing', () => {
    const card = helloWorldCard({ protocol: 1, processingMs: 2 });
    card.reset('cold', 5);
    expect(card.pps(fromHex('FF 11 96 78'))).toBeDefined();
    card.setLink({ clockHz: 4_000_000, fi: 512, di: 32, protocol: 1 });
    expect(etuMs(card.link)).toBeCloseTo(0.004, 9);
    const answer = card.transmitApdu(fromHex('00 84 00 00 08'));
    expect(answer.processingMs).toBe(2);
  });
});
