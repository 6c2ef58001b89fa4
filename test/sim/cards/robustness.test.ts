/**
 * Any bytes at any entry point: the card never throws, answers T=0 and APDUs with at
 * least a status word (or stays mute for a T=0 header shorter than 5 bytes), and answers
 * PPS with a well-formed response or nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combinedCard } from '../../../src/sim/cards/index.ts';

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.uint8Array({ minLength: 4, maxLength: 300 }),
  // Headers of commands the card knows, with random parameters and bodies.
  fc
    .tuple(
      fc.constantFrom(0x00, 0x80, 0xa0, 0x10, 0x0c, 0x01, 0xff),
      fc.constantFrom(0xa4, 0xb0, 0xb2, 0xd6, 0xdc, 0x20, 0xf2, 0x84, 0xca, 0x10, 0xee, 0xc0, 0xc2, 0x00, 0x61),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([cla, ins, p1, p2, rest]) => Uint8Array.from([cla, ins, p1, p2, ...rest])),
);

/** Requests with the right length and PCK for their PPS0, any values inside. */
const wellFormedPps = fc.tuple(fc.integer({ min: 0, max: 0x7f }), fc.uint8Array({ minLength: 3, maxLength: 3 })).map(([pps0, values]) => {
  const present = [0x10, 0x20, 0x40].filter((bit) => (pps0 & bit) !== 0).length;
  const body = [0xff, pps0, ...values.subarray(0, present)];
  return Uint8Array.from([...body, body.reduce((x, b) => x ^ b, 0)]);
});

describe('robustness', () => {
  it('T=0 and APDU front-ends answer anything with a status word', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), bytes), { maxLength: 40 }), (steps) => {
        const card = combinedCard({ seed: 1, pinEnabled: false });
        card.reset('cold', 5);
        for (const [viaT0, input] of steps) {
          const answer = viaT0 ? card.transmitT0(input) : card.transmitApdu(input);
          if (viaT0 && input.length < 5) {
            expect(answer.mute).toBe(true);
            continue;
          }
          expect(answer.mute).toBeUndefined();
          expect(answer.bytes.length).toBeGreaterThanOrEqual(2);
          expect(answer.processingMs).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('PPS: any request gets nothing or a response whose bytes XOR to 00', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 8 }), wellFormedPps), fc.constantFrom<'accept' | 'reject' | 'mute'>('accept', 'reject', 'mute'), (request, pps) => {
        const card = combinedCard({ pps, fi: 512, di: 32 });
        card.reset('cold', 5);
        const answer = card.pps(request);
        if (pps === 'mute') expect(answer).toBeUndefined();
        if (answer !== undefined) {
          // The response names the requested protocol and echoes PPS1 or leaves it out.
          expect(answer[1]! & 0x0f).toBe(request[1]! & 0x0f);
          if ((answer[1]! & 0x10) !== 0) expect(answer[2]).toBe(request[2]);
          expect(answer[0]).toBe(0xff);
          expect(answer.reduce((x, b) => x ^ b, 0)).toBe(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
