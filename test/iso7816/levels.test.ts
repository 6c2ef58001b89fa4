import { describe, expect, it } from 'vitest';
import { encodeCommandApdu } from '../../src/iso7816/apdu.ts';
import { apduLevel, characterLevel } from '../../src/iso7816/processors/apdu-level.ts';
import { createApduTransport } from '../../src/iso7816/transmit.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { apduReader } from './fakes/apdu-reader.ts';
import { scripted } from './fakes/exchange.ts';

const bytes = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 11 + seed) & 0xff);
/** Returns the command data reversed, then 90 00 (any case, short or extended). */
const reverse = (apdu: Uint8Array) => {
  const extended = apdu.length > 7 && apdu[4] === 0;
  const nc = apdu.length <= 5 ? 0 : extended ? (apdu[5]! << 8) | apdu[6]! : apdu[4]!;
  const start = extended ? 7 : 5;
  return Uint8Array.from([...apdu.slice(start, start + nc).reverse(), 0x90, 0x00]);
};

describe('short APDU level (CCID 1.1 §6.1.4)', () => {
  it('an APDU that fits goes in one XfrBlock with wLevelParameter 0000h', async () => {
    const reader = apduReader(reverse, 261);
    const transport = apduLevel(reader, { level: 'short', maxMessageLength: 271, timeoutMs: 5000 });
    const r = await transport.transmit(fromHex('00 2A 00 00 03 01 02 03 00'));
    expect(toHex(r.raw)).toBe('03 02 01 90 00');
    expect(reader.calls.map((c) => [c.options.wLevelParameter, c.options.timeoutMs])).toEqual([[0, 5000]]);
  });

  it('a command longer than dwMaxCCIDMessageLength − 10 is chained 0001h, 0003h…, 0002h', async () => {
    const reader = apduReader(reverse, 54);
    const transport = apduLevel(reader, { level: 'short', maxMessageLength: 64 });
    const data = bytes(200);
    const apdu = encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data, ne: 256 }).raw; // 206 bytes
    const r = await transport.transmit(apdu);
    expect(r.data).toEqual(data.slice().reverse());
    expect(reader.apdus).toEqual([apdu]);
    const levels = reader.calls.map((c) => c.options.wLevelParameter);
    // 206 bytes in pieces of 54: 4 pieces; the 202-byte response in pieces of 54: 4 pieces.
    expect(levels).toEqual([0x01, 0x03, 0x03, 0x02, 0x10, 0x10, 0x10]);
    expect(reader.calls.slice(0, 4).map((c) => c.data.length)).toEqual([54, 54, 54, 44]);
    expect(reader.calls.slice(4).every((c) => c.data.length === 0)).toBe(true);
  });

  it('refuses an extended APDU with NotSupportedError, without any exchange', async () => {
    const reader = apduReader(reverse, 261);
    const transport = apduLevel(reader, { level: 'short', maxMessageLength: 271 });
    await expect(transport.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: bytes(300) }).raw)).rejects.toMatchObject({
      code: 'CCID_ERR_NOT_SUPPORTED',
      message: expect.stringMatching(/short APDUs only/),
    });
    expect(reader.calls).toHaveLength(0);
  });
});

describe('extended APDU level', () => {
  it('a 4096-byte case 4E command and response with a 271-byte message limit', async () => {
    const reader = apduReader(reverse, 261);
    const transport = createApduTransport(reader, { level: 'extended-apdu', protocol: 1, maxMessageLength: 271 });
    const data = bytes(4096, 9);
    const apdu = encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data, ne: 65536 }).raw;
    const r = await transport.transmit(apdu);
    expect(r.data).toEqual(data.slice().reverse());
    expect(r.sw).toBe(0x9000);
    const levels = reader.calls.map((c) => c.options.wLevelParameter);
    expect(levels.filter((l) => l === 0x03)).toHaveLength(Math.ceil(apdu.length / 261) - 2);
    expect(levels.filter((l) => l === 0x10)).toHaveLength(Math.ceil(4098 / 261) - 1);
  });

  it('a whole extended APDU that fits goes in one message', async () => {
    const reader = apduReader(reverse, 65544);
    const transport = apduLevel(reader, { level: 'extended', maxMessageLength: 65554 });
    const data = bytes(5000);
    const r = await transport.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data, ne: 65536 }).raw);
    expect(r.data.length).toBe(5000);
    expect(reader.calls).toHaveLength(1);
  });

  it('a reader that breaks the chaining protocol gives ProtocolError', async () => {
    const early = scripted([{ data: fromHex('90 00'), bChainParameter: 0 }]);
    await expect(
      apduLevel(early, { level: 'extended', maxMessageLength: 20 }).transmit(encodeCommandApdu({ cla: 0, ins: 0xda, p1: 0, p2: 0, data: bytes(30) }).raw),
    ).rejects.toMatchObject({ code: 'CCID_ERR_PROTOCOL', message: expect.stringMatching(/expected 0010h/) });
    const wrong = scripted([{ data: fromHex('01'), bChainParameter: 0x01 }, { data: fromHex('90 00'), bChainParameter: 0x00 }]);
    await expect(apduLevel(wrong, { level: 'extended', maxMessageLength: 271 }).transmit(fromHex('00 B0 00 00 00'))).rejects.toMatchObject({
      code: 'CCID_ERR_PROTOCOL',
      message: expect.stringMatching(/0002h or 0003h/),
    });
    const odd = scripted([{ data: fromHex('90 00'), bChainParameter: 0x02 }]);
    await expect(apduLevel(odd, { level: 'extended', maxMessageLength: 271 }).transmit(fromHex('00 B0 00 00 00'))).rejects.toMatchObject({
      code: 'CCID_ERR_PROTOCOL',
    });
  });

  it('an endless response chain is bounded', async () => {
    const endless = scripted(Array.from({ length: 400 }, (_, i) => ({ data: new Uint8Array(250), bChainParameter: i === 0 ? 1 : 3 })));
    await expect(apduLevel(endless, { level: 'extended', maxMessageLength: 260 }).transmit(fromHex('00 B0 00 00 00'))).rejects.toMatchObject({
      code: 'CCID_ERR_PROTOCOL',
      message: expect.stringMatching(/longer than 65538/),
    });
    expect(endless.calls.length).toBeLessThan(300);
  });

  it('a message limit too small for any abData is an ArgumentError', () => {
    expect(() => apduLevel(scripted([]), { level: 'extended', maxMessageLength: 10 })).toThrow(expect.objectContaining({ code: 'CCID_ERR_INVALID_ARGUMENT' }));
  });

  it('cancellation stops between pieces', async () => {
    const controller = new AbortController();
    const reader = apduReader(reverse, 54);
    const transport = apduLevel(
      {
        xfrBlock: async (d, o) => {
          const result = await reader.xfrBlock(d, o);
          controller.abort();
          return result;
        },
      },
      { level: 'extended', maxMessageLength: 64 },
    );
    await expect(transport.transmit(encodeCommandApdu({ cla: 0, ins: 0x2a, p1: 0, p2: 0, data: bytes(300) }).raw, { signal: controller.signal })).rejects.toMatchObject({
      code: 'CCID_ERR_CANCELLED',
    });
    expect(reader.calls).toHaveLength(1);
  });
});

describe('character level', () => {
  it('is not supported, with a clear message', async () => {
    await expect(characterLevel().transmit(fromHex('00 A4 04 00'))).rejects.toMatchObject({ code: 'CCID_ERR_NOT_SUPPORTED', message: expect.stringMatching(/character level readers are not supported/) });
    const transport = createApduTransport(scripted([]), { level: 'character', protocol: 0, maxMessageLength: 271 });
    await expect(transport.transmit(fromHex('00 A4 04 00'))).rejects.toMatchObject({ code: 'CCID_ERR_NOT_SUPPORTED' });
  });
});

describe('createApduTransport', () => {
  it('at APDU level still follows a 61 xx the reader lets through', async () => {
    let first = true;
    const reader = apduReader((apdu) => (apdu[1] === 0xc0 ? fromHex('AA BB 90 00') : first ? ((first = false), fromHex('61 02')) : fromHex('6F 00')), 261);
    const transport = createApduTransport(reader, { level: 'short-apdu', protocol: 0, maxMessageLength: 271, classGetResponse: 0x00 });
    const r = await transport.transmit(fromHex('80 CA 9F 7F 00'));
    expect(toHex(r.raw)).toBe('AA BB 90 00');
    expect(reader.apdus.map((a) => toHex(a))).toEqual(['80 CA 9F 7F 00', '00 C0 00 00 02']);
  });

  it('rejects an unknown protocol', () => {
    expect(() => createApduTransport(scripted([]), { level: 'tpdu', protocol: 2 as 0, maxMessageLength: 271 })).toThrow(
      expect.objectContaining({ code: 'CCID_ERR_INVALID_ARGUMENT' }),
    );
  });
});
