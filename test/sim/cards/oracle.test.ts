/**
 * The oracle agrees with the card reached through T=0 and T=1 front-ends for APDUs with
 * exact or 00 Le, and tells cards with different seeds apart.
 */
import { describe, expect, it } from 'vitest';
import { cardOracle, expectedAnswers, usimCard, combinedCard, type CardOptions } from '../../../src/sim/cards/index.ts';
import { fromHex, toHex } from '../../../src/util/hex.ts';
import { block, readBlock } from './blocks.ts';

const SCRIPT = [
  '00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01',
  '00 00 00 00 0C',
  '00 A4 00 0C 02 2F E2',
  '00 B0 00 00 0A',
  '00 20 00 01 08 31 32 33 34 FF FF FF FF',
  '00 A4 08 0C 04 7F 20 6F 07',
  '00 B0 00 00 09',
  '00 84 00 00 10',
  '00 CA 00 40 40',
  '00 A4 08 0C 04 7F 10 6F 3A',
  '00 B2 01 04 1C',
].map((h) => fromHex(h));

/** Runs the script through the T=1 front-end with single blocks (IFSD raised to 254). */
function viaT1(options: CardOptions): string[] {
  const card = combinedCard({ ...options, protocol: 1 });
  card.reset('cold', 5);
  card.transmitT1(block(0xc1, [0xfe]));
  let ns = 0;
  return SCRIPT.map((apdu) => {
    const reply = readBlock(card.transmitT1(block(ns << 6, apdu)).bytes);
    ns ^= 1;
    expect(reply.kind).toBe('I');
    return toHex(reply.inf);
  });
}

/** Runs the script through the T=0 front-end, fetching 61 XX data with GET RESPONSE. */
function viaT0(options: CardOptions): string[] {
  const card = combinedCard({ ...options, protocol: 0 });
  card.reset('cold', 5);
  return SCRIPT.map((apdu) => {
    let answer = card.transmitT0(apdu.length === 4 ? Uint8Array.from([...apdu, 0]) : apdu).bytes;
    if (answer.length === 2 && answer[0] === 0x61) answer = card.transmitT0(Uint8Array.of(0, 0xc0, 0, 0, answer[1]!)).bytes;
    return toHex(answer);
  });
}

describe('oracle', () => {
  it('matches the card through T=1 and T=0 for the benchmark script', () => {
    const options = { seed: 42 };
    const expected = expectedAnswers({ ...options, applets: ['hello-world', 'usim', 'test-commands'] }, SCRIPT).map((a) => toHex(a));
    expect(expected[1]!.endsWith('90 00')).toBe(true);
    expect(expected[6]).toContain('90 00');
    expect(viaT1(options)).toEqual(expected);
    expect(viaT0(options)).toEqual(expected);
  });

  it('tells seeds apart on ICCID, IMSI, GET DATA and GET CHALLENGE', () => {
    const a = expectedAnswers({ seed: 1 }, SCRIPT).map((x) => toHex(x));
    const b = expectedAnswers({ seed: 2 }, SCRIPT).map((x) => toHex(x));
    for (const index of [3, 6, 7, 8, 10]) expect(a[index]).not.toBe(b[index]);
  });

  it('follows state: reset forgets selection and PIN, starts the challenge sequence over', () => {
    const oracle = cardOracle(usimCard({ seed: 3 }).options);
    const challenge = toHex(oracle.answer(fromHex('00 84 00 00 08')));
    expect(toHex(oracle.answer(fromHex('00 84 00 00 08')))).not.toBe(challenge);
    oracle.reset();
    expect(toHex(oracle.answer(fromHex('00 84 00 00 08')))).toBe(challenge);
  });
});
