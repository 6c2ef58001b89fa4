import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CardProtocolError, CcidError, ReaderGoneError } from '../../src/errors.ts';
import { encodeCommandApdu } from '../../src/iso7816/apdu.ts';
import { T1Session, type T1SessionOptions } from '../../src/iso7816/t1/session.ts';
import { createApduTransport } from '../../src/iso7816/transmit.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { FakeExchange, scripted } from './fakes/exchange.ts';
import { FakeT1Card, t1Link, type Fault, type T1CardOptions } from './fakes/t1-card.ts';
import { refI, refParse, refR, refS, S_IFS, S_RESYNCH, S_WTX } from './fakes/t1-reference.ts';

const bytes = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);

/** Applet: INS 2A returns the data reversed; anything else returns "OK" 90 00. */
function reverser(command: Uint8Array): Uint8Array {
  const apdu = command;
  if (apdu[1] === 0x2a) {
    const nc = apdu[4] === 0 && apdu.length > 7 ? (apdu[5]! << 8) | apdu[6]! : apdu[4]!;
    const start = apdu[4] === 0 && apdu.length > 7 ? 7 : 5;
    const data = apdu.slice(start, start + nc).reverse();
    return Uint8Array.from([...data, 0x90, 0x00]);
  }
  return Uint8Array.from([0x4f, 0x4b, 0x90, 0x00]);
}

function setup(card: Partial<T1CardOptions> = {}, faults: Parameters<typeof t1Link>[1] = [], options: T1SessionOptions = {}) {
  const fake = new FakeT1Card({ applet: reverser, ...card });
  const link = t1Link(fake, faults);
  const session = new T1Session(link, { ifsc: fake.ifsc, edc: fake.edc, ...options });
  /** Each exchange as "sent → received" in the reference codec's terms. */
  const blocks = () => link.calls.map((c) => describeRef(c.data, fake.edc));
  return { fake, link, session, blocks };
}

function describeRef(data: Uint8Array, edc: 'lrc' | 'crc'): string {
  const b = refParse(data, edc);
  switch (b.type) {
    case 'I':
      return `I${b.ns}${b.more ? 'M' : ''}`;
    case 'R':
      return `R${b.nr}${b.err ? `e${b.err}` : ''}`;
    case 'S':
      return `S${['RESYNCH', 'IFS', 'ABORT', 'WTX'][b.op]}${b.response ? 'resp' : 'req'}`;
    default:
      return 'bad';
  }
}

const SELECT = fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01');

describe('T=1 error-free operation (ISO/IEC 7816-3 §11.6.2)', () => {
  it('rule 1/2: one I-block out, one I-block back, exact bytes', async () => {
    const link = scripted([refI(0, false, [0x90, 0x00], 'lrc'), refI(1, false, [0x61, 0x02], 'lrc')]);
    const session = new T1Session(link);
    const r = await session.transmit(fromHex('00 44 00 00'));
    expect(toHex(link.calls[0]!.data)).toBe('00 00 04 00 44 00 00 40');
    expect(r.sw).toBe(0x9000);
    await session.transmit(fromHex('00 44 00 00'));
    expect(toHex(link.calls[1]!.data)).toBe('00 40 04 00 44 00 00 00'); // N(S) alternates
    expect(session.state).toMatchObject({ ns: 0, nr: 0 });
  });

  it('rule 5: a 4096-byte extended command and response, chained both ways with IFSC = IFSD = 32', async () => {
    const payload = bytes(4096, 7);
    const { session, fake, link } = setup({ ifsc: 32 });
    const apdu = encodeCommandApdu({ cla: 0x00, ins: 0x2a, p1: 0, p2: 0, data: payload, ne: 65536 });
    const r = await session.transmit(apdu.raw);
    expect(r.data).toEqual(payload.slice().reverse());
    expect(r.sw).toBe(0x9000);
    expect(fake.commands).toHaveLength(1);
    expect(fake.commands[0]).toEqual(apdu.raw);
    // 4105 command bytes in 129 I-blocks of ≤ 32; 4098 response bytes in 129 I-blocks of ≤ 32.
    expect(link.calls).toHaveLength(Math.ceil(4105 / 32) + Math.ceil(4098 / 32) - 1);
    expect(link.calls.every((c) => c.data.length <= 3 + 32 + 1)).toBe(true);
  });

  it('rule 4: IFSD negotiated with S(IFS request) before the first I-block; responses then come in bigger blocks', async () => {
    const { session, blocks, link } = setup({ ifsc: 254 }, [], { negotiateIfsd: true, ifsd: 254 });
    const payload = bytes(1000);
    const r = await session.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: payload, ne: 65536 }).raw);
    expect(r.data).toEqual(payload.slice().reverse());
    expect(blocks()[0]).toBe('SIFSreq');
    expect(toHex(link.calls[0]!.data)).toBe('00 C1 01 FE 3E');
    expect(session.state.ifsd).toBe(254);
    // 1007 bytes out in 4 blocks of 254; 1002 back in 4 blocks.
    expect(link.calls).toHaveLength(1 + 4 + 4 - 1);
  });

  it('IFSD is capped to what one CCID message can carry', () => {
    const session = new T1Session(scripted([]), { maxMessageLength: 64, ifsd: 254 });
    expect(() => new T1Session(scripted([]), { maxMessageLength: 13 })).toThrow(CcidError);
    expect(session.state.ifsd).toBe(32);
    return session.negotiateIfsd().catch(() => undefined);
  });

  it('I-blocks also respect dwMaxCCIDMessageLength', async () => {
    const { session, link } = setup({ ifsc: 254 }, [], { maxMessageLength: 64 });
    await session.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: bytes(300) }).raw);
    expect(Math.max(...link.calls.map((c) => c.data.length))).toBe(54); // 64 − 10 header
  });

  it('rule 4: the card changes IFSC in the middle of our chain', async () => {
    const { session, link, blocks } = setup({ ifsc: 64, requestIfsc: 16 });
    const payload = bytes(200);
    const r = await session.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: payload }).raw);
    expect(r.data).toEqual(payload.slice().reverse());
    // The card answers our first I-block with S(IFS request); after our S(IFS response) it acknowledges with R(1).
    expect(blocks().slice(0, 3)).toEqual(['I0M', 'SIFSresp', 'I1M']);
    expect(session.state.ifsc).toBe(16);
    const infSizes = link.calls.slice(2).filter((c) => refParse(c.data, 'lrc').type === 'I').map((c) => c.data.length - 4);
    expect(Math.max(...infSizes)).toBe(16);
  });

  it('rule 3: WTX is answered with the same INF and passed as bBWI (and a longer deadline) to the next exchange', async () => {
    const multipliers: number[] = [];
    const { session, link, blocks } = setup({ wtx: { count: 2, multiplier: 5 } }, [], {
      timeoutMs: 1000,
      onWaitingTimeExtension: (m) => multipliers.push(m),
    });
    const r = await session.transmit(SELECT);
    expect(r.sw).toBe(0x9000);
    expect(blocks()).toEqual(['I0', 'SWTXresp', 'SWTXresp']);
    expect(toHex(link.calls[1]!.data)).toBe('00 E3 01 05 E7');
    expect(link.calls.map((c) => [c.options.bBWI, c.options.timeoutMs])).toEqual([
      [0, 1000],
      [5, 5000],
      [5, 5000],
    ]);
    expect(multipliers).toEqual([5, 5]);
  });

  it('WTX requests are bounded', async () => {
    const { session } = setup({ wtx: { count: 50, multiplier: 1 } }, [], { maxWtx: 10 });
    await expect(session.transmit(SELECT)).rejects.toMatchObject({ code: 'CCID_ERR_CARD_PROTOCOL', message: expect.stringMatching(/WTX/) });
  });

  it('works with CRC and with a NAD', async () => {
    const { session, link } = setup({ edc: 'crc' }, [], { nad: 0 });
    const r = await session.transmit(SELECT);
    expect(r.sw).toBe(0x9000);
    expect(link.calls[0]!.data.length).toBe(3 + SELECT.length + 2);
  });

  it('traces every block when asked', async () => {
    const lines: string[] = [];
    const { session } = setup({}, [], { onTrace: (e) => lines.push(`${e.direction} ${e.text}`) });
    await session.transmit(SELECT);
    expect(lines).toEqual(['to-card I(N(S)=0) 15 byte(s)', 'from-card I(N(S)=0) 4 byte(s)']);
  });
});

describe('T=1 error handling (ISO/IEC 7816-3 §11.6.3)', () => {
  const payload = bytes(100);
  const chained = encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: payload, ne: 256 }).raw;
  const expectReversed = (r: { data: Uint8Array; sw: number }) => {
    expect(r.data).toEqual(payload.slice().reverse());
    expect(r.sw).toBe(0x9000);
  };

  it('rule 7.1: a block from the card with a bad EDC → R-block with the EDC error bit, then the card resends', async () => {
    // The card's R(0) acknowledging I1M arrives corrupted; after our R(0, EDC error) it sends R(0) again.
    const { session, blocks, link } = setup({}, [undefined, 'corrupt-from-card']);
    expectReversed(await session.transmit(chained));
    expect(blocks().slice(0, 4)).toEqual(['I0M', 'I1M', 'R0e1', 'I0M']);
    expect(toHex(link.calls[2]!.data)).toBe('00 81 00 81');
    // Sent: 4 I-blocks (106 bytes), 1 R-block for the error, 3 R-blocks acknowledging the 4-block response.
    expect(link.calls).toHaveLength(4 + 1 + 3);
  });

  it('rule 7.1: the card\'s I-block with a bad EDC → R(N(R) of that block, EDC error), the card sends it again', async () => {
    const { session, blocks, fake } = setup({}, [undefined, undefined, undefined, 'corrupt-from-card']);
    expectReversed(await session.transmit(chained));
    expect(blocks().slice(3, 6)).toEqual(['I1', 'R0e1', 'R1']);
    expect(fake.commands).toHaveLength(1);
  });

  it('rule 7.1: a truncated block (LEN mismatch) → R-block with "other error"', async () => {
    const { session, blocks } = setup({}, [undefined, 'truncate-from-card']);
    expectReversed(await session.transmit(chained));
    expect(blocks()[2]).toBe('R0e2');
  });

  it('a parity error reported by the reader counts as an EDC error', async () => {
    const { session, blocks } = setup({}, ['parity-from-card']);
    expectReversed(await session.transmit(chained));
    expect(blocks().slice(0, 2)).toEqual(['I0M', 'R0e1']);
  });

  it('rule 7.2: our block reached the card corrupted → the card sends R(N(S) of our block), we retransmit it', async () => {
    const { session, link } = setup({}, [undefined, 'corrupt-to-card']);
    expectReversed(await session.transmit(chained));
    expect(toHex(link.calls[2]!.data)).toBe(toHex(link.calls[1]!.data));
  });

  it('rule 7.6: no answer (ICC mute) → R-block, and the card resends (block lost on the way back)', async () => {
    const { session, blocks, fake } = setup({}, [undefined, undefined, undefined, undefined, 'lose-from-card']);
    expectReversed(await session.transmit(chained));
    expect(blocks()[5]).toBe('R1e2');
    expect(fake.commands).toHaveLength(1);
  });

  it('rule 7.6: our block lost on the way to the card → R-block, the card names the block it expects, we resend', async () => {
    const { session, blocks, link } = setup({}, [undefined, 'lose-to-card']);
    expectReversed(await session.transmit(chained));
    expect(blocks().slice(0, 4)).toEqual(['I0M', 'I1M', 'R0e2', 'I1M']);
    expect(toHex(link.calls[3]!.data)).toBe(toHex(link.calls[1]!.data));
  });

  it('rule 7.1 in the receiving chain: our R-block corrupted → the card asks again, we resend it', async () => {
    const long = encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: bytes(20), ne: 256 }).raw;
    const { session, fake } = setup({ applet: () => Uint8Array.from([...bytes(80), 0x90, 0x00]) }, [undefined, 'corrupt-to-card']);
    const r = await session.transmit(long);
    expect(r.data).toEqual(bytes(80));
    expect(fake.commands).toHaveLength(1);
  });

  it('rule 7.3: an S(IFS request) without a valid answer is sent again', async () => {
    const { session, blocks } = setup({}, ['corrupt-from-card'], { negotiateIfsd: true });
    await session.transmit(SELECT);
    expect(blocks().slice(0, 3)).toEqual(['SIFSreq', 'SIFSreq', 'I0']);
    expect(session.state.ifsd).toBe(254);
  });

  it('rule 7.4: IFS refused three times → RESYNCH; IFSD stays 32 and is not asked again', async () => {
    const { session, blocks } = setup({ refuseIfs: true }, [], { negotiateIfsd: true });
    expect(await session.negotiateIfsd()).toBe(false);
    await session.transmit(SELECT);
    expect(blocks()).toEqual(['SIFSreq', 'SIFSreq', 'SIFSreq', 'SRESYNCHreq', 'I0']);
    expect(session.state.ifsd).toBe(32);
  });

  it('rule 7.4 and 6: three failed attempts at one step → S(RESYNCH request), then the APDU from the start', async () => {
    const faults: Fault[] = ['lose-from-card', 'lose-from-card', 'lose-from-card'];
    const { session, blocks, fake } = setup({}, faults);
    expectReversed(await session.transmit(chained));
    expect(blocks().slice(0, 5)).toEqual(['I0M', 'R0e2', 'R0e2', 'SRESYNCHreq', 'I0M']);
    expect(session.state.resynchPending).toBe(false);
    expect(fake.commands).toHaveLength(1);
  });

  it('gives up with CardProtocolError when the card stays mute, after a bounded number of exchanges', async () => {
    const { session, link } = setup({}, () => 'lose-to-card');
    const error = await session.transmit(chained).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CardProtocolError);
    expect(error).toMatchObject({ code: 'CCID_ERR_CARD_PROTOCOL', message: expect.stringMatching(/RESYNCH/) });
    expect(link.calls.length).toBe(3 + 3); // three attempts at the first block, three S(RESYNCH request)s
    expect(session.state.resynchPending).toBe(true);
  });

  it('gives up after three resynchronisations that do not help', async () => {
    // Every I-block answer from the card is corrupted; S-blocks get through.
    const fake = new FakeT1Card({ applet: reverser });
    const link = new FakeExchange((data) => {
      const answer = fake.handle(data).slice();
      if (refParse(answer, 'lrc').type === 'I') answer[answer.length - 1]! ^= 1;
      return answer;
    });
    const session = new T1Session(link);
    await expect(session.transmit(SELECT)).rejects.toMatchObject({
      code: 'CCID_ERR_CARD_PROTOCOL',
      message: expect.stringMatching(/after 3 resynchronisations/),
    });
    expect(link.calls.length).toBe(4 * 3 + 3);
  });

  it('rule 9: S(ABORT request) from the card → S(ABORT response), CardProtocolError, and RESYNCH before the next APDU', async () => {
    const { session, blocks } = setup({ abortOnce: true });
    await expect(session.transmit(chained)).rejects.toMatchObject({ code: 'CCID_ERR_CARD_PROTOCOL', message: expect.stringMatching(/ABORT/) });
    expect(blocks()).toEqual(['I0M', 'SABORTresp']);
    expectReversed(await session.transmit(chained));
    expect(blocks()[2]).toBe('SRESYNCHreq');
  });

  it('an S(RESYNCH request) from the card is invalid (rule 6)', async () => {
    const link = scripted([refS(S_RESYNCH, false, [], 'lrc'), refI(0, false, [0x90, 0x00], 'lrc')]);
    const session = new T1Session(link);
    expect((await session.transmit(fromHex('00 44 00 00'))).sw).toBe(0x9000);
    expect(toHex(link.calls[1]!.data)).toBe('00 82 00 82');
  });

  it('rule 2: an R-block acknowledging an unchained I-block is an error, recovered by R(other)', async () => {
    const link = scripted([refR(1, 0, 'lrc'), refI(0, false, [0x90, 0x00], 'lrc')]);
    const session = new T1Session(link);
    expect((await session.transmit(fromHex('00 44 00 00'))).sw).toBe(0x9000);
    expect(toHex(link.calls[1]!.data)).toBe('00 82 00 82');
  });

  it('an I-block with the wrong N(S) is answered by R(N(R) expected, other error)', async () => {
    const link = scripted([refI(1, false, [0x90, 0x00], 'lrc'), refI(0, false, [0x90, 0x00], 'lrc')]);
    const session = new T1Session(link);
    await session.transmit(fromHex('00 44 00 00'));
    expect(toHex(link.calls[1]!.data)).toBe('00 82 00 82');
  });

  it('errors other than mute/timeout/parity propagate, and the next APDU starts with RESYNCH', async () => {
    const fake = new FakeT1Card({ applet: reverser });
    let gone = true;
    const link = new FakeExchange((data, _o, index) => {
      if (gone && index === 1) return new ReaderGoneError('CCID_ERR_READER_GONE', 'unplugged');
      return fake.handle(data);
    });
    const session = new T1Session(link);
    await expect(session.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: bytes(60) }).raw)).rejects.toBeInstanceOf(ReaderGoneError);
    gone = false;
    expect((await session.transmit(SELECT)).sw).toBe(0x9000);
    expect(describeRef(link.calls[2]!.data, 'lrc')).toBe('SRESYNCHreq');
  });

  it('cancelling in the middle of a chain → CancelledError, no further block, RESYNCH next time', async () => {
    const controller = new AbortController();
    const fake = new FakeT1Card({ applet: reverser });
    const link = new FakeExchange((data, _o, index) => {
      if (index === 1) controller.abort();
      return fake.handle(data);
    });
    const session = new T1Session(link);
    const long = encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: bytes(200) }).raw;
    await expect(session.transmit(long, { signal: controller.signal })).rejects.toMatchObject({ code: 'CCID_ERR_CANCELLED' });
    expect(link.calls).toHaveLength(2);
    expect(session.state.resynchPending).toBe(true);
    expect((await session.transmit(long)).data).toEqual(bytes(200).reverse());
  });
});

describe('property: corrupted, truncated and lost blocks', () => {
  const faults = fc.constantFrom<Fault | undefined>(
    undefined,
    undefined,
    undefined,
    'corrupt-to-card',
    'corrupt-from-card',
    'lose-to-card',
    'lose-from-card',
    'parity-from-card',
    'truncate-from-card',
  );

  it('always end in the correct response or a CardProtocolError, within a bounded number of exchanges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(faults, { maxLength: 120 }),
        fc.integer({ min: 0, max: 700 }),
        fc.constantFrom(8, 32, 254),
        fc.constantFrom<'lrc' | 'crc'>('lrc', 'crc'),
        fc.boolean(),
        async (script, size, ifs, edc, wtx) => {
          const payload = bytes(size, size);
          let clean = false;
          const { session, link } = setup(
            { ifsc: ifs, edc, wtx: wtx ? { count: 1, multiplier: 2 } : undefined },
            (index) => (clean ? undefined : script[index]),
            { negotiateIfsd: true, ifsd: ifs },
          );
          const apdu = encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: payload, ne: 65536 }).raw;
          // Blocks needed without errors, times the attempts per block, times the APDU restarts.
          const blocksNeeded = Math.ceil(apdu.length / ifs) + Math.ceil((size + 2) / ifs) + 4;
          const bound = (blocksNeeded * 3 + 3 + 3) * 4;
          try {
            const r = await session.transmit(apdu);
            expect(r.data).toEqual(payload.slice().reverse());
            expect(r.sw).toBe(0x9000);
          } catch (error) {
            expect(error).toBeInstanceOf(CardProtocolError);
          }
          expect(link.calls.length).toBeLessThanOrEqual(bound);
          // Whatever happened, the session still works once the link is clean.
          clean = true;
          const after = await session.transmit(SELECT);
          expect(after.sw).toBe(0x9000);
        },
      ),
      // T1_PROPERTY_RUNS=3000 for a longer hunt.
      { numRuns: Number(process.env.T1_PROPERTY_RUNS ?? 150) },
    );
  });
});

describe('property: any single fault is recovered without error', () => {
  it('one corrupted, truncated or lost block anywhere → the correct response', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 80 }),
        fc.constantFrom<Fault>('corrupt-to-card', 'corrupt-from-card', 'lose-to-card', 'lose-from-card', 'parity-from-card', 'truncate-from-card'),
        fc.integer({ min: 0, max: 500 }),
        fc.constantFrom(8, 32),
        fc.boolean(),
        async (at, fault, size, ifs, wtx) => {
          const payload = bytes(size, 3);
          const { session, fake } = setup(
            { ifsc: ifs, wtx: wtx ? { count: 2, multiplier: 3 } : undefined },
            (index) => (index === at ? fault : undefined),
            { negotiateIfsd: true, ifsd: ifs },
          );
          const r = await session.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: payload, ne: 65536 }).raw);
          expect(r.data).toEqual(payload.slice().reverse());
          expect(fake.commands).toHaveLength(1); // recovered by retransmission, no restart
        },
      ),
      { numRuns: Number(process.env.T1_PROPERTY_RUNS ?? 150) },
    );
  });
});

describe('composition through createApduTransport (TPDU, T=1)', () => {
  it('exposes the session and passes T=1 parameters', async () => {
    const fake = new FakeT1Card({ applet: reverser, ifsc: 20 });
    const transport = createApduTransport(t1Link(fake), {
      level: 'tpdu',
      protocol: 1,
      maxMessageLength: 271,
      t1: { ifsc: 20, negotiateIfsd: true },
    });
    const r = await transport.transmit(SELECT);
    expect(toHex(r.raw)).toBe('4F 4B 90 00');
    expect(transport.t1Session?.state).toMatchObject({ ifsc: 20, ifsd: 254 });
  });

  it('a card answering 61 xx over T=1 gets its GET RESPONSE', async () => {
    let pending = true;
    const fake = new FakeT1Card({
      applet: (c) => (c[1] === 0xc0 ? Uint8Array.from([1, 2, 3, 0x90, 0x00]) : pending ? ((pending = false), fromHex('61 03')) : fromHex('6F 00')),
    });
    const transport = createApduTransport(t1Link(fake), { level: 'tpdu', protocol: 1, maxMessageLength: 271 });
    const r = await transport.transmit(fromHex('80 CA 00 00'));
    expect(toHex(r.raw)).toBe('01 02 03 90 00');
    expect(fake.commands.map((c) => toHex(c))).toEqual(['80 CA 00 00', '80 C0 00 00 03']);
  });

  it('unused S_IFS/S_WTX constants keep their codes', () => {
    expect([S_IFS, S_WTX]).toEqual([1, 3]);
  });
});
