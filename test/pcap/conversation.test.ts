import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcidConversation, extractConversation } from '../../src/pcap/conversation.ts';
import { readUsbPackets, type UsbPacket } from '../../src/pcap/usb-packet.ts';
import { toHex } from '../../src/util/hex.ts';
import { ccidFrame, sysmoOctsim } from './fake-reader.ts';

const captures = new URL('../../../shared/reference/captures/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, captures)));
const tsvLines = (name: string) =>
  readFileSync(new URL(name, captures), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));

describe('CCID conversation of the real USBPcap capture', () => {
  const messages = extractConversation(readUsbPackets(load('gcc_bad_habit_usb.pcapng')));

  it('is exactly the 426 messages of gcc_bad_habit_usb.ccid.tsv (frames, direction, device, endpoint, hex), in order', () => {
    const want = tsvLines('gcc_bad_habit_usb.ccid.tsv').map(([first, last, dir, dev, ep, hex]) => [Number(first), Number(last), dir, dev, ep, hex]);
    expect(want.length).toBe(426);
    const got = messages.map((m) => [m.frames[0], m.frames[1], m.dir.toUpperCase(), `${m.bus}.${m.device}`, `0x${m.endpoint.toString(16).padStart(2, '0')}`, toHex(m.data, '').toLowerCase()]);
    expect(got).toEqual(want);
  });

  it('reassembles the responses the reader split at 16 bytes, and every message decodes', () => {
    const split = messages.filter((m) => m.frames[0] !== m.frames[1]);
    expect(split.length).toBe(16);
    expect(split.every((m) => m.dir === 'in' && m.data.length > 16)).toBe(true);
    expect(messages.every((m) => m.complete && m.decoded !== undefined)).toBe(true);
    expect(messages[3]).toMatchObject({ type: 'RDR_to_PC_DataBlock', slot: 0, seq: 0x23 });
    expect(toHex(messages[3]!.data.subarray(10))).toBe('3B 65 00 00 20 63 CB BC 00');
  });

  it('finds the CCID device from the descriptors USBPcap recorded, not the keyboard next to it', () => {
    const conversation = new CcidConversation();
    for (const p of readUsbPackets(load('gcc_bad_habit_usb.pcapng'))) conversation.push(p);
    expect(conversation.ccidDevices).toEqual(['1.2']);
    expect(extractConversation(readUsbPackets(load('gcc_bad_habit_usb.pcapng')), { device: { bus: 1, device: 3 } })).toEqual([]);
  });
});

describe('CCID conversation of the synthetic usbmon captures', () => {
  it('matches synthetic_misc.tsv, interrupt messages included', () => {
    const got = extractConversation(readUsbPackets(load('synthetic_misc.pcap'))).map((m) => [m.dir === 'interrupt' ? 'INTR' : m.dir.toUpperCase(), toHex(m.data, '').toLowerCase()]);
    expect(got).toEqual(tsvLines('synthetic_misc.tsv'));
  });

  it('recognises a CCID device without descriptors from its bulk OUT traffic', () => {
    const got = extractConversation(readUsbPackets(load('synthetic_poweron_atr_nodesc.pcap')));
    expect(got.map((m) => [m.dir, m.type, m.slot, m.seq])).toEqual([
      ['out', 'PC_to_RDR_IccPowerOn', 0, 0],
      ['in', 'RDR_to_PC_DataBlock', 0, 0],
    ]);
    expect(toHex(got[1]!.data.subarray(10))).toBe('3B A7 00 40 18 80 65 A2 08 01 01 52');
  });
});

/** USB packets of a device that shows its sysmoOCTSIM descriptors first. */
function session() {
  let frame = 0;
  let urb = 0n;
  const packet = (p: Partial<UsbPacket> & Pick<UsbPacket, 'event' | 'endpoint' | 'transfer' | 'data'>): UsbPacket => ({
    frame: ++frame,
    tsSec: 1,
    tsNsec: frame,
    linkType: 220,
    urbId: urb++,
    bus: 1,
    device: 4,
    status: 0,
    ok: true,
    ...p,
  });
  const config = sysmoOctsim().configuration;
  return {
    packets: [packet({ event: 'complete', endpoint: 0x80, transfer: 'control', data: config })],
    out: (data: Uint8Array) => packet({ event: 'submit', endpoint: 0x02, transfer: 'bulk', data }),
    inn: (data: Uint8Array, ok = true) => packet({ event: 'complete', endpoint: 0x81, transfer: 'bulk', data, ok, status: ok ? 0 : -32 }),
  };
}

const arbitraryMessage = fc
  .record({
    out: fc.boolean(),
    slot: fc.integer({ min: 0, max: 7 }),
    seq: fc.integer({ min: 0, max: 255 }),
    data: fc.uint8Array({ maxLength: 600 }),
  })
  .map(({ out, slot, seq, data }) => ({ out, bytes: ccidFrame(out ? 0x6f : 0x80, slot, seq, [0, 0, 0], data) }));

describe('bulk reassembly', () => {
  it('gets every message back whatever the transfer sizes (8, 16, 64, 512 bytes, zero-length packets included)', () => {
    fc.assert(
      fc.property(fc.array(arbitraryMessage, { maxLength: 8 }), fc.constantFrom(8, 16, 64, 512), fc.boolean(), (messages, size, zlp) => {
        const s = session();
        const packets = [...s.packets];
        for (const m of messages) {
          for (let o = 0; o < m.bytes.length; o += size) {
            const chunk = m.bytes.subarray(o, o + size);
            packets.push(m.out ? s.out(chunk) : s.inn(chunk));
          }
          if (zlp && !m.out) packets.push(s.inn(new Uint8Array(0)));
        }
        const got = extractConversation(packets);
        expect(got.map((m) => toHex(m.data))).toEqual(messages.map((m) => toHex(m.bytes)));
        expect(got.every((m) => m.complete)).toBe(true);
      }),
    );
  });

  it('cut at every split point of a response, it is the same message', () => {
    const message = ccidFrame(0x80, 1, 9, [0, 0, 0], new Uint8Array(Array.from({ length: 40 }, (_, i) => i)));
    for (let cut = 0; cut <= message.length; cut++) {
      const s = session();
      const got = extractConversation([...s.packets, s.inn(message.subarray(0, cut)), s.inn(message.subarray(cut))]);
      expect(got.map((m) => [toHex(m.data), m.complete])).toEqual([[toHex(message), true]]);
    }
  });

  it('ends a message at once when dwLength is beyond the bound, so the next one still decodes', () => {
    const s = session();
    const bogus = ccidFrame(0x80, 0, 1, [0, 0, 0]);
    bogus[4] = 0x7f; // dwLength 0x7F000000
    const next = ccidFrame(0x81, 0, 2, [0, 0, 0]);
    const got = extractConversation([...s.packets, s.inn(bogus), s.inn(next)]);
    expect(got.map((m) => [m.complete, m.seq])).toEqual([[false, 1], [true, 2]]);
    expect(got[0]!.decoded).toBeUndefined();
  });

  it('flushes a half-received response as incomplete when the endpoint stalls or the capture ends', () => {
    const s = session();
    const long = ccidFrame(0x80, 0, 3, [0, 0, 0], new Uint8Array(30));
    const got = extractConversation([...s.packets, s.inn(long.subarray(0, 16)), s.inn(new Uint8Array(0), false), s.inn(long.subarray(0, 16))]);
    expect(got.map((m) => [m.dir, m.complete, m.data.length, m.frames])).toEqual([
      ['in', false, 16, [2, 2]],
      ['in', false, 16, [4, 4]],
    ]);
  });
});
