/**
 * Unit and property tests of the ATR parser, the historical-byte decoder, the analysis
 * text and the JSON summary. Real ATRs come from pcsc-tools' list (see atr-vectors.test.ts
 * for the full differential run); the property tests build ATRs with a slow, obvious
 * reference encoder written here from ISO/IEC 7816-3 §8.2.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtrError, CcidError } from '../../src/errors.ts';
import { describeAtr } from '../../src/iso7816/atr/describe.ts';
import { decodeHistoricalBytes } from '../../src/iso7816/atr/historical.ts';
import { assertValidAtr, parseAtr } from '../../src/iso7816/atr/parse.ts';
import { atrSummary } from '../../src/iso7816/atr/summary.ts';
import { fromHex } from '../../src/util/hex.ts';

const atrOf = (hex: string) => parseAtr(fromHex(hex));

describe('parseAtr on real ATRs', () => {
  it('reads every level of a T=0/T=1/T=15 ATR', () => {
    // TS=3B, T0=97 (TA1 TD1, K=7), TA1=11, TD1=C0 (TC2 TD2, T=0), TC2=FF, TD2=B1 (TA3 TB3 TD3, T=1),
    // TA3=FE (IFSC), TB3=35 (BWI 3, CWI 5), TD3=1F (TA4, T=15), TA4=83 (clock stop H, classes A B), 7 historical, TCK.
    const atr = atrOf('3B 97 11 C0 FF B1 FE 35 1F 83 A5 05 01 01 02 A3 01 5F');
    expect(atr.levels.map((l) => [l.index, l.protocol, l.ta, l.tb, l.tc, l.td])).toEqual([
      [1, null, 0x11, null, null, 0xc0],
      [2, 0, null, null, 0xff, 0xb1],
      [3, 1, 0xfe, 0x35, null, 0x1f],
      [4, 15, 0x83, null, null, null],
    ]);
    expect(atr.convention).toBe('direct');
    expect(atr.protocols).toEqual([0, 1]);
    expect(atr.protocolsImplicit).toBe(false);
    expect([atr.fi, atr.di, atr.fMaxMhz, atr.n, atr.wi]).toEqual([372, 1, 5, 0, 255]);
    expect(atr.t1).toEqual({ ifsc: 254, bwi: 3, cwi: 5, edc: null });
    expect(atr.t15).toEqual({ ta: 0x83, clockStop: 'state H', classes: ['A', 'B'], spu: null });
    expect(atr.historical).toEqual(fromHex('A5 05 01 01 02 A3 01'));
    expect([atr.tckRequired, atr.tck, atr.tckStatus]).toEqual([true, 0x5f, 'ok']);
    expect(atr.errors).toEqual([]);
    expect(atr.usable).toBe(true);
  });

  it('keeps the raw bytes, detached from the caller\'s buffer', () => {
    const bytes = fromHex('3B 02 14 50');
    const atr = parseAtr(bytes);
    bytes[2] = 0;
    expect(atr.raw).toEqual(fromHex('3B 02 14 50'));
    expect(atr.historical).toEqual(fromHex('14 50'));
  });

  it('uses T=0 by default when there is no TD1, with Fd/Dd and no TCK', () => {
    const atr = atrOf('3B 02 14 50');
    expect(atr.protocols).toEqual([0]);
    expect(atr.protocolsImplicit).toBe(true);
    expect([atr.fiCode, atr.fi, atr.di, atr.fMaxMhz, atr.n, atr.wi]).toEqual([null, 372, 1, 5, 0, 10]);
    expect(atr.tckStatus).toBe('absent');
    expect(atr.errors).toEqual([]);
  });

  it('decodes FI = 2 as Fi = 558 and DI = 7 as Di = 64 (Tables 7 and 8)', () => {
    const fi2 = atrOf('3B 9F 21 0E 49 52 44 45 54 4F 20 41 43 53 03 83 95 00 80 55');
    expect([fi2.fi, fi2.di, fi2.fMaxMhz, fi2.protocols, fi2.tckStatus]).toEqual([558, 1, 6, [14], 'ok']);
    const di7 = atrOf('3B 95 97 40 F0 1A 16 0A 19 41');
    expect([di7.fi, di7.di, di7.wi, di7.protocols]).toEqual([512, 64, 240, [0]]);
  });

  it('reports RFU FI and DI as null with a warning, not an error', () => {
    const atr = atrOf('3B 3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C');
    expect([atr.fi, atr.di, atr.fMaxMhz]).toEqual([null, null, null]);
    expect(atr.warnings).toHaveLength(2);
    expect(atr.errors).toEqual([]);
  });

  it('parses the inverse convention the same way', () => {
    const atr = atrOf('3F FF 95 00 FF 91 81 71 A0 47 00 44 4E 41 53 50 30 31 30 20 52 65 76 41 32 30 48');
    expect(atr.convention).toBe('inverse');
    expect([atr.fi, atr.di, atr.n, atr.protocols, atr.t1.ifsc, atr.t1.bwi, atr.t1.cwi, atr.tckStatus]).toEqual([512, 16, 255, [1], 160, 4, 7, 'ok']);
    // TA2 = 81: bit 8 set (unable to change), bit 5 clear (parameters from TA1), T=1.
    expect(atr.specificMode).toEqual({ protocol: 1, canChange: false, implicitParameters: false });
  });

  it('decodes TA2 (specific mode) and the T=1 error detection code', () => {
    const atr = atrOf('3B 9F 11 10 80 41 54 39 38 53 43 30 33 32 43 54 31 2E 35 35');
    expect(atr.specificMode).toEqual({ protocol: 0, canChange: false, implicitParameters: false });
    expect(atrOf('3B 97 97 81 71 FE 24 00 77 43 53 4D 01 02 03 00').t1).toEqual({ ifsc: 254, bwi: 2, cwi: 4, edc: 'LRC' });
  });

  it('takes only the first TA/TB after T=1 for IFSC and BWI/CWI', () => {
    // TD1=81 (T=1), TD2=B1 (TA3 TB3 TD3, T=1), TA3=20, TB3=45, TD3=31 (TA4 TB4, T=1), TA4=FE, TB4=75.
    const bytes = [0x80, 0x81, 0xb1, 0x20, 0x45, 0x31, 0xfe, 0x75];
    const tck = bytes.reduce((x, b) => x ^ b, 0);
    const atr = parseAtr(Uint8Array.of(0x3b, ...bytes, tck));
    expect(atr.t1).toEqual({ ifsc: 0x20, bwi: 4, cwi: 5, edc: null });
    expect(atr.errors).toEqual([]);
  });
});

describe('parseAtr on malformed ATRs', () => {
  it('reports an empty ATR and a missing T0', () => {
    expect(parseAtr(new Uint8Array(0)).errors).toEqual(['ATR is empty']);
    const one = parseAtr(Uint8Array.of(0x3b));
    expect(one.errors).toEqual(['ATR is truncated: T0 is missing']);
    expect(one.usable).toBe(false);
  });

  it('reports a bad TS but still reads the rest', () => {
    const atr = atrOf('12 02 14 50');
    expect(atr.convention).toBeNull();
    expect(atr.errors).toEqual(['TS = 12 is neither 3B (direct convention) nor 3F (inverse convention)']);
    expect(atr.historical).toEqual(fromHex('14 50'));
    expect(atr.usable).toBe(false);
  });

  it('names the missing interface byte', () => {
    const atr = atrOf('3B F0 11 00');
    expect(atr.errors).toEqual(['ATR is truncated: TC(1) announced by T0 is missing']);
    expect(atr.usable).toBe(false);
    expect([atr.ta1, atr.tb1, atr.tc1]).toEqual([0x11, 0x00, null]);
  });

  it('counts missing historical bytes and the missing TCK', () => {
    const atr = atrOf('3B FA 13 00 00 81 31 FE 45 4A 43 4F 50 34 31 56');
    expect(atr.errors).toEqual([
      'ATR is truncated: 3 of the 10 historical bytes are missing',
      'TCK is missing: TD announces T=1, so ISO/IEC 7816-3 §8.2.5 requires it',
    ]);
    expect(atr.usable).toBe(true);
  });

  it('checks TCK and reports the expected value', () => {
    const atr = atrOf('3B 97 11 C0 FF B1 FE 35 1F 83 A5 05 01 01 02 A3 01 5E');
    expect([atr.tckStatus, atr.tckExpected]).toEqual(['wrong', 0x5f]);
    expect(atr.errors).toEqual(['TCK = 5E is wrong: expected 5F']);
  });

  it('does not read a TCK for T=0 only (§8.2.5) and reports the stray byte', () => {
    const atr = atrOf('3B 02 14 50 11');
    expect(atr.tck).toBeNull();
    expect(atr.extra).toEqual(Uint8Array.of(0x11));
    expect(atr.errors).toHaveLength(1);
    expect(atr.errors[0]).toMatch(/^unexpected byte 11 after the historical bytes/);
  });

  it('reports bytes after the TCK and an ATR over 33 bytes', () => {
    const over = atrOf('3B 8E 80 01 80 31 80 66 B1 84 0C 01 6E 01 83 00 90 00 1C 02 14 50');
    expect([over.tck, over.tckStatus]).toEqual([0x1c, 'ok']);
    expect(over.extra).toEqual(fromHex('02 14 50'));
    expect(over.errors).toEqual(['ATR is too long: 3 byte(s) after the TCK']);
    const long = parseAtr(Uint8Array.of(0x3b, 0x0f, ...new Array<number>(15).fill(0x41), ...new Array<number>(17).fill(0)));
    expect(long.raw.length).toBe(34);
    expect(long.errors[0]).toMatch(/^ATR is 34 bytes long, more than the 33/);
  });

  it('flags T=15 in TD1 and assumes T=0', () => {
    const atr = atrOf('3B 81 1F 00 CC 52');
    expect(atr.protocols).toEqual([0]);
    expect(atr.protocolsImplicit).toBe(true);
    expect(atr.warnings[0]).toMatch(/TD\(1\) announces T=15/);
    expect(atr.tckStatus).toBe('ok');
  });
});

describe('assertValidAtr', () => {
  it('accepts a well-formed ATR', () => {
    expect(() => assertValidAtr(atrOf('3B 02 14 50'))).not.toThrow();
  });

  it('throws an AtrError naming the problems', () => {
    const atr = atrOf('3B 97 11 C0 FF B1 FE 35 1F 83 A5 05 01 01 02 A3 01 5E');
    let caught: unknown;
    try {
      assertValidAtr(atr);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AtrError);
    expect((caught as AtrError).code).toBe('CCID_ERR_ATR_MALFORMED');
    expect((caught as AtrError).message).toBe('malformed ATR: TCK = 5E is wrong: expected 5F');
  });

  it('in lenient mode accepts TCK problems but not truncated interface bytes', () => {
    expect(() => assertValidAtr(atrOf('3B FA 13 00 00 81 31 FE 45 4A 43 4F 50 34 31 56'), { lenient: true })).not.toThrow();
    expect(() => assertValidAtr(atrOf('3B F0 11 00'), { lenient: true })).toThrow(AtrError);
    expect(() => assertValidAtr(atrOf('12 02 14 50'), { lenient: true })).toThrow(AtrError);
  });
});

describe('historical bytes (ISO/IEC 7816-4 §8.1.1)', () => {
  it('decodes category 80 with a tag-8 status indicator', () => {
    const h = decodeHistoricalBytes(fromHex('80 31 80 66 B1 84 0C 01 6E 01 83 00 90 00'));
    expect(h.format).toBe('compact-tlv');
    expect(h.objects.map((o) => [o.tag, o.value.length])).toEqual([[3, 1], [6, 6], [8, 3]]);
    expect(h.status).toEqual({ lcs: 0x00, sw: 0x9000 });
    expect(h.problems).toEqual([]);
  });

  it('decodes category 00 with the status in the last three bytes', () => {
    const h = decodeHistoricalBytes(fromHex('00 31 C5 73 C0 01 40 00 90 00'));
    expect(h.format).toBe('compact-tlv-status');
    expect(h.objects.map((o) => o.tag)).toEqual([3, 7]);
    expect(h.objects[1]!.value).toEqual(fromHex('C0 01 40'));
    expect(h.status).toEqual({ lcs: 0x00, sw: 0x9000 });
  });

  it('reports a compact-TLV length past the end, and classifies other categories', () => {
    const h = decodeHistoricalBytes(fromHex('80 45 01 02'));
    expect(h.objects[0]!.value).toEqual(fromHex('01 02'));
    expect(h.problems).toEqual(['compact-TLV tag 4 announces 5 byte(s), only 2 left']);
    expect(decodeHistoricalBytes(fromHex('10 42')).dirReference).toBe(0x42);
    expect(decodeHistoricalBytes(fromHex('85 00')).format).toBe('rfu');
    expect(decodeHistoricalBytes(fromHex('4A 43 4F 50')).format).toBe('proprietary');
    expect(decodeHistoricalBytes(new Uint8Array(0)).format).toBe('none');
  });
});

describe('describeAtr and atrSummary', () => {
  it('describes every interface byte, the historical bytes and TCK', () => {
    const lines = describeAtr(atrOf('3B DA 18 FF 81 B1 FE 75 1F 03 00 31 C5 73 C0 01 40 00 90 00 0C'));
    expect(lines[0]).toBe('ATR: 3B DA 18 FF 81 B1 FE 75 1F 03 00 31 C5 73 C0 01 40 00 90 00 0C');
    expect(lines).toContain('  TA(1) = 18: Fi = 372, Di = 12, 31 cycles/etu (129032 bit/s at 4 MHz; fMax = 5 MHz → 161290 bit/s)');
    expect(lines).toContain('  TA(3) = FE: IFSC = 254');
    expect(lines).toContain('  TB(3) = 75: BWI = 7, CWI = 5');
    expect(lines).toContain('  TA(4) = 03: clock stop: not supported; classes accepted: A (5 V), B (3 V)');
    expect(lines).toContain('    Status word: 90 00 (normal processing)');
    expect(lines).toContain('+ TCK = 0C (correct checksum)');
    expect(lines.some((l) => l.startsWith('ERROR'))).toBe(false);
  });

  it('ends with the errors of a bad ATR', () => {
    const lines = describeAtr(atrOf('3B 02 14 50 11'));
    expect(lines[lines.length - 1]).toMatch(/^ERROR: unexpected byte 11/);
  });

  it('summarises with the keys of `ccid atr --json`', () => {
    const s = atrSummary(atrOf('3B 97 11 C0 FF B1 FE 35 1F 83 A5 05 01 01 02 A3 01 5F'));
    expect(s).toMatchObject({
      protocols: [0, 1], fi: 372, di: 1, n: 0, wi: 255, ifsc: 254, bwi: 3, cwi: 5,
      historicalBytes: 'A5 05 01 01 02 A3 01', tck: 'ok', errors: [],
    });
    const plain = atrSummary(atrOf('3B 02 14 50'));
    expect([plain.ifsc, plain.bwi, plain.cwi, plain.n, plain.wi, plain.tck]).toEqual([null, null, null, 0, 10, 'absent']);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

/** A structure the reference encoder turns into ATR bytes. */
interface AtrSpec {
  ts: number;
  levels: { ta: number | null; tb: number | null; tc: number | null; nextT: number | null }[];
  historical: number[];
}

/** The slow, obvious reference encoder (ISO/IEC 7816-3 §8.2): T0, TAi..TDi, historical bytes, TCK when a T ≠ 0 is announced. */
function encode(spec: AtrSpec): Uint8Array {
  const y = (l: AtrSpec['levels'][number]) => (l.ta !== null ? 1 : 0) | (l.tb !== null ? 2 : 0) | (l.tc !== null ? 4 : 0) | (l.nextT !== null ? 8 : 0);
  const out = [spec.ts, (y(spec.levels[0]!) << 4) | spec.historical.length];
  spec.levels.forEach((l, i) => {
    for (const v of [l.ta, l.tb, l.tc]) if (v !== null) out.push(v);
    if (l.nextT !== null) out.push((y(spec.levels[i + 1]!) << 4) | l.nextT);
  });
  out.push(...spec.historical);
  if (spec.levels.some((l) => l.nextT !== null && l.nextT !== 0)) out.push(out.slice(1).reduce((x, b) => x ^ b, 0));
  return Uint8Array.from(out);
}

const byteOrNull = fc.option(fc.integer({ min: 0, max: 255 }), { nil: null });
const specArb: fc.Arbitrary<AtrSpec> = fc
  .record({
    ts: fc.constantFrom(0x3b, 0x3f),
    levels: fc.array(fc.record({ ta: byteOrNull, tb: byteOrNull, tc: byteOrNull, t: fc.integer({ min: 0, max: 15 }) }), { minLength: 1, maxLength: 4 }),
    historical: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 15 }),
  })
  .map(({ ts, levels, historical }) => ({
    ts,
    // Every level but the last announces the next one; T=15 is not allowed in TD1.
    levels: levels.map((l, i) => ({ ta: l.ta, tb: l.tb, tc: l.tc, nextT: i === levels.length - 1 ? null : i === 0 && l.t === 15 ? 1 : l.t })),
    historical,
  }))
  .filter((s) => encode(s).length <= 33);

describe('parseAtr properties', () => {
  it('never throws and always returns a consistent result, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const atr = parseAtr(bytes);
        expect(atr.raw).toEqual(bytes);
        expect(atr.protocols.length).toBeGreaterThan(0);
        if (atr.errors.length === 0) expect(atr.usable).toBe(true);
        expect(() => describeAtr(atr)).not.toThrow();
        expect(() => JSON.stringify(atrSummary(atr))).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips every well-formed ATR built by the reference encoder', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const atr = parseAtr(encode(spec));
        expect(atr.errors).toEqual([]);
        expect(atr.levels.map((l) => [l.ta, l.tb, l.tc, l.td === null ? null : l.td & 0x0f])).toEqual(spec.levels.map((l) => [l.ta, l.tb, l.tc, l.nextT]));
        expect(Array.from(atr.historical)).toEqual(spec.historical);
        const ts = spec.levels.flatMap((l) => (l.nextT === null ? [] : [l.nextT]));
        expect(atr.protocols).toEqual(ts.some((t) => t !== 15) ? [...new Set(ts.filter((t) => t !== 15))] : [0]);
        expect(atr.tckStatus).toBe(ts.some((t) => t !== 0) ? 'ok' : 'absent');
      }),
      { numRuns: 1000 },
    );
  });

  it('reports every truncation of a well-formed ATR', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 1, max: 33 }), (spec, cut) => {
        const bytes = encode(spec);
        const atr = parseAtr(bytes.subarray(0, Math.max(0, bytes.length - cut)));
        expect(atr.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('reports every single-bit change of a TCK-protected ATR', () => {
    fc.assert(
      fc.property(specArb.filter((s) => s.levels.some((l) => l.nextT !== null && l.nextT !== 0)), fc.nat(), fc.integer({ min: 0, max: 7 }), (spec, at, bit) => {
        const bytes = encode(spec).slice();
        // Flip a bit in a historical byte or in TCK: the structure stays, the checksum breaks.
        const first = bytes.length - 1 - spec.historical.length;
        const pos = first + (at % (spec.historical.length + 1));
        bytes[pos] = bytes[pos]! ^ (1 << bit);
        const atr = parseAtr(bytes);
        expect(atr.tckStatus).toBe('wrong');
        expect(atr.errors).toHaveLength(1);
      }),
      { numRuns: 500 },
    );
  });
});

it('AtrError is a CcidError', () => {
  expect(new AtrError('x')).toBeInstanceOf(CcidError);
});
