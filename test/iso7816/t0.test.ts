import { describe, expect, it } from 'vitest';
import { encodeCommandApdu } from '../../src/iso7816/apdu.ts';
import { getResponse } from '../../src/iso7816/processors/get-response.ts';
import { wrongLength } from '../../src/iso7816/processors/wrong-length.ts';
import { t0Tpdu, type T0Options } from '../../src/iso7816/t0.ts';
import { createApduTransport } from '../../src/iso7816/transmit.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { scripted } from './fakes/exchange.ts';
import { FakeT0Card, t0Link, type T0CardOptions } from './fakes/t0-card.ts';

const bytes = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function setup(card: T0CardOptions = {}, options: T0Options & { classGetResponse?: number } = {}) {
  const fake = new FakeT0Card(card);
  const link = t0Link(fake);
  const transport = getResponse(wrongLength(t0Tpdu(link, options)), { classGetResponse: options.classGetResponse });
  const tpdus = () => fake.tpdus.map((t) => toHex(t.length > 12 ? t.subarray(0, 5) : t));
  return { fake, link, transport, tpdus };
}

describe('T=0 command cases (ISO/IEC 7816-3 §12.2)', () => {
  it('case 1: P3 = 00', async () => {
    const { transport, tpdus } = setup();
    const r = await transport.transmit(fromHex('00 44 00 00'));
    expect(r.sw).toBe(0x9000);
    expect(tpdus()).toEqual(['00 44 00 00 00']);
  });

  it('case 2S: P3 = Le, and Le = 256 travels as 00', async () => {
    const file = bytes(256);
    const { transport, tpdus } = setup({ file });
    const r = await transport.transmit(fromHex('00 B0 00 00 00'));
    expect(r.data).toEqual(file);
    expect(tpdus()).toEqual(['00 B0 00 00 00']);
    const r16 = await transport.transmit(fromHex('00 B0 00 00 10'));
    expect(r16.data).toEqual(file.subarray(0, 16));
    expect(r16.sw).toBe(0x9000);
  });

  it('case 2S with a wrong Le: 6C xx, then the same command with P3 = xx', async () => {
    const file = bytes(8);
    const { transport, tpdus } = setup({ file });
    const r = await transport.transmit(fromHex('00 B0 00 00 20'));
    expect(tpdus()).toEqual(['00 B0 00 00 20', '00 B0 00 00 08']);
    expect(r.data).toEqual(file);
    expect(r.sw).toBe(0x9000);
  });

  it('case 3S: P3 = Lc', async () => {
    const { transport, tpdus, fake } = setup();
    const r = await transport.transmit(fromHex('00 DA 01 02 03 AA BB CC'));
    expect(r.sw).toBe(0x9000);
    expect(tpdus()).toEqual(['00 DA 01 02 03 AA BB CC']);
    expect(fake.stored.map((s) => toHex(s))).toEqual(['AA BB CC']);
  });

  it('case 4S: sent as case 3, then 61 xx → GET RESPONSE with Le = min(xx, Ne)', async () => {
    const fci = bytes(40);
    const { transport, tpdus } = setup({ fci });
    const r = await transport.transmit(fromHex('00 A4 04 00 02 3F 00 00'));
    expect(tpdus()).toEqual(['00 A4 04 00 02 3F 00', '00 C0 00 00 28']);
    expect(r.data).toEqual(fci);
    expect(r.sw).toBe(0x9000);
  });

  it('case 4S with Ne smaller than what the card has: stops at Ne and reports the 61 xx still pending', async () => {
    const fci = bytes(40);
    const { transport, tpdus } = setup({ fci });
    const r = await transport.transmit(fromHex('00 A4 04 00 02 3F 00 10'));
    expect(tpdus()).toEqual(['00 A4 04 00 02 3F 00', '00 C0 00 00 10']);
    expect(r.data).toEqual(fci.subarray(0, 16));
    expect(r.sw).toBe(0x6118);
  });

  it('case 3S answered with 61 xx (no Le): takes what the card offers', async () => {
    const fci = bytes(5);
    const { transport, tpdus } = setup({ fci });
    const r = await transport.transmit(fromHex('00 A4 04 00 02 3F 00'));
    expect(tpdus()).toEqual(['00 A4 04 00 02 3F 00', '00 C0 00 00 05']);
    expect(r.data).toEqual(fci);
  });

  it('case 4E with Nc ≤ 255: a case 3 TPDU, then the response by GET RESPONSE (§12.2.8)', async () => {
    const payload = bytes(200, 3);
    const { transport, tpdus } = setup();
    // Case 4E with Nc = 200 ≤ 255 goes as a case 3 TPDU (§12.2.8); Ne = 65536.
    const apdu = encodeCommandApdu({ cla: 0x00, ins: 0x2a, p1: 0x9e, p2: 0x9a, data: payload, ne: 65536 });
    const r = await transport.transmit(apdu.raw);
    expect(r.data).toEqual(payload.slice().reverse());
    expect(tpdus()).toEqual(['00 2A 9E 9A C8', '00 C0 00 00 C8']);
  });

  it('case 2E with Ne > 256: P3 = 00, then GET RESPONSE until Ne (§12.2.6 case 2E.2)', async () => {
    const file = bytes(700);
    const { transport, tpdus } = setup({ file });
    const r = await transport.transmit(fromHex('00 B0 00 00 00 02 BC')); // Ne = 700
    expect(r.data).toEqual(file);
    expect(r.sw).toBe(0x9000);
    expect(tpdus()).toEqual(['00 B0 00 00 00', '00 C0 00 00 00', '00 C0 00 00 BC']);
  });

  it('case 2E with Ne ≤ 256 is sent as case 2S (§12.2.6 case 2E.1)', async () => {
    const file = bytes(16);
    const { transport, tpdus } = setup({ file });
    const r = await transport.transmit(fromHex('00 B0 00 00 00 00 10'));
    expect(r.data).toEqual(file);
    expect(tpdus()).toEqual(['00 B0 00 00 10']);
  });

  it('GET RESPONSE takes CLA from bClassGetResponse, or echoes the command when it is FF', async () => {
    const fci = bytes(4);
    const echo = setup({ fci });
    await echo.transport.transmit(fromHex('84 A4 04 00 01 01 00'));
    expect(echo.tpdus()[1]).toBe('84 C0 00 00 04');
    const fixed = setup({ fci }, { classGetResponse: 0x00 });
    await fixed.transport.transmit(fromHex('84 A4 04 00 01 01 00'));
    expect(fixed.tpdus()[1]).toBe('00 C0 00 00 04');
  });

  it('6C xx to a GET RESPONSE re-issues the GET RESPONSE', async () => {
    // A card that says 61 10 but then has only 8 bytes.
    const link = scripted([fromHex('61 10'), fromHex('6C 08'), fromHex('01 02 03 04 05 06 07 08 90 00')]);
    const transport = getResponse(wrongLength(t0Tpdu(link)));
    const r = await transport.transmit(fromHex('00 A4 04 00 01 01 00'));
    expect(link.calls.map((c) => toHex(c.data))).toEqual(['00 A4 04 00 01 01', '00 C0 00 00 10', '00 C0 00 00 08']);
    expect(toHex(r.raw)).toBe('01 02 03 04 05 06 07 08 90 00');
  });

  it('a second 6C xx is returned as is (no loop)', async () => {
    const link = scripted([fromHex('6C 08'), fromHex('6C 04')]);
    const r = await wrongLength(t0Tpdu(link)).transmit(fromHex('00 B0 00 00 10'));
    expect(r.sw).toBe(0x6c04);
    expect(link.calls).toHaveLength(2);
  });

  it('a card that answers 61 01 forever is bounded', async () => {
    let n = 0;
    const link = scripted(Array.from({ length: 400 }, () => fromHex(`${(n++ & 0xff).toString(16).padStart(2, '0')} 61 01`)));
    const r = await getResponse(t0Tpdu(link)).transmit(fromHex('00 A4 04 00 01 01'));
    expect(r.sw).toBe(0x6101);
    expect(link.calls.length).toBeLessThanOrEqual(261);
  });

  it('passes the read timeout to every exchange', async () => {
    const { link, transport } = setup({ fci: bytes(2) }, { timeoutMs: 4321 });
    await transport.transmit(fromHex('00 A4 04 00 01 01 00'));
    expect(link.calls.map((c) => c.options.timeoutMs)).toEqual([4321, 4321]);
  });
});

describe('T=0 extended APDUs with Nc > 255 (ENVELOPE)', () => {
  it('case 3E goes in ENVELOPE pieces of 255 bytes with bClassEnvelope', async () => {
    const payload = bytes(600, 1);
    const { transport, tpdus, fake } = setup({}, { classEnvelope: 0x80 });
    const apdu = encodeCommandApdu({ cla: 0x00, ins: 0xda, p1: 0x01, p2: 0x02, data: payload });
    const r = await transport.transmit(apdu.raw);
    expect(r.sw).toBe(0x9000);
    expect(tpdus()).toEqual(['80 C2 00 00 FF', '80 C2 00 00 FF', '80 C2 00 00 61']); // 607 = 255 + 255 + 97
    expect(fake.stored).toEqual([payload]);
  });

  it('case 4E: ENVELOPE, then the response by GET RESPONSE (4096 bytes both ways)', async () => {
    const payload = bytes(4096, 5);
    const { transport, tpdus } = setup();
    const apdu = encodeCommandApdu({ cla: 0x00, ins: 0x2a, p1: 0, p2: 0, data: payload, ne: 65536 });
    const r = await transport.transmit(apdu.raw);
    expect(r.data).toEqual(payload.slice().reverse());
    expect(r.sw).toBe(0x9000);
    const envelopes = tpdus().filter((t) => t.startsWith('00 C2'));
    const getResponses = tpdus().filter((t) => t.startsWith('00 C0'));
    expect(envelopes).toHaveLength(Math.ceil(apdu.raw.length / 255));
    expect(getResponses).toHaveLength(16);
  });

  it('ENVELOPE echoes the command CLA when bClassEnvelope is FF', async () => {
    const { transport, tpdus } = setup();
    await transport.transmit(encodeCommandApdu({ cla: 0x0c, ins: 0xda, p1: 0, p2: 0, data: bytes(300) }).raw);
    expect(tpdus().every((t) => t.startsWith('0C C2'))).toBe(true);
  });

  it('a card without ENVELOPE gives NotSupportedError', async () => {
    const { transport } = setup({ envelope: false });
    await expect(transport.transmit(encodeCommandApdu({ cla: 0, ins: 0xda, p1: 0, p2: 0, data: bytes(300) }).raw)).rejects.toMatchObject({
      code: 'CCID_ERR_NOT_SUPPORTED',
      message: expect.stringMatching(/refused ENVELOPE \(SW 6D 00\)/),
    });
  });

  it('ENVELOPE switched off gives NotSupportedError without any exchange', async () => {
    const { transport, link } = setup({}, { envelope: false });
    await expect(transport.transmit(encodeCommandApdu({ cla: 0, ins: 0xda, p1: 0, p2: 0, data: bytes(256) }).raw)).rejects.toMatchObject({
      code: 'CCID_ERR_NOT_SUPPORTED',
    });
    expect(link.calls).toHaveLength(0);
  });

  it('an error status in the middle of the ENVELOPE series stops it', async () => {
    const link = scripted([fromHex('90 00'), fromHex('6A 80')]);
    const r = await t0Tpdu(link).transmit(encodeCommandApdu({ cla: 0, ins: 0xda, p1: 0, p2: 0, data: bytes(1000) }).raw);
    expect(r.sw).toBe(0x6a80);
    expect(link.calls).toHaveLength(2);
  });
});

describe('T=0 errors', () => {
  it.each(['00 60 00 00', '00 9A 00 00 00', 'FF A4 00 00'])('refuses %s (procedure byte / PPSS)', async (hex) => {
    const { transport, link } = setup();
    await expect(transport.transmit(fromHex(hex))).rejects.toMatchObject({ code: 'CCID_ERR_INVALID_ARGUMENT' });
    expect(link.calls).toHaveLength(0);
  });

  it('a malformed APDU is an ArgumentError before any exchange', async () => {
    const { transport, link } = setup();
    await expect(transport.transmit(fromHex('00 A4 04 00 05 01'))).rejects.toMatchObject({ code: 'CCID_ERR_INVALID_ARGUMENT' });
    expect(link.calls).toHaveLength(0);
  });

  it('an answer without SW1 SW2 is a CardProtocolError', async () => {
    const link = scripted([fromHex('90')]);
    await expect(t0Tpdu(link).transmit(fromHex('00 44 00 00'))).rejects.toMatchObject({ code: 'CCID_ERR_CARD_PROTOCOL' });
  });

  it('a cancelled signal stops between GET RESPONSEs', async () => {
    const controller = new AbortController();
    const link = scripted([fromHex('61 10')]);
    const transport = getResponse(t0Tpdu({
      xfrBlock: async (data, options) => {
        const r = await link.xfrBlock(data, options);
        controller.abort();
        return r;
      },
    }));
    await expect(transport.transmit(fromHex('00 A4 04 00 01 01 00'), { signal: controller.signal })).rejects.toMatchObject({
      code: 'CCID_ERR_CANCELLED',
    });
    expect(link.calls).toHaveLength(1);
  });
});

describe('composition through createApduTransport (TPDU, T=0)', () => {
  it('runs the hello-world pair', async () => {
    const card = new FakeT0Card({ fci: new TextEncoder().encode('Hello world!') });
    const transport = createApduTransport(t0Link(card), { level: 'tpdu', protocol: 0, maxMessageLength: 271 });
    const r = await transport.transmit(fromHex('00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01 00'));
    expect(new TextDecoder().decode(r.data)).toBe('Hello world!');
    expect(r.sw).toBe(0x9000);
  });

  it('with autoGetResponse off the 61 xx reaches the caller', async () => {
    const card = new FakeT0Card({ fci: bytes(3) });
    const transport = createApduTransport(t0Link(card), { level: 'tpdu', protocol: 0, maxMessageLength: 271, autoGetResponse: false });
    expect((await transport.transmit(fromHex('00 A4 04 00 01 01 00'))).sw).toBe(0x6103);
  });

  it('serialises concurrent APDUs: a GET RESPONSE is never interleaved with another command', async () => {
    const card = new FakeT0Card({ fci: bytes(3), file: bytes(4) });
    const transport = createApduTransport(t0Link(card), { level: 'tpdu', protocol: 0, maxMessageLength: 271 });
    const [a, b] = await Promise.all([
      transport.transmit(fromHex('00 A4 04 00 01 01 00')),
      transport.transmit(fromHex('00 B0 00 00 04')),
    ]);
    expect(a.data).toEqual(bytes(3));
    expect(b.data).toEqual(bytes(4));
    expect(card.tpdus.map((t) => toHex(t))).toEqual(['00 A4 04 00 01 01', '00 C0 00 00 03', '00 B0 00 00 04']);
  });
});
