import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcidError } from '../../src/errors.ts';
import { buildPpsRequest, checkPpsResponse, choosePps } from '../../src/iso7816/pps.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';

describe('PPS request (ISO/IEC 7816-3 §9.2)', () => {
  it.each([
    [1, 0x96, 'FF 11 96 78'],
    [0, 0x18, 'FF 10 18 F7'],
    [1, 0x11, 'FF 11 11 FF'],
    [0, undefined, 'FF 00 FF'],
    [1, undefined, 'FF 01 FE'],
  ])('T=%s PPS1=%s → %s', (t, fiDi, hex) => {
    const request = buildPpsRequest(t, fiDi);
    expect(toHex(request)).toBe(hex);
    expect(request.reduce((x, b) => x ^ b, 0)).toBe(0); // PCK makes the XOR of all bytes 00
  });

  it('rejects impossible values', () => {
    expect(() => buildPpsRequest(16)).toThrow(CcidError);
    expect(() => buildPpsRequest(1, 0x100)).toThrow(CcidError);
  });
});

describe('PPS response (ISO/IEC 7816-3 §9.3)', () => {
  const request = buildPpsRequest(1, 0x96);
  it('an echo is accepted', () => {
    expect(checkPpsResponse(request, request)).toEqual({ accepted: true, protocol: 1, fiDi: 0x96, defaults: false });
  });
  it('PPS1 left out means Fd/Dd', () => {
    expect(checkPpsResponse(request, fromHex('FF 01 FE'))).toEqual({ accepted: true, protocol: 1, fiDi: 0x11, defaults: true });
  });
  it.each([
    ['FF 11 95 7B', /PPS1 95 does not echo/],
    ['FF 10 96 79', /answered T=0 to a request for T=1/],
    ['FF 11 96 77', /PCK does not check/],
    ['FF 11 96', /PCK does not check|length/],
    ['FE 11 96 79', /PPSS/],
    ['FF 31 96 01 59', /PPS2 in the response/],
    ['FF', /1 byte/],
    ['FF 91 96 F8', /bit 8/],
  ])('%s is a failure', (hex, reason) => {
    const outcome = checkPpsResponse(request, fromHex(hex));
    expect(outcome.accepted).toBe(false);
    if (!outcome.accepted) expect(outcome.reason).toMatch(reason);
  });
  it('never throws on card bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
        const outcome = checkPpsResponse(request, bytes);
        expect(typeof outcome.accepted).toBe('boolean');
      }),
    );
  });
});

describe('choosePps', () => {
  it('takes the card maximum when the reader allows it (rate = f·Di/Fi)', () => {
    // TA1 = 96: Fi = 512, Di = 32; at 4 MHz that is 250 000 bit/s.
    expect(choosePps(0x96, [], 4000, 344086)).toEqual({ fiDi: 0x96, fi: 512, di: 32, rateBps: 250000, isDefault: false });
  });

  it('steps Di down to what dwMaxDataRate allows', () => {
    // TA1 = 18: Fi = 372, Di = 12 → 4 MHz · 12 / 372 = 129032 bit/s > 115200; Di = 8 → 86021.
    const choice = choosePps(0x18, [], 4000, 115200);
    expect(choice.fiDi).toBe(0x14);
    expect(Math.round(choice.rateBps)).toBe(86022);
  });

  it('keeps only rates the reader listed (GET_DATA_RATES), with integer rounding', () => {
    const rates = [10752, 21505, 43010, 86021]; // a reader at 4 MHz, Fi = 372, Di = 1, 2, 4, 8
    expect(choosePps(0x95, rates, 4000, 0).isDefault).toBe(true); // Fi = 512 gives none of them
    expect(choosePps(0x13, rates, 4000, 0)).toMatchObject({ fiDi: 0x13, di: 4 });
    expect(choosePps(0x18, rates, 4000, 0)).toMatchObject({ fiDi: 0x14, di: 8 });
  });

  it('falls back to the defaults when TA1 uses RFU codes or the clock exceeds f(max)', () => {
    expect(choosePps(0x7a, [], 4000, 0).isDefault).toBe(true);
    expect(choosePps(0x11, [], 4000, 0)).toMatchObject({ fiDi: 0x11, isDefault: true });
    expect(choosePps(0x08, [], 4800, 0).isDefault).toBe(true); // FI = 0: f(max) = 4 MHz
    expect(choosePps(0x08, [], 4000, 0)).toMatchObject({ fi: 372, di: 12, isDefault: false });
  });
});
