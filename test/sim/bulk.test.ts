import { describe, expect, it } from 'vitest';
import { createEmulatedReader, type EmulatedReader } from '../../src/sim/index.ts';
import { EchoCard } from './echo-card.ts';
import { exchange, openReader, readMessage, send, toHex } from './helpers.ts';

async function ready(profile: string, card: EchoCard | undefined = new EchoCard(), options = {}): Promise<EmulatedReader> {
  const reader = createEmulatedReader(profile, { timeScale: 0, ...options });
  if (card !== undefined) reader.slots[0]!.insert(card);
  await openReader(reader);
  return reader;
}

describe('emulated reader: bulk commands (CCID 1.1 §6)', () => {
  it('IccPowerOn answers the ATR in a DataBlock with the command\'s bSlot and bSeq', async () => {
    const r = await ready('sysmoOCTSIM');
    expect(await exchange(r, '62 00 00 00 00 00 2A 00 00 00')).toBe('80 04 00 00 00 00 2A 00 00 00 3B 02 14 50');
    expect(r.slots[0]!.state).toBe('active');
    expect(await exchange(r, '65 00 00 00 00 00 2B 00 00 00')).toBe('81 00 00 00 00 00 2B 00 00 00');
    expect(await exchange(r, '63 00 00 00 00 00 2C 00 00 00')).toBe('81 00 00 00 00 00 2C 01 00 00');
    expect(r.slots[0]!.state).toBe('inactive');
  });

  it('reports an empty slot as ICC absent and a bad bSlot with bError 5', async () => {
    const r = await ready('sysmoOCTSIM', undefined);
    expect(await exchange(r, '65 00 00 00 00 03 01 00 00 00')).toBe('81 00 00 00 00 03 01 02 00 00');
    expect(await exchange(r, '62 00 00 00 00 03 02 00 00 00')).toBe('80 00 00 00 00 03 02 42 FE 00');
    expect(await exchange(r, '65 00 00 00 00 08 03 00 00 00')).toBe('81 00 00 00 00 08 03 42 05 00');
  });

  it('selects the voltage: automatic from 1.8 V up, explicit, or bError 7 when unsupported', async () => {
    const card = new EchoCard({ voltages: [3] });
    const r = await ready('sysmoOCTSIM', card);
    expect(await exchange(r, '62 00 00 00 00 00 01 00 00 00')).toBe('80 04 00 00 00 00 01 00 00 00 3B 02 14 50');
    expect(card.log.filter((l) => l.startsWith('reset'))).toEqual(['reset cold 1.8', 'reset cold 3']);
    expect(await exchange(r, '62 00 00 00 00 00 02 01 00 00')).toBe('80 00 00 00 00 00 02 41 FE 00'); // 5 V: no ATR → ICC_MUTE
    expect(await exchange(r, '62 00 00 00 00 00 03 04 00 00')).toBe('80 00 00 00 00 00 03 41 07 00'); // bPowerSelect 4
  });

  it('passes TPDUs to transmitT0 at TPDU level and routes a PPS request (FF...) to card.pps', async () => {
    const card = new EchoCard({ atr: Uint8Array.of(0x3b, 0x12, 0x96, 0x50) }); // TA1 = 96
    const r = await ready('sysmoOCTSIM', card);
    await exchange(r, '62 00 00 00 00 00 01 00 00 00');
    // sysmoOCTSIM has automatic PPS (0x80): no host PPS. Its SetParameters runs the PPS itself.
    expect(await exchange(r, '61 05 00 00 00 00 02 00 00 00 96 00 00 0A 00')).toBe('82 05 00 00 00 00 02 00 00 00 96 00 00 0A 00');
    expect(card.log).toContain('pps ff109679');
    expect(card.link).toEqual({ clockHz: 2_500_000, fi: 512, di: 32, protocol: 0 });
    expect(await exchange(r, '6F 07 00 00 00 00 03 00 00 00 00 A4 04 00 02 3F 00')).toBe('80 04 00 00 00 00 03 00 00 00 3F 00 90 00');
    expect(toHex(card.received.at(-1)!)).toBe('00 A4 04 00 02 3F 00');
    // A reader without automatic PPS: the host sends the PPS as an XfrBlock.
    const plain = createEmulatedReader(createPlainTpdu(), { timeScale: 0 });
    const c2 = new EchoCard({ atr: Uint8Array.of(0x3b, 0x12, 0x96, 0x50) });
    plain.slots[0]!.insert(c2);
    await openReader(plain);
    await exchange(plain, '62 00 00 00 00 00 01 00 00 00');
    expect(await exchange(plain, '6F 04 00 00 00 00 02 00 00 00 FF 10 96 79')).toBe('80 04 00 00 00 00 02 00 00 00 FF 10 96 79');
    expect(c2.log).toContain('pps ff109679');
  });

  it('hands T=1 blocks to transmitT1 when the parameters say T=1', async () => {
    // TD1 = 81 (T=1, TD2 follows), TD2 = 31 (TA3 = IFSC FE, TB3 = BWI 4 / CWI 5), then TCK.
    const card = new EchoCard({ atr: Uint8Array.of(0x3b, 0x80, 0x81, 0x31, 0xfe, 0x45, 0x80 ^ 0x81 ^ 0x31 ^ 0xfe ^ 0x45) });
    const r = await ready('tpdu-t1-1slot', card);
    await exchange(r, '62 00 00 00 00 00 01 00 00 00');
    expect(await exchange(r, '6C 00 00 00 00 00 02 00 00 00')).toBe('82 07 00 00 00 00 02 00 00 01 11 10 00 45 00 FE 00');
    const block = '00 00 02 AB CD 64';
    expect(await exchange(r, `6F 06 00 00 00 00 03 00 00 00 ${block}`)).toBe(`80 06 00 00 00 00 03 00 00 00 ${block}`);
    expect(toHex(card.received.at(-1)!)).toBe(block);
  });

  it('Get/Set/ResetParameters keep per-slot parameters and validate fields by offset', async () => {
    const r = await ready('tpdu-t1-1slot');
    await exchange(r, '62 00 00 00 00 00 01 00 00 00');
    expect(await exchange(r, '6C 00 00 00 00 00 02 00 00 00')).toBe('82 05 00 00 00 00 02 00 00 00 11 00 00 0A 00');
    expect(await exchange(r, '61 07 00 00 00 00 03 01 00 00 13 10 00 45 00 FE 00')).toBe('82 07 00 00 00 00 03 00 00 01 13 10 00 45 00 FE 00');
    expect(r.slots[0]!.link.protocol).toBe(1);
    expect(r.slots[0]!.link.di).toBe(4);
    expect(await exchange(r, '61 05 00 00 00 00 04 02 00 00 11 00 00 0A 00')).toBe('82 00 00 00 00 00 04 40 07 00'); // bProtocolNum 2
    expect(await exchange(r, '61 05 00 00 00 00 05 00 00 00 71 00 00 0A 00')).toBe('82 00 00 00 00 00 05 40 0A 00'); // Fi index 7 is RFU
    expect(await exchange(r, '61 07 00 00 00 00 06 01 00 00 11 10 00 45 00 FF 00')).toBe('82 00 00 00 00 00 06 40 0F 00'); // IFSC FF
    expect(await exchange(r, '6D 00 00 00 00 00 07 00 00 00')).toBe('82 07 00 00 00 00 07 00 00 01 11 10 00 4D 00 20 00');
  });

  it('chains long APDUs and answers at extended APDU level through wLevelParameter/bChainParameter', async () => {
    const card = new EchoCard();
    const r = await ready('extended-apdu-1slot', card);
    await exchange(r, '62 00 00 00 00 00 01 00 00 00');
    // dwMaxCCIDMessageLength 271 → 261 data bytes per message. A 300-byte extended APDU:
    const apdu = new Uint8Array(300);
    apdu.set([0x00, 0xd6, 0x00, 0x00, 0x00, 0x01, 0x27]);
    for (let i = 7; i < 300; i++) apdu[i] = i & 0xff;
    const first = apdu.subarray(0, 261);
    const second = apdu.subarray(261);
    const head = (len: number, seq: number, level: number): Uint8Array => Uint8Array.of(0x6f, len & 0xff, len >> 8, 0, 0, 0, seq, 0, level & 0xff, level >> 8);
    await send(r, concat(head(first.length, 2, 1), first));
    expect(toHex((await readMessage(r)).bytes)).toBe('80 00 00 00 00 00 02 00 00 10');
    await send(r, concat(head(second.length, 3, 2), second));
    // The echo answer is 302 bytes: 261 now (bChainParameter 1), 41 on request (wLevelParameter 0x10 → bChainParameter 2).
    const a1 = (await readMessage(r)).bytes;
    expect(toHex(a1.subarray(0, 10))).toBe('80 05 01 00 00 00 03 00 00 01');
    await send(r, head(0, 4, 0x10));
    const a2 = (await readMessage(r)).bytes;
    expect(toHex(a2.subarray(0, 10))).toBe('80 29 00 00 00 00 04 00 00 02');
    expect(toHex(concat(a1.subarray(10), a2.subarray(10)))).toBe(toHex(concat(apdu, Uint8Array.of(0x90, 0x00))));
    expect(toHex(card.received.at(-1)!)).toBe(toHex(apdu));
    expect(await exchange(r, '6F 00 00 00 00 00 05 00 10 00')).toBe('80 00 00 00 00 00 05 40 08 00'); // nothing left to fetch
  });

  it('rejects an extended APDU at short APDU level and anything at character level', async () => {
    const r = await ready('short-apdu-1slot');
    await exchange(r, '62 00 00 00 00 00 01 00 00 00');
    expect(await exchange(r, '6F 07 00 00 00 00 02 00 00 00 00 B0 00 00 00 01 00')).toBe('80 00 00 00 00 00 02 40 0A 00');
    expect(await exchange(r, '6F 05 00 00 00 00 03 00 00 00 00 B0 00 00 10')).toMatch(/^80 07 00 00 00 00 03 00 00 00 00 B0 00 00 10 90 00$/);
  });

  it('echoes Escape, handles IccClock, T0APDU, Mechanical, SetDataRateAndClockFrequency', async () => {
    const r = await ready('tpdu-t1-1slot');
    await exchange(r, '62 00 00 00 00 00 01 00 00 00');
    expect(await exchange(r, '6B 03 00 00 00 00 02 00 00 00 01 02 03')).toBe('83 03 00 00 00 00 02 00 00 00 01 02 03');
    expect(await exchange(r, '6E 00 00 00 00 00 03 01 00 00')).toBe('81 00 00 00 00 00 03 40 00 00'); // no clock stop feature
    expect(await exchange(r, '6E 00 00 00 00 00 04 00 00 00')).toBe('81 00 00 00 00 00 04 00 00 00');
    expect(await exchange(r, '6A 00 00 00 00 00 05 01 A0 00')).toBe('81 00 00 00 00 00 05 00 00 00');
    expect(await exchange(r, '71 00 00 00 00 00 06 02 00 00')).toBe('81 00 00 00 00 00 06 40 00 00'); // dwMechanical 0
    // 8000 kHz is in the list; 50000 bps is not: the nearest lower one (43011) is taken.
    expect(await exchange(r, '73 08 00 00 00 00 07 00 00 00 40 1F 00 00 50 C3 00 00')).toBe('84 08 00 00 00 00 07 00 00 00 40 1F 00 00 03 A8 00 00');
    expect(r.slots[0]!.link.clockHz).toBe(8_000_000);
    expect(await exchange(r, '73 04 00 00 00 00 08 00 00 00 40 1F 00 00')).toBe('84 00 00 00 00 00 08 40 01 00');
  });

  it('answers an unknown message type with SlotStatus, CMD_NOT_SUPPORTED (bError 0)', async () => {
    const r = await ready('sysmoOCTSIM');
    expect(await exchange(r, '99 00 00 00 00 02 11 00 00 00')).toBe('81 00 00 00 00 02 11 42 00 00');
    expect(r.stats.notSupported).toBe(1);
  });

  it('rejects Secure cleanly without bPINSupport, verifies a PIN typed on the emulated PIN pad otherwise', async () => {
    const r = await ready('short-apdu-1slot');
    await exchange(r, '62 00 00 00 00 00 01 00 00 00');
    expect(await exchange(r, '69 01 00 00 00 00 02 00 00 00 00')).toBe('80 00 00 00 00 00 02 40 00 00');
    const card = new EchoCard();
    const p = await ready('extended-apdu-1slot', card);
    await exchange(p, '62 00 00 00 00 00 01 00 00 00');
    // Verify: bTimeOut 0, bmFormatString 0x82 (bytes, ASCII, offset 0), bmPINBlockString 0x08, bmPINLengthFormat 0,
    // wPINMaxExtraDigit 04 08, bEntryValidationCondition 2, bNumberMessage 1, wLangId 0409, bMsgIndex 0, bTeoPrologue 000000,
    // abPINApdu 00 20 00 01 08 FF..FF
    const structure = '00 00 82 08 00 08 04 02 01 09 04 00 00 00 00 00 20 00 01 08 FF FF FF FF FF FF FF FF';
    const len = structure.split(' ').length;
    p.slots[0]!.enterPin('1234');
    const answer = await exchange(p, `69 ${len.toString(16).padStart(2, '0')} 00 00 00 00 03 00 00 00 ${structure}`);
    expect(toHex(card.received.at(-1)!)).toBe('00 20 00 01 08 31 32 33 34 FF FF FF FF');
    expect(answer.startsWith('80 0F 00 00 00 00 03 00 00 00')).toBe(true);
    p.slots[0]!.enterPin(null);
    expect(await exchange(p, `69 ${len.toString(16).padStart(2, '0')} 00 00 00 00 04 00 00 00 ${structure}`)).toBe('80 00 00 00 00 00 04 40 EF 00');
    expect(await exchange(p, `69 ${len.toString(16).padStart(2, '0')} 00 00 00 00 05 00 00 00 ${structure}`)).toBe('80 00 00 00 00 00 05 40 F0 00');
  });

  it('takes several messages in one transfer and a message cut at a packet boundary over two transfers', async () => {
    const r = await ready('sysmoOCTSIM');
    await send(r, '65 00 00 00 00 00 01 00 00 00 65 00 00 00 00 01 02 00 00 00');
    expect(toHex((await readMessage(r)).bytes)).toBe('81 00 00 00 00 00 01 01 00 00');
    expect(toHex((await readMessage(r)).bytes)).toBe('81 00 00 00 00 01 02 02 00 00');
    await exchange(r, '62 00 00 00 00 00 03 00 00 00');
    // 64 + 6 bytes: the first transfer ends on wMaxPacketSize (64), so the message continues.
    const msg = new Uint8Array(70);
    msg.set([0x6f, 60, 0, 0, 0, 0, 4, 0, 0, 0, 0x00, 0xd6, 0x00, 0x00, 55]);
    await send(r, msg.subarray(0, 64));
    await send(r, msg.subarray(64));
    const a = (await readMessage(r)).bytes;
    expect(toHex(a.subarray(0, 10))).toBe('80 39 00 00 00 00 04 00 00 00');
    // A short transfer that ends mid-message is malformed: bError 1 (dwLength).
    await send(r, '6F 10 00 00 00 00 05 00 00 00 01 02');
    expect(toHex((await readMessage(r)).bytes)).toBe('80 00 00 00 00 00 05 40 01 00');
    // dwLength beyond dwMaxCCIDMessageLength: bError 1 too.
    await send(r, '6F 00 10 00 00 00 06 00 00 00');
    expect(toHex((await readMessage(r)).bytes)).toBe('80 00 00 00 00 00 06 40 01 00');
    expect(r.stats.malformedOut).toBe(2);
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

import { synthesizeFixture } from '../../src/sim/index.ts';
function createPlainTpdu() {
  return synthesizeFixture({ name: 'plain-tpdu', slots: 1, level: 'tpdu', features: 0x0a });
}
