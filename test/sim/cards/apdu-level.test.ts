/**
 * The APDU-level front-end (short and extended APDU readers): response shaping with
 * 61 XX / 6C XX, GET RESPONSE, extended length on and off, the seven APDU cases.
 */
import { describe, expect, it } from 'vitest';
import { cardFromOptions, helloWorldCard, parseCommandApdu, patternBytes, SimCard } from '../../../src/sim/cards/index.ts';
import { fromHex, toHex } from '../../../src/util/hex.ts';

function powered(card: SimCard): SimCard {
  card.reset('cold', 5);
  return card;
}

function apdu(card: SimCard, bytes: string | Uint8Array): Uint8Array {
  const answer = card.transmitApdu(typeof bytes === 'string' ? fromHex(bytes) : bytes);
  expect(answer.mute).toBeUndefined();
  return answer.bytes;
}

const sw = (bytes: Uint8Array): string => toHex(bytes.subarray(bytes.length - 2));

describe('APDU level, card side', () => {
  it('hello world: case 3 SELECT, case 1 command returns the text', () => {
    const card = powered(helloWorldCard());
    expect(toHex(apdu(card, '00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01'))).toBe('90 00');
    const hello = apdu(card, '00 00 00 00');
    expect(new TextDecoder().decode(hello.subarray(0, 12))).toBe('Hello world!');
    expect(toHex(hello.subarray(12))).toBe('90 00');
  });

  it('the hello world answer needs the applet to be selected', () => {
    const card = powered(helloWorldCard());
    expect(toHex(apdu(card, '00 00 00 00'))).toBe('6D 00');
    expect(toHex(apdu(card, '00 A4 04 00 05 A0 00 00 00 99'))).toBe('6A 82');
    // Selection by a truncated AID (at least the RID).
    expect(toHex(apdu(card, '00 A4 04 00 07 A0 00 00 00 62 03 01'))).toBe('90 00');
    expect(toHex(apdu(card, '00 00 00 00 0C')).endsWith('90 00')).toBe(true);
  });

  it('extended GET DATA of 4096 bytes with Le 00 00 comes back whole', () => {
    const card = powered(helloWorldCard({ seed: 3 }));
    const answer = apdu(card, '00 CA 10 00 00 00 00');
    expect(answer.length).toBe(4098);
    expect(toHex(answer.subarray(0, 4096))).toBe(toHex(patternBytes(3, 4096)));
    expect(sw(answer)).toBe('90 00');
  });

  it('extended ECHO of 4096 bytes (case 4E)', () => {
    const card = powered(helloWorldCard());
    const data = patternBytes(11, 4096);
    const answer = apdu(card, Uint8Array.from([0x80, 0xee, 0, 0, 0, 0x10, 0, ...data, 0, 0]));
    expect(toHex(answer)).toBe(toHex(Uint8Array.from([...data, 0x90, 0x00])));
  });

  it('without extended length support: 67 00 for every extended form', () => {
    const card = powered(helloWorldCard({ extendedLength: false }));
    expect(toHex(apdu(card, '00 CA 10 00 00 00 00'))).toBe('67 00');
    expect(toHex(apdu(card, '80 EE 00 00 00 00 01 AA'))).toBe('67 00');
    expect(toHex(apdu(card, '80 EE 00 00 00 00 01 AA 00 00'))).toBe('67 00');
  });

  it('short Le 00 on 300 bytes: 256 bytes and 61 2C, GET RESPONSE gives the rest', () => {
    const card = powered(helloWorldCard({ seed: 4 }));
    const first = apdu(card, '00 CA 01 2C 00');
    expect(first.length).toBe(258);
    expect(sw(first)).toBe('61 2C');
    const rest = apdu(card, '00 C0 00 00 00');
    expect(rest.length).toBe(46);
    expect(sw(rest)).toBe('90 00');
    expect(toHex(Uint8Array.from([...first.subarray(0, 256), ...rest.subarray(0, 44)]))).toBe(toHex(patternBytes(4, 300)));
    expect(toHex(apdu(card, '00 C0 00 00 00'))).toBe('69 85');
  });

  it('short explicit Le smaller than the data (≤ 256): 6C XX', () => {
    const card = powered(helloWorldCard());
    apdu(card, '00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01');
    expect(toHex(apdu(card, '00 00 00 00 05'))).toBe('6C 0C');
    // Larger Le than the data: the data as it is.
    expect(apdu(card, '00 00 00 00 40').length).toBe(14);
  });

  it('malformed APDUs: 67 00', () => {
    const card = powered(helloWorldCard());
    for (const bad of ['00 A4', '00 A4 04 00 0A A0', '00 CA 00 00 00 00', '00 CA 00 00 00 00 00 00', '80 EE 00 00 02 01 02 03 04']) {
      expect(toHex(apdu(card, bad))).toBe('67 00');
    }
  });

  it('the parser reads all seven cases', () => {
    const cases: [string, number, number, boolean, boolean][] = [
      ['00 B0 00 00', 0, 256, false, false],
      ['00 B0 00 00 00', 0, 256, true, false],
      ['00 B0 00 00 10', 0, 16, true, false],
      ['00 D6 00 00 02 AA BB', 2, 256, false, false],
      ['00 A4 00 00 02 3F 00 FF', 2, 255, true, false],
      ['00 B0 00 00 00 01 00', 0, 256, true, true],
      ['00 B0 00 00 00 00 00', 0, 65536, true, true],
      ['00 D6 00 00 00 00 02 AA BB', 2, 65536, false, true],
      ['00 D6 00 00 00 00 02 AA BB 00 00', 2, 65536, true, true],
      ['00 D6 00 00 00 00 02 AA BB 01 23', 2, 0x123, true, true],
    ];
    for (const [hex, nc, ne, hasLe, extended] of cases) {
      const c = parseCommandApdu(fromHex(hex))!;
      expect([c.data.length, c.ne, c.hasLe, c.extended]).toEqual([nc, ne, hasLe, extended]);
    }
  });

  it('APDU-level exchanges do not depend on the ATR protocol', () => {
    const card = powered(cardFromOptions({ protocol: 0 }));
    expect(sw(apdu(card, '00 84 00 00 10'))).toBe('90 00');
  });
});
