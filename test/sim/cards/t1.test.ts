/**
 * The card's T=1 front-end (ISO/IEC 7816-3 §11), driven with blocks built by hand
 * (`blocks.ts`): chaining both ways with IFSC/IFSD, WTX, RESYNCH, ABORT, EDC errors and
 * retransmission, NAD, LRC and CRC, and garbage that must never make the card throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16, helloWorldCard, patternBytes, SimCard, type CardOptions } from '../../../src/sim/cards/index.ts';
import { fromHex, toHex } from '../../../src/util/hex.ts';
import { block, readBlock, refCrc, type ReadBlock } from './blocks.ts';

const SELECT_HELLO = fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01');

function card(options: CardOptions = {}): SimCard {
  const c = helloWorldCard({ protocol: 1, ...options });
  expect(c.reset('cold', 5)).toBeDefined();
  return c;
}

function send(c: SimCard, bytes: Uint8Array): ReadBlock {
  const answer = c.transmitT1(bytes);
  expect(answer.mute).toBeUndefined();
  return readBlock(answer.bytes, c.options.edc);
}

/**
 * A reader-side exchange written for the test: sends `apdu` in I-blocks of at most
 * `ifsc` bytes, acknowledges the card's chain, answers WTX, and returns the response
 * and the blocks seen.
 */
function exchange(c: SimCard, apdu: Uint8Array, state: { ns: number }, ifsc: number) {
  const edc = c.options.edc;
  const seen: ReadBlock[] = [];
  let reply: ReadBlock | undefined;
  for (let offset = 0; offset < apdu.length; offset += ifsc) {
    const part = apdu.subarray(offset, offset + ifsc);
    const more = offset + ifsc < apdu.length;
    reply = send(c, block((state.ns << 6) | (more ? 0x20 : 0), part, edc));
    state.ns ^= 1;
    seen.push(reply);
    if (more) {
      expect(reply.kind).toBe('R');
      expect((reply.pcb >> 4) & 1).toBe(state.ns); // N(R) = next N(S) expected from us
      expect(reply.pcb & 0x0f).toBe(0);
    }
  }
  const response: number[] = [];
  let cardNs = -1;
  for (;;) {
    if (reply!.kind === 'S' && reply!.pcb === 0xc3) {
      reply = send(c, block(0xe3, reply!.inf, edc));
      seen.push(reply);
      continue;
    }
    expect(reply!.kind).toBe('I');
    cardNs = (reply!.pcb >> 6) & 1;
    response.push(...reply!.inf);
    if ((reply!.pcb & 0x20) === 0) break;
    reply = send(c, block(0x80 | ((cardNs ^ 1) << 4), [], edc));
    seen.push(reply);
  }
  return { response: Uint8Array.from(response), seen };
}

describe('T=1 card side', () => {
  it('hello world in single blocks, LRC, N(S) alternating on both sides', () => {
    const c = card();
    // I(0) SELECT → I(0) 90 00; then I(1) 00 00 00 00 → I(1) "Hello world!" 90 00.
    expect(toHex(c.transmitT1(block(0x00, SELECT_HELLO)).bytes)).toBe('00 00 02 90 00 92');
    const hello = send(c, block(0x40, [0, 0, 0, 0]));
    expect(hello.pcb).toBe(0x40);
    expect(new TextDecoder().decode(hello.inf.subarray(0, 12))).toBe('Hello world!');
    expect(toHex(hello.inf.subarray(12))).toBe('90 00');
  });

  it('chaining both ways: a 4096-byte extended ECHO with IFSC 32, IFSD 32 then 254', () => {
    const c = card({ ifsc: 32 });
    const data = patternBytes(5, 4096);
    const apdu = Uint8Array.from([0x80, 0xee, 0, 0, 0, 0x10, 0x00, ...data, 0, 0]);
    const state = { ns: 0 };
    const first = exchange(c, apdu, state, 32);
    expect(toHex(first.response)).toBe(toHex(Uint8Array.from([...data, 0x90, 0x00])));
    const iBlocks = first.seen.filter((b) => b.kind === 'I');
    expect(iBlocks.length).toBe(Math.ceil(4098 / 32));
    expect(iBlocks.every((b, i) => b.inf.length <= 32 && ((b.pcb >> 6) & 1) === i % 2)).toBe(true);
    const rBlocks = first.seen.filter((b) => b.kind === 'R');
    expect(rBlocks.length).toBe(Math.ceil(apdu.length / 32) - 1);

    // S(IFS request) FE: the card echoes it and sends 254-byte blocks from then on.
    expect(toHex(c.transmitT1(block(0xc1, [0xfe])).bytes)).toBe(toHex(block(0xe1, [0xfe])));
    expect(c.ifsd).toBe(254);
    const second = exchange(c, apdu, state, 32);
    expect(toHex(second.response)).toBe(toHex(Uint8Array.from([...data, 0x90, 0x00])));
    const sizes = second.seen.filter((b) => b.kind === 'I').map((b) => b.inf.length);
    expect(sizes.slice(0, -1).every((n) => n === 254)).toBe(true);
    expect(sizes.length).toBe(Math.ceil(4098 / 254));
  });

  it('an I-block longer than IFSC gets R-block "other error", N(R) unchanged', () => {
    const c = card({ ifsc: 8 });
    const r = send(c, block(0x00, SELECT_HELLO));
    expect(r.kind).toBe('R');
    expect(r.pcb).toBe(0x82); // N(R) = 0, error 2
  });

  it('EDC error → R(N(R), 1); the reader repeats the block and the exchange goes on', () => {
    const c = card();
    const good = block(0x00, SELECT_HELLO);
    const bad = good.slice();
    bad[bad.length - 1]! ^= 0x01;
    expect(send(c, bad).pcb).toBe(0x81);
    const retried = send(c, good);
    expect(toHex(retried.inf)).toBe('90 00');
  });

  it('wrong N(S) → R-block error 2; an R-block asks for the last block again', () => {
    const c = card();
    expect(send(c, block(0x40, SELECT_HELLO)).pcb).toBe(0x82);
    const answer = c.transmitT1(block(0x00, SELECT_HELLO)).bytes;
    // The reader says it received garbage: R(N(R) = 0, EDC error) → the same I-block again.
    expect(toHex(c.transmitT1(block(0x81)).bytes)).toBe(toHex(answer));
    expect(toHex(c.transmitT1(block(0x92)).bytes)).toBe(toHex(answer));
  });

  it('the card\'s chain: a lost acknowledgement is repeated, a retransmission request repeats the part', () => {
    const c = card();
    const state = { ns: 0 };
    send(c, block(0x00, SELECT_HELLO));
    state.ns = 1;
    // GET DATA 100 bytes with Le 00: 102 bytes back in 32-byte parts (IFSD 32).
    const first = send(c, block(0x40, fromHex('00 CA 00 64 00')));
    expect(first.kind).toBe('I');
    expect(first.pcb).toBe(0x60); // N(S) = 1, M = 1
    // R(N(R) = 1) asks for the same part again (the reader did not get it right).
    const again = send(c, block(0x90));
    expect(toHex(again.inf)).toBe(toHex(first.inf));
    // R(N(R) = 0) acknowledges: the next part with N(S) = 0.
    const next = send(c, block(0x80));
    expect(next.pcb).toBe(0x20);
    expect(toHex(next.inf)).toBe(toHex(patternBytes(0, 100).subarray(32, 64)));
    // An I-block while the card is chaining is an error.
    expect(send(c, block(0x00, [0, 0, 0, 0])).kind).toBe('R');
  });

  it('S(ABORT) drops the chain; RESYNCH resets sequence numbers and IFSD', () => {
    const c = card();
    send(c, block(0x00, fromHex('00 CA 00 64 00')));
    expect(toHex(c.transmitT1(block(0xc2)).bytes)).toBe(toHex(block(0xe2)));
    // After the abort the reader's next I-block has N(S) = 1 and is accepted.
    expect(toHex(send(c, block(0x40, SELECT_HELLO)).inf)).toBe('90 00');
    send(c, block(0xc1, [0x80]));
    expect(c.ifsd).toBe(0x80);
    expect(toHex(c.transmitT1(block(0xc0)).bytes)).toBe(toHex(block(0xe0)));
    expect(c.ifsd).toBe(32);
    // Sequence numbers start over at 0 on both sides.
    expect(toHex(c.transmitT1(block(0x00, SELECT_HELLO)).bytes)).toBe(toHex(block(0x00, [0x90, 0x00])));
  });

  it('invalid S-blocks: IFS 00 or FF, unexpected WTX response, reader WTX request → R error 2', () => {
    const c = card();
    for (const b of [block(0xc1, [0x00]), block(0xc1, [0xff]), block(0xe3, [1]), block(0xc3, [1]), block(0xc1, [])]) {
      expect(send(c, b).pcb).toBe(0x82);
    }
  });

  it('WTX: a command longer than BWT gets S(WTX request) first, then the answer', () => {
    // BWI 4 at 4 MHz and Fd/Dd: BWT = 11 etu + 16 · 960 · 372 / 4 MHz ≈ 1428.5 ms.
    const c = card({ bwi: 4, processingMs: 0 });
    const wtx = c.transmitT1(block(0x00, fromHex('80 10 0B B8'))); // WAIT 3000 ms
    const request = readBlock(wtx.bytes);
    expect(request.pcb).toBe(0xc3);
    const bwt = 11 * (372 / 4e6) * 1000 + ((16 * 960 * 372) / 4e6) * 1000;
    expect(wtx.processingMs).toBeCloseTo(bwt / 2, 6);
    const multiplier = Math.ceil((3000 - bwt / 2) / bwt);
    expect(toHex(request.inf)).toBe(multiplier.toString(16).padStart(2, '0').toUpperCase());
    expect(wtx.extraMs).toBeUndefined(); // the request goes out within BWT; its INF asks for the time
    // The reader answers with S(WTX response) and the same multiplier.
    const done = c.transmitT1(block(0xe3, request.inf));
    expect(toHex(readBlock(done.bytes).inf)).toBe('90 00');
    expect(done.processingMs).toBeCloseTo(3000 - bwt / 2, 6);
    // A lost WTX request: R-block → the card repeats it.
    const again = c.transmitT1(block(0x40, fromHex('80 10 0B B8')));
    expect(toHex(c.transmitT1(block(0x91)).bytes)).toBe(toHex(again.bytes));
    // A wrong multiplier in the response is an error.
    expect(send(c, block(0xe3, [0x7f])).pcb).toBe(0x80 | 0x02);
  });

  it('a short command needs no WTX', () => {
    const c = card({ processingMs: 3 });
    const a = c.transmitT1(block(0x00, SELECT_HELLO));
    expect(readBlock(a.bytes).kind).toBe('I');
    expect(a.processingMs).toBe(3);
    const wait = c.transmitT1(block(0x40, fromHex('80 10 00 64'))); // WAIT 100 ms < BWT
    expect(toHex(readBlock(wait.bytes).inf)).toBe('90 00');
    expect([wait.processingMs, wait.extraMs]).toEqual([3, 100]);
  });

  it('NAD: the reply swaps SAD and DAD', () => {
    const c = card();
    const a = send(c, block(0x00, SELECT_HELLO, 'lrc', 0x21));
    expect(a.nad).toBe(0x12);
  });

  it('CRC: the card checks and produces CRC blocks; CRC check value 6F91', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x6f91);
    expect(refCrc(new TextEncoder().encode('123456789'))).toBe(0x6f91);
    const c = card({ edc: 'crc' });
    const a = send(c, block(0x00, SELECT_HELLO, 'crc'));
    expect(toHex(a.inf)).toBe('90 00');
    // An LRC-framed block to a CRC card is a wrong length or a CRC error, never accepted.
    const lrcBlock = c.transmitT1(block(0x40, [0, 0, 0, 0], 'lrc')).bytes;
    expect(readBlock(lrcBlock, 'crc').kind).toBe('R');
    const bad = block(0x40, [0, 0, 0, 0], 'crc');
    bad[bad.length - 2]! ^= 0x80;
    expect(send(c, bad).pcb).toBe(0x91); // N(R) = 1, EDC error
  });

  it('garbage blocks never throw; every answer is a well-formed block', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'lrc' | 'crc'>('lrc', 'crc'),
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 255 })).map(
              ([pcb, inf, nad]) => block(pcb, inf, 'lrc', nad),
            ),
            fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 })).map(([pcb, inf]) => block(pcb, inf, 'crc')),
          ),
          { maxLength: 30 },
        ),
        (edc, blocks) => {
          const c = helloWorldCard({ protocol: 1, edc, ifsc: 32 });
          c.reset('cold', 5);
          for (const b of blocks) {
            const answer = c.transmitT1(b);
            expect(answer.mute).toBeUndefined();
            const reply = readBlock(answer.bytes, edc);
            if (reply.kind === 'I') expect(reply.inf.length).toBeLessThanOrEqual(c.ifsd);
          }
          // Whatever happened, RESYNCH brings the card back.
          expect(toHex(c.transmitT1(block(0xc0, [], edc)).bytes)).toBe(toHex(block(0xe0, [], edc)));
          expect(toHex(readBlock(c.transmitT1(block(0x00, SELECT_HELLO, edc)).bytes, edc).inf)).toBe('90 00');
        },
      ),
      { numRuns: 300 },
    );
  });
});
