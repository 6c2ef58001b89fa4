import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcidError } from '../../src/errors.ts';
import {
  describeCommandApdu,
  encodeCommandApdu,
  parseCommandApdu,
  parseResponseApdu,
  responseApdu,
} from '../../src/iso7816/apdu.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';

/** Byte equality without vitest's deep diff (too slow on 64 KiB arrays in a property). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const data = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

/** Lc/Le boundaries (ISO/IEC 7816-4 §5.1): what the bytes after the header must be. */
const BOUNDARIES: { nc: number; ne: number; case: string; lengthFields: string; total: number }[] = [
  { nc: 0, ne: 0, case: '1', lengthFields: '', total: 4 },
  { nc: 0, ne: 1, case: '2S', lengthFields: '01', total: 5 },
  { nc: 0, ne: 255, case: '2S', lengthFields: 'FF', total: 5 },
  { nc: 0, ne: 256, case: '2S', lengthFields: '00', total: 5 },
  { nc: 0, ne: 257, case: '2E', lengthFields: '00 01 01', total: 7 },
  { nc: 0, ne: 65535, case: '2E', lengthFields: '00 FF FF', total: 7 },
  { nc: 0, ne: 65536, case: '2E', lengthFields: '00 00 00', total: 7 },
  { nc: 1, ne: 0, case: '3S', lengthFields: '01', total: 6 },
  { nc: 255, ne: 0, case: '3S', lengthFields: 'FF', total: 5 + 255 },
  { nc: 256, ne: 0, case: '3E', lengthFields: '00 01 00', total: 7 + 256 },
  { nc: 65535, ne: 0, case: '3E', lengthFields: '00 FF FF', total: 7 + 65535 },
  { nc: 255, ne: 256, case: '4S', lengthFields: 'FF', total: 6 + 255 },
  { nc: 1, ne: 256, case: '4S', lengthFields: '01', total: 7 },
  { nc: 255, ne: 257, case: '4E', lengthFields: '00 00 FF', total: 9 + 255 },
  { nc: 256, ne: 256, case: '4E', lengthFields: '00 01 00', total: 9 + 256 },
  { nc: 65535, ne: 65536, case: '4E', lengthFields: '00 FF FF', total: 9 + 65535 },
];

describe('command APDU encoding at the Lc/Le boundaries', () => {
  it.each(BOUNDARIES)('Nc=$nc Ne=$ne → case $case', ({ nc, ne, case: c, lengthFields, total }) => {
    const apdu = encodeCommandApdu({ cla: 0x80, ins: 0xca, p1: 0x01, p2: 0x02, data: data(nc), ne });
    expect(apdu.case).toBe(c);
    expect(apdu.raw.length).toBe(total);
    expect(toHex(apdu.raw.subarray(0, 4))).toBe('80 CA 01 02');
    const lcLength = lengthFields === '' ? 0 : fromHex(lengthFields).length;
    expect(toHex(apdu.raw.subarray(4, 4 + lcLength))).toBe(lengthFields);
    const back = parseCommandApdu(apdu.raw);
    expect(back.case).toBe(c);
    expect(back.data.length).toBe(nc);
    expect(back.ne).toBe(ne);
    expect(sameBytes(back.data, data(nc))).toBe(true);
  });

  it('puts the two-byte extended Le after the data in case 4E', () => {
    const apdu = encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: fromHex('01 02'), ne: 65536, extended: true });
    expect(toHex(apdu.raw)).toBe('00 2A 00 00 00 00 02 01 02 00 00');
    expect(apdu.case).toBe('4E');
  });

  it('forces extended fields on request and keeps case 1 short', () => {
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 16, extended: true }).raw)).toBe('00 B0 00 00 00 00 10');
    expect(encodeCommandApdu({ cla: 0, ins: 0x44, p1: 0, p2: 0, extended: true }).case).toBe('1');
  });

  it.each([
    [{ cla: 256, ins: 0, p1: 0, p2: 0 }, /CLA/],
    [{ cla: 0, ins: -1, p1: 0, p2: 0 }, /INS/],
    [{ cla: 0, ins: 0, p1: 0, p2: 0, ne: 65537 }, /Ne = 65537/],
    [{ cla: 0, ins: 0, p1: 0, p2: 0, data: new Uint8Array(65536) }, /Nc = 65536/],
  ])('refuses out-of-range fields %#', (fields, message) => {
    expect(() => encodeCommandApdu(fields)).toThrow(message);
    try {
      encodeCommandApdu(fields);
    } catch (error) {
      expect((error as CcidError).code).toBe('CCID_ERR_INVALID_ARGUMENT');
    }
  });
});

describe('parseCommandApdu', () => {
  it.each([
    ['00 A4 04 00 02 3F 00 00', '4S', 2, 256],
    ['00 A4 04 00 02 3F 00', '3S', 2, 0],
    ['00 B0 00 00 00', '2S', 0, 256],
    ['00 B0 00 00 10', '2S', 0, 16],
    ['00 B0 00 00 00 00 00', '2E', 0, 65536],
    ['00 B0 00 00 00 01 00', '2E', 0, 256],
    ['00 DA 00 00 00 00 01 AA', '3E', 1, 0],
    ['00 DA 00 00 00 00 01 AA 01 00', '4E', 1, 256],
    ['00 44 00 00', '1', 0, 0],
  ])('%s is case %s', (hex, c, nc, ne) => {
    const apdu = parseCommandApdu(fromHex(hex));
    expect([apdu.case, apdu.data.length, apdu.ne]).toEqual([c, nc, ne]);
    expect(toHex(apdu.raw)).toBe(toHex(fromHex(hex)));
  });

  it.each([
    ['', /shorter than the 4-byte header/],
    ['00 A4 04', /shorter than the 4-byte header/],
    ['00 A4 04 00 00 01', /needs two more bytes/],
    ['00 A4 04 00 03 01 02', /short Lc = 3 needs 8 or 9 bytes/],
    ['00 A4 04 00 02 01 02 03 04', /short Lc = 2 needs 7 or 8 bytes/],
    ['00 A4 04 00 00 00 00 01', /extended Lc = 0000/],
    ['00 A4 04 00 00 00 02 01', /extended Lc = 2 needs 9 or 11 bytes/],
    ['00 A4 04 00 00 00 01 01 00', /extended Lc = 1 needs 8 or 10 bytes/],
  ])('rejects %s with a typed error', (hex, message) => {
    expect(() => parseCommandApdu(fromHex(hex))).toThrow(message);
    expect(() => parseCommandApdu(fromHex(hex))).toThrow(CcidError);
  });

  it('describes itself', () => {
    expect(describeCommandApdu(parseCommandApdu(fromHex('00 A4 04 00 02 3F 00 00')))).toBe(
      'case 4S CLA=00 INS=A4 P1=04 P2=00 Nc=2 Ne=256',
    );
  });
});

describe('response APDU', () => {
  it('splits data and SW', () => {
    const r = parseResponseApdu(fromHex('48 69 90 00'));
    expect(toHex(r.data)).toBe('48 69');
    expect(r.sw).toBe(0x9000);
    expect(toHex(r.raw)).toBe('48 69 90 00');
    expect(toHex(responseApdu(fromHex('01'), 0x6283).raw)).toBe('01 62 83');
  });

  it('needs SW1 SW2', () => {
    expect(() => parseResponseApdu(fromHex('90'))).toThrow(expect.objectContaining({ code: 'CCID_ERR_CARD_PROTOCOL' }));
  });
});

describe('properties', () => {
  const fields = fc.record({
    cla: fc.integer({ min: 0, max: 255 }),
    ins: fc.integer({ min: 0, max: 255 }),
    p1: fc.integer({ min: 0, max: 255 }),
    p2: fc.integer({ min: 0, max: 255 }),
    data: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 70000 }).map((n) => new Uint8Array(Math.min(n, 65535)))),
    ne: fc.oneof(fc.constantFrom(0, 1, 255, 256, 257, 65535, 65536), fc.integer({ min: 0, max: 65536 })),
    extended: fc.boolean(),
  });

  it('parse(encode(x)) gives x back', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const apdu = encodeCommandApdu(f);
        const back = parseCommandApdu(apdu.raw);
        expect(back.case).toBe(apdu.case);
        expect(back.ne).toBe(f.ne);
        expect(sameBytes(back.data, f.data)).toBe(true);
        expect([back.cla, back.ins, back.p1, back.p2]).toEqual([f.cla, f.ins, f.p1, f.p2]);
        expect(sameBytes(encodeCommandApdu({ ...back }).raw, apdu.raw)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('any bytes parse or fail with a CcidError, and what parses re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          const apdu = parseCommandApdu(bytes);
          expect(sameBytes(encodeCommandApdu({ ...apdu }).raw, bytes)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(CcidError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
