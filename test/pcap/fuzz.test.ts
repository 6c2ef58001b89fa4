import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/errors.ts';
import { extractConversation } from '../../src/pcap/conversation.ts';
import { PcapWriter } from '../../src/pcap/pcap-writer.ts';
import { readUsbPackets } from '../../src/pcap/usb-packet.ts';
import { USBMON_FLAG_PRESENT, type UsbmonHeader } from '../../src/pcap/usbmon.ts';
import { cat } from './builders.ts';
import { arbitraryHeader } from './arbitraries.ts';

const captures = new URL('../../../shared/reference/captures/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, captures)));

const seeds = [
  load('synthetic_misc.pcap'),
  load('synthetic_poweron_atr.pcap'),
  // The start of the real pcapng: SHB, IDB and the descriptor reads (cut mid-block on purpose).
  load('gcc_bad_habit_usb.pcapng').subarray(0, 6000),
];

/** Reads everything there is to read: records, USB packets, the CCID conversation. */
function readAll(bytes: Uint8Array): void {
  extractConversation(readUsbPackets(bytes));
}

function onlyCaptureErrors(bytes: Uint8Array): void {
  try {
    readAll(bytes);
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
  }
}

const mutated = fc
  .record({
    seed: fc.constantFrom(...seeds),
    edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 12 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ seed, edits, cut }) => {
    const bytes = seed.slice(0, cut === undefined ? undefined : cut % (seed.length + 1));
    for (const e of edits) if (bytes.length > 0) bytes[e.at % bytes.length] = e.value;
    return bytes;
  });

describe('capture readers on hostile input', () => {
  it('throw nothing but CaptureError on random bytes behind each magic number', () => {
    const magics = [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0x0a, 0x0d, 0x0d, 0x0a], []];
    fc.assert(
      fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 400 }), (magic, rest) => {
        onlyCaptureErrors(cat(new Uint8Array(magic), rest));
      }),
      { numRuns: 500 },
    );
  });

  it('throw nothing but CaptureError on mutated and truncated real files', () => {
    fc.assert(fc.property(mutated, onlyCaptureErrors), { numRuns: 300 });
  });

  it('a huge announced length fails at once instead of allocating', () => {
    const file = load('synthetic_poweron_atr.pcap').slice();
    new DataView(file.buffer).setUint32(24 + 8, 0xfffffff0, true); // incl_len of record 1
    expect(() => readAll(file)).toThrow(/announced/);
  });
});

describe('pcap writer → reader round trip', () => {
  it('gives back every usbmon packet written', () => {
    const packet = fc.record({ header: arbitraryHeader, data: fc.uint8Array({ maxLength: 300 }) }).map(({ header, data }) => ({
      // Readers take the data length from the header; a non-ISO transfer keeps them equal.
      header: { ...header, transferType: header.transferType === 0 ? 3 : header.transferType, dataLength: data.length, dataFlag: USBMON_FLAG_PRESENT } satisfies UsbmonHeader,
      data,
    }));
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 10 }), (packets) => {
        const chunks: Uint8Array[] = [];
        const writer = new PcapWriter((c) => chunks.push(c));
        for (const p of packets) writer.packet(p.header, p.data);
        const read = [...readUsbPackets(cat(...chunks))];
        expect(read.length).toBe(packets.length);
        read.forEach((r, i) => {
          const { header: h, data } = packets[i]!;
          expect(r).toMatchObject({ frame: i + 1, urbId: h.urbId, bus: h.bus, device: h.device, endpoint: h.endpoint, status: h.status, tsSec: h.tsSec % 2 ** 32, tsNsec: h.tsUsec * 1000 });
          expect(r.event).toBe({ S: 'submit', C: 'complete', E: 'error' }[h.eventType]);
          expect([...r.data]).toEqual([...data]);
          if (r.setup !== undefined) expect([...r.setup]).toEqual([...h.setup]);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('pcap writer snapshot length', () => {
  it('truncates records to snapLen and keeps the original length', () => {
    const header = fc.sample(arbitraryHeader, { numRuns: 1, seed: 7 })[0]!;
    for (const snapLen of [20, 64, 70, 1000]) {
      const chunks: Uint8Array[] = [];
      const writer = new PcapWriter((c) => chunks.push(c), { snapLen });
      const data = new Uint8Array(100).fill(0xab);
      writer.packet({ ...header, dataLength: data.length }, data);
      const record = chunks[1]!;
      const v = new DataView(record.buffer, record.byteOffset);
      expect([v.getUint32(8, true), v.getUint32(12, true), record.length]).toEqual([Math.min(164, snapLen), 164, 16 + Math.min(164, snapLen)]);
      expect(record.subarray(16 + 64).every((b) => b === 0xab)).toBe(true);
    }
  });
});
