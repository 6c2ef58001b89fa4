/**
 * PPS on the card side (ISO/IEC 7816-3 §9): accept, reject, mute, and erroneous requests.
 * Requests are written by hand with their PCK.
 */
import { describe, expect, it } from 'vitest';
import { helloWorldCard, SimCard, type CardOptions } from '../../../src/sim/cards/index.ts';
import { fromHex, toHex } from '../../../src/util/hex.ts';

function card(options: CardOptions = {}): SimCard {
  const c = helloWorldCard(options); // TA1 = 96 (Fi 512, Di 32) by default
  c.reset('cold', 5);
  return c;
}

describe('PPS, card side', () => {
  it('accepts the TA1 values: the response echoes the request, the link changes', () => {
    const c = card();
    // FF 11 96 PCK: PPSS, PPS0 = PPS1 present + T=1, PPS1 = 96; PCK = FF^11^96 = 78.
    expect(toHex(c.pps(fromHex('FF 11 96 78'))!)).toBe('FF 11 96 78');
    expect(c.link.fi).toBe(512);
    expect(c.link.di).toBe(32);
    expect(c.link.protocol).toBe(1);
  });

  it('accepts a slower Di with the TA1 Fi, and the defaults', () => {
    expect(toHex(card().pps(fromHex('FF 10 94 7B'))!)).toBe('FF 10 94 7B');
    expect(toHex(card().pps(fromHex('FF 10 11 FE'))!)).toBe('FF 10 11 FE');
  });

  it('answers a request it cannot honour without PPS1 (Fd/Dd)', () => {
    const c = card();
    // Fi 512 Di 64 (97) is faster than TA1 allows: response FF 00 FF.
    expect(toHex(c.pps(fromHex('FF 10 97 78'))!)).toBe('FF 00 FF');
    expect(c.link.fi).toBe(372);
    expect(c.link.di).toBe(1);
  });

  it('never echoes PPS2', () => {
    // FF 30 96 00 PCK: PPS1 and PPS2 present, T=0.
    expect(toHex(card().pps(fromHex('FF 30 96 00 59'))!)).toBe('FF 10 96 79');
  });

  it('reject policy: PPS1 left out', () => {
    expect(toHex(card({ pps: 'reject' }).pps(fromHex('FF 11 96 78'))!)).toBe('FF 01 FE');
  });

  it('mute policy, bad PCK, bad PPSS, wrong length, RFU bit, unoffered protocol: no answer', () => {
    expect(card({ pps: 'mute' }).pps(fromHex('FF 11 96 78'))).toBeUndefined();
    expect(card().pps(fromHex('FF 11 96 79'))).toBeUndefined();
    expect(card().pps(fromHex('FE 11 96 79'))).toBeUndefined();
    expect(card().pps(fromHex('FF 11 96 00 78'))).toBeUndefined();
    expect(card().pps(fromHex('FF 91 96 F8'))).toBeUndefined();
    expect(card().pps(fromHex('FF 12 96 7B'))).toBeUndefined();
    expect(card({ protocol: 0 }).pps(fromHex('FF 11 96 78'))).toBeUndefined();
  });

  it('only as the first exchange after reset, and not in specific mode', () => {
    const c = card();
    c.transmitT1(fromHex('00 C1 01 FE 3E'));
    expect(c.pps(fromHex('FF 11 96 78'))).toBeUndefined();
    c.reset('warm', 5);
    expect(c.pps(fromHex('FF 11 96 78'))).toBeDefined();
    expect(c.pps(fromHex('FF 11 96 78'))).toBeUndefined();
    const specific = card({ specificMode: true, protocol: 1 });
    expect(specific.pps(fromHex('FF 11 96 78'))).toBeUndefined();
    expect(specific.link.fi).toBe(512);
  });

  it('a reset brings the link back to Fd/Dd', () => {
    const c = card();
    c.pps(fromHex('FF 11 96 78'));
    c.reset('cold', 5);
    expect([c.link.fi, c.link.di]).toEqual([372, 1]);
  });
});
