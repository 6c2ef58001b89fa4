/**
 * The card's T=0 front-end at TPDU level (ISO/IEC 7816-3 §10, §12.2): case 1–4 handling,
 * 6C XX, 61 XX with GET RESPONSE, ENVELOPE for extended APDUs. TPDUs are written by hand.
 */
import { describe, expect, it } from 'vitest';
import { helloWorldCard, patternBytes, usimCard, SimCard } from '../../../src/sim/cards/index.ts';
import { fromHex, toHex } from '../../../src/util/hex.ts';

const SELECT_HELLO = fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01');
const HELLO_HEX = toHex(new TextEncoder().encode('Hello world!'));

function t0(card: SimCard, hex: string | Uint8Array): string {
  const answer = card.transmitT0(typeof hex === 'string' ? fromHex(hex) : hex);
  expect(answer.mute).toBeUndefined();
  return toHex(answer.bytes);
}

function powered(card: SimCard): SimCard {
  expect(card.reset('cold', 5)).toBeDefined();
  return card;
}

describe('T=0 TPDU, card side', () => {
  it('hello world: SELECT (case 3) 90 00; case 1 with P3 = 00 gets 6C 0C; P3 = 0C gets the text', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    expect(t0(card, SELECT_HELLO)).toBe('90 00');
    expect(t0(card, '00 00 00 00 00')).toBe('6C 0C');
    expect(t0(card, '00 00 00 00 0C')).toBe(`${HELLO_HEX} 90 00`);
  });

  it('case 2 with the wrong Le in either direction: 6C XX with the exact length', () => {
    const card = powered(usimCard({ seed: 3, pinEnabled: false }));
    expect(t0(card, '00 A4 00 0C 02 7F 10')).toBe('90 00');
    expect(t0(card, '00 A4 00 0C 02 6F 3A')).toBe('90 00');
    expect(t0(card, '00 B2 01 04 10')).toBe('6C 1C'); // record is 28 bytes
    expect(t0(card, '00 B2 01 04 20')).toBe('6C 1C');
    const record = t0(card, '00 B2 01 04 1C');
    expect(record.endsWith('90 00')).toBe(true);
    expect(fromHex(record).length).toBe(28 + 2);
  });

  it('case 4: SELECT with FCP answers 61 XX; GET RESPONSE in parts, then with the exact rest', () => {
    const card = powered(usimCard({ seed: 1 }));
    const first = t0(card, '00 A4 00 04 02 2F E2');
    expect(first.slice(0, 2)).toBe('61');
    const length = parseInt(first.slice(3, 5), 16);
    expect(length).toBeGreaterThan(10);
    // Asking for more than is held: 6C with the exact count, nothing consumed.
    expect(t0(card, `00 C0 00 00 ${(length + 1).toString(16)}`)).toBe(`6C ${first.slice(3, 5)}`);
    const part1 = fromHex(t0(card, '00 C0 00 00 04'));
    expect(toHex(part1.subarray(4))).toBe(`61 ${(length - 4).toString(16).toUpperCase().padStart(2, '0')}`);
    const part2 = fromHex(t0(card, `00 C0 00 00 ${(length - 4).toString(16)}`));
    expect(toHex(part2.subarray(part2.length - 2))).toBe('90 00');
    const fcp = Uint8Array.from([...part1.subarray(0, 4), ...part2.subarray(0, part2.length - 2)]);
    expect(fcp[0]).toBe(0x62);
    expect(fcp[1]).toBe(fcp.length - 2);
    expect(toHex(fcp)).toContain('83 02 2F E2');
    // Nothing is held any more.
    expect(t0(card, '00 C0 00 00 00')).toBe('69 85');
  });

  it('a command between 61 XX and GET RESPONSE discards the held data', () => {
    const card = powered(usimCard({ seed: 1 }));
    expect(t0(card, '00 A4 00 04 02 3F 00').slice(0, 2)).toBe('61');
    expect(t0(card, '00 20 00 01 00')).toBe('63 C3');
    expect(t0(card, '00 C0 00 00 10')).toBe('69 85');
  });

  it('case 2 with more than 256 bytes: 256 bytes then 61 XX and GET RESPONSE', () => {
    const card = powered(helloWorldCard({ protocol: 0, seed: 9 }));
    const first = fromHex(t0(card, '00 CA 01 2C 00')); // 300 bytes asked with P3 = 00
    expect(first.length).toBe(258);
    expect(toHex(first.subarray(256))).toBe('61 2C');
    const rest = fromHex(t0(card, '00 C0 00 00 2C'));
    expect(toHex(rest.subarray(44))).toBe('90 00');
    const all = Uint8Array.from([...first.subarray(0, 256), ...rest.subarray(0, 44)]);
    expect(toHex(all)).toBe(toHex(patternBytes(9, 300)));
  });

  it('length errors: 67 00 when P3 and the data disagree; mute below 5 bytes', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    expect(t0(card, '00 A4 04 00 0B A0 00 00 00 62 03 01 0C 06 01')).toBe('67 00');
    expect(t0(card, '00 A4 04 00 00 A0')).toBe('67 00');
    expect(card.transmitT0(fromHex('00 A4 04 00')).mute).toBe(true);
    expect(card.transmitT0(new Uint8Array(0)).mute).toBe(true);
  });

  it('unknown INS 6D 00, CLA FF 6E 00, logical channel 68 81', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    expect(t0(card, '00 12 00 00 00')).toBe('6D 00');
    expect(t0(card, 'FF 00 00 00 00')).toBe('6E 00');
    expect(t0(card, '01 84 00 00 08')).toBe('68 81');
  });

  /** Sends `apdu` in ENVELOPEs of 255 bytes; returns the answers to each. */
  function envelopes(card: SimCard, apdu: Uint8Array): string[] {
    const answers: string[] = [];
    for (let offset = 0; offset < apdu.length; offset += 255) {
      const part = apdu.subarray(offset, offset + 255);
      answers.push(t0(card, Uint8Array.from([0x00, 0xc2, 0x00, 0x00, part.length, ...part])));
    }
    return answers;
  }

  /** Fetches 61 XX data with GET RESPONSE until the final status word. */
  function fetchAll(card: SimCard, sw: string): { data: Uint8Array; sw: string; rounds: number } {
    const received: number[] = [];
    let rounds = 0;
    while (sw.startsWith('61')) {
      const n = parseInt(sw.slice(3, 5), 16) || 256;
      const answer = fromHex(t0(card, `00 C0 00 00 ${(n & 0xff).toString(16).padStart(2, '0')}`));
      received.push(...answer.subarray(0, n));
      sw = toHex(answer.subarray(n));
      rounds++;
    }
    return { data: Uint8Array.from(received), sw, rounds };
  }

  it('ENVELOPE carries an extended ECHO of 4096 bytes; the piece that completes it gets 61 XX', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    const data = patternBytes(77, 4096);
    const apdu = Uint8Array.from([0x80, 0xee, 0x00, 0x00, 0x00, 0x10, 0x00, ...data, 0x00, 0x00]);
    const answers = envelopes(card, apdu);
    expect(answers.slice(0, -1).every((a) => a === '90 00')).toBe(true);
    expect(answers.at(-1)).toBe('61 00');
    const all = fetchAll(card, answers.at(-1)!);
    expect(all.sw).toBe('90 00');
    expect(all.rounds).toBe(16);
    expect(toHex(all.data)).toBe(toHex(data));
  });

  it('ENVELOPE: a late empty ENVELOPE (ISO/IEC 7816-4 end mark) gets the same answer', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    const data = patternBytes(1, 300);
    const answers = envelopes(card, Uint8Array.from([0x80, 0xee, 0, 0, 0, 0x01, 0x2c, ...data, 0x01, 0x2c]));
    expect(answers).toEqual(['90 00', '61 00']);
    expect(t0(card, '00 C2 00 00 00')).toBe('61 00');
    const all = fetchAll(card, '61 00');
    expect(toHex(all.data)).toBe(toHex(data));
  });

  it('ENVELOPE: a string ended only by the empty ENVELOPE (short APDU inside) runs at the end mark', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    expect(t0(card, '00 C2 00 00 07 00 A4 04 00 0A A0 00')).toBe('90 00');
    expect(t0(card, '00 C2 00 00 08 00 00 62 03 01 0C 06 01')).toBe('90 00');
    expect(t0(card, '00 C2 00 00 00')).toBe('90 00'); // the SELECT answered
    expect(t0(card, '00 C2 00 00 04 00 00 00 00')).toBe('90 00');
    const end = t0(card, '00 C2 00 00 00');
    expect(end).toBe('61 0C');
    expect(new TextDecoder().decode(fetchAll(card, end).data)).toBe('Hello world!');
  });

  it('ENVELOPE: a case 4E whose Le falls into a piece of its own', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    // Lc = 503: 7 + 503 = 510 = 2 × 255, so the 2 Le bytes travel alone.
    const data = patternBytes(2, 503);
    const answers = envelopes(card, Uint8Array.from([0x80, 0xee, 0, 0, 0, 0x01, 0xf7, ...data, 0x00, 0x00]));
    expect(answers).toEqual(['90 00', '61 00', '61 00']);
    const all = fetchAll(card, answers.at(-1)!);
    expect(toHex(all.data)).toBe(toHex(data));
    // After that, a 2-byte ENVELOPE is the start of a new string again.
    expect(t0(card, '00 C2 00 00 02 00 84')).toBe('90 00');
  });

  it('GET RESPONSE and ENVELOPE in the command\'s class (bClassGetResponse / bClassEnvelope = FF)', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    const data = patternBytes(4, 300);
    const apdu = Uint8Array.from([0x80, 0xee, 0, 0, 0, 0x01, 0x2c, ...data, 0x01, 0x2c]);
    expect(t0(card, Uint8Array.from([0x80, 0xc2, 0, 0, 0xff, ...apdu.subarray(0, 255)]))).toBe('90 00');
    expect(t0(card, Uint8Array.from([0x80, 0xc2, 0, 0, apdu.length - 255, ...apdu.subarray(255)]))).toBe('61 00');
    const first = fromHex(t0(card, '80 C0 00 00 00'));
    expect(toHex(first.subarray(256))).toBe('61 2C');
    const rest = fromHex(t0(card, '80 C0 00 00 2C'));
    expect(toHex(Uint8Array.from([...first.subarray(0, 256), ...rest]))).toBe(`${toHex(data)} 90 00`);
    expect(t0(card, 'FF C0 00 00 00')).toBe('6E 00');
  });

  it('ENVELOPE without extended length support is an unknown instruction', () => {
    const card = powered(helloWorldCard({ protocol: 0, extendedLength: false }));
    expect(t0(card, '00 C2 00 00 03 01 02 03')).toBe('6D 00');
  });

  it('an empty ENVELOPE with nothing before it: 69 85', () => {
    const card = powered(helloWorldCard({ protocol: 0 }));
    expect(t0(card, '00 C2 00 00 00')).toBe('69 85');
  });

  it('timing: processingMs per APDU, protocolMs for GET RESPONSE, WAIT reports extraMs', () => {
    const card = powered(usimCard({ seed: 1, processingMs: 7, protocolMs: 0.5 }));
    const select = card.transmitT0(fromHex('00 A4 00 04 02 3F 00'));
    expect(select.processingMs).toBe(7);
    expect(select.extraMs).toBeUndefined();
    const n = select.bytes[1]!;
    expect(card.transmitT0(Uint8Array.of(0, 0xc0, 0, 0, n)).processingMs).toBe(0.5);
    const wait = card.transmitT0(fromHex('80 10 07 D0 00')); // 2000 ms
    expect(toHex(wait.bytes)).toBe('90 00');
    expect(wait.extraMs).toBe(2000);
    expect(wait.processingMs).toBe(7); // the card's time is processingMs + extraMs
  });

  it('GET CHALLENGE: seeded, the same after each reset, different per seed', () => {
    const a = powered(helloWorldCard({ protocol: 0, seed: 1 }));
    const first = t0(a, '00 84 00 00 08');
    const second = t0(a, '00 84 00 00 08');
    expect(first).not.toBe(second);
    powered(a);
    expect(t0(a, '00 84 00 00 08')).toBe(first);
    const b = powered(helloWorldCard({ protocol: 0, seed: 2 }));
    expect(t0(b, '00 84 00 00 08')).not.toBe(first);
    expect(fromHex(first).length).toBe(10);
  });
});
