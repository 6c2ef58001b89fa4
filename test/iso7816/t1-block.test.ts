import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CardProtocolError } from '../../src/errors.ts';
import {
  decodeT1Block,
  describeT1Block,
  encodeIBlock,
  encodeRBlock,
  encodeSBlock,
  parseT1Block,
  S_BLOCK_TYPES,
  type RBlockError,
} from '../../src/iso7816/t1/block.ts';
import { crc16, lrc, type T1Edc } from '../../src/iso7816/t1/edc.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { refBuild, referenceCrc, referenceLrc, refParse } from './fakes/t1-reference.ts';

const LRC = { edc: 'lrc' as const };
const CRC = { edc: 'crc' as const };

describe('EDC (ISO/IEC 7816-3 §11.4.4)', () => {
  it('LRC is the XOR of all bytes', () => {
    expect(lrc(fromHex('00 C1 01 FE'))).toBe(0x3e);
  });

  it('CRC is CRC-16 0x1021 reflected, init FFFF, no final XOR (the MCRF4XX check value)', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x6f91);
  });

  it('agrees with the bitwise reference', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 260 }), (bytes) => {
        expect(crc16(bytes)).toBe(referenceCrc(bytes));
        expect(lrc(bytes)).toBe(referenceLrc(bytes));
      }),
    );
  });
});

describe('block encoding, hand-built bytes', () => {
  it.each([
    ['I(0) SELECT', () => encodeIBlock(LRC, 0, false, fromHex('00 A4 04 00')), '00 00 04 00 A4 04 00 A4'],
    ['I(1, M)', () => encodeIBlock(LRC, 1, true, fromHex('AA')), '00 60 01 AA CB'],
    ['R(1)', () => encodeRBlock(LRC, 1), '00 90 00 90'],
    ['R(0) EDC error', () => encodeRBlock(LRC, 0, 'edc'), '00 81 00 81'],
    ['R(1) other error', () => encodeRBlock(LRC, 1, 'other'), '00 92 00 92'],
    ['S(RESYNCH request)', () => encodeSBlock(LRC, 'RESYNCH', false), '00 C0 00 C0'],
    ['S(IFS request) FE', () => encodeSBlock(LRC, 'IFS', false, 0xfe), '00 C1 01 FE 3E'],
    ['S(ABORT response)', () => encodeSBlock(LRC, 'ABORT', true), '00 E2 00 E2'],
    ['S(WTX response) 0A', () => encodeSBlock(LRC, 'WTX', true, 0x0a), '00 E3 01 0A E8'],
    ['NAD 21', () => encodeRBlock({ edc: 'lrc', nad: 0x21 }, 0), '21 80 00 A1'],
  ])('%s', (_name, build, hex) => {
    expect(toHex(build())).toBe(hex);
  });

  it('CRC blocks carry two EDC bytes, most significant first', () => {
    const block = encodeRBlock(CRC, 0);
    const crc = referenceCrc([0x00, 0x80, 0x00]);
    expect(toHex(block)).toBe(toHex(Uint8Array.of(0x00, 0x80, 0x00, crc >> 8, crc & 0xff)));
  });

  it('refuses an INF over 254 bytes', () => {
    expect(() => encodeIBlock(LRC, 0, false, new Uint8Array(255))).toThrow(expect.objectContaining({ code: 'CCID_ERR_INVALID_ARGUMENT' }));
  });
});

describe('block decoding', () => {
  it.each([
    ['00 00 04 00 A4 04 00 A4', 'I(N(S)=0) 4 byte(s)'],
    ['00 60 01 AA CB', 'I(N(S)=1, M) 1 byte(s)'],
    ['00 81 00 81', 'R(N(R)=0) EDC error'],
    ['00 C3 01 0A C8', 'S(WTX request) 0A'],
    ['00 E1 01 20 C0', 'S(IFS response) 20'],
  ])('%s → %s', (hex, text) => {
    expect(describeT1Block(parseT1Block(fromHex(hex), 'lrc'))).toBe(text);
  });

  it.each([
    ['00 00', 'other', /shorter than prologue and epilogue/],
    ['00 00 04 00 A4 04 00 A5', 'edc', /LRC does not match/],
    ['00 00 05 00 A4 04 00 A5', 'other', /LEN = 5 but 4 INF/],
    ['00 01 00 01', 'other', /reserved bits/],
    ['00 A0 00 A0', 'other', /R-block PCB A0/],
    ['00 83 00 83', 'other', /R-block PCB 83/],
    ['00 80 01 00 81', 'other', /R-block with LEN = 1/],
    ['00 C4 00 C4', 'other', /names no known request/],
    ['00 C1 00 C1', 'other', /S\(IFS\) with LEN = 0/],
    ['00 C1 01 00 C0', 'other', /outside 1–254/],
    ['00 C1 01 FF 3F', 'other', /outside 1–254/],
    ['00 C3 01 00 C2', 'other', /multiplier 0/],
    ['00 C0 01 00 C1', 'other', /S\(RESYNCH\) with LEN = 1/],
  ])('%s is invalid (%s error)', (hex, error, reason) => {
    const block = decodeT1Block(fromHex(hex), 'lrc');
    expect(block.kind).toBe('invalid');
    if (block.kind === 'invalid') {
      expect(block.error).toBe(error);
      expect(block.reason).toMatch(reason);
    }
    expect(() => parseT1Block(fromHex(hex), 'lrc')).toThrow(CardProtocolError);
  });

  it('LEN FF is reserved', () => {
    const bytes = new Uint8Array(3 + 255 + 1);
    bytes[2] = 0xff;
    bytes[bytes.length - 1] = lrc(bytes, bytes.length - 1);
    const block = decodeT1Block(bytes, 'lrc');
    expect(block.kind === 'invalid' && block.reason).toMatch(/LEN = FF is reserved/);
  });
});

describe('properties', () => {
  const edc = fc.constantFrom<T1Edc>('lrc', 'crc');
  const block = fc.oneof(
    fc.record({ kind: fc.constant('I' as const), ns: fc.constantFrom<0 | 1>(0, 1), more: fc.boolean(), inf: fc.uint8Array({ maxLength: 254 }) }),
    fc.record({ kind: fc.constant('R' as const), nr: fc.constantFrom<0 | 1>(0, 1), error: fc.constantFrom<RBlockError>('none', 'edc', 'other') }),
    fc.record({ kind: fc.constant('S' as const), type: fc.constantFrom(...S_BLOCK_TYPES), response: fc.boolean(), value: fc.integer({ min: 1, max: 254 }) }),
  );

  it('decode(encode(b)) = b, and the reference codec reads the same fields', () => {
    fc.assert(
      fc.property(edc, fc.integer({ min: 0, max: 255 }), block, (e, nad, b) => {
        const framing = { edc: e, nad };
        const bytes =
          b.kind === 'I'
            ? encodeIBlock(framing, b.ns, b.more, b.inf)
            : b.kind === 'R'
              ? encodeRBlock(framing, b.nr, b.error)
              : encodeSBlock(framing, b.type, b.response, b.type === 'IFS' || b.type === 'WTX' ? b.value : undefined);
        const back = parseT1Block(bytes, e);
        expect(back.nad).toBe(nad);
        const ref = refParse(bytes, e);
        if (b.kind === 'I') {
          expect(back).toMatchObject({ kind: 'I', ns: b.ns, more: b.more, inf: b.inf });
          expect(ref).toEqual({ type: 'I', ns: b.ns, more: b.more, inf: Array.from(b.inf) });
        } else if (b.kind === 'R') {
          expect(back).toMatchObject({ kind: 'R', nr: b.nr, error: b.error });
          expect(ref).toEqual({ type: 'R', nr: b.nr, err: { none: 0, edc: 1, other: 2 }[b.error] });
        } else {
          expect(back).toMatchObject({ kind: 'S', type: b.type, response: b.response });
          expect(ref.type).toBe('S');
        }
        expect(toHex(back.raw)).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('any bytes decode without throwing, and parse throws only CardProtocolError', () => {
    fc.assert(
      fc.property(edc, fc.uint8Array({ maxLength: 270 }), (e, bytes) => {
        const decoded = decodeT1Block(bytes, e);
        expect(['I', 'R', 'S', 'invalid']).toContain(decoded.kind);
        try {
          parseT1Block(bytes, e);
        } catch (error) {
          expect(error).toBeInstanceOf(CardProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('well-framed random PCB/INF: the driver and the reference agree on validity', () => {
    fc.assert(
      fc.property(edc, fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 4 }), (e, pcb, inf) => {
        const bytes = refBuild(0, pcb, inf, e);
        const driver = decodeT1Block(bytes, e);
        const ref = refParse(bytes, e);
        expect(driver.kind === 'invalid').toBe(ref.type === 'bad' || (ref.type === 'S' && ref.inf.length === 1 && (ref.inf[0] === 0 || ref.inf[0] === 0xff) && (ref.op === 1 || (ref.op === 3 && ref.inf[0] === 0))));
      }),
      { numRuns: 2000 },
    );
  });
});
