/**
 * Target `pcap`: the capture readers (`readPcap`, `readPcapng`, `readUsbPackets`,
 * `decodeUsbpcapPacket`) and the CCID conversation on top (`extractConversation`), fed
 * the reference captures (real pcapng, synthetic pcaps) mutated, random bytes behind each
 * magic number, and files written by `PcapWriter` or by the tests' independent pcapng
 * builder.
 *
 * Properties: only `CaptureError`; iteration ends, with at most one record per 12 bytes
 * of file (the smallest pcapng block), so a generator can neither loop nor allocate
 * beyond its input; and two round trips: usbmon packets → `PcapWriter` → `readUsbPackets`,
 * and usbmon packets → pcapng (either byte order) → `readUsbPackets`, give every field
 * and data byte back.
 */
import fc from 'fast-check';
import { CaptureError } from '../../../src/errors.ts';
import { extractConversation } from '../../../src/pcap/conversation.ts';
import { isPcap, readPcap } from '../../../src/pcap/pcap-reader.ts';
import { isPcapng, readPcapng } from '../../../src/pcap/pcapng-reader.ts';
import { PcapWriter } from '../../../src/pcap/pcap-writer.ts';
import { readUsbPackets, type UsbPacket } from '../../../src/pcap/usb-packet.ts';
import { decodeUsbpcapPacket } from '../../../src/pcap/usbpcap.ts';
import { encodeUsbmonHeader, USBMON_FLAG_PRESENT, type UsbmonHeader } from '../../../src/pcap/usbmon.ts';
import { arbitraryHeader } from '../../pcap/arbitraries.ts';
import { cat, epb, idb, shb } from '../../pcap/builders.ts';
import { attempt, hex, holds, same, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import { captureSeeds } from '../corpus.ts';
import type { Prng } from '../prng.ts';

/** A usbmon event to write. */
export interface UsbmonEvent {
  header: UsbmonHeader;
  data: Uint8Array;
}

/** One case. */
export type PcapInput =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'usbpcap'; bytes: Uint8Array }
  | { kind: 'written'; events: UsbmonEvent[] }
  | { kind: 'pcapng'; littleEndian: boolean; events: UsbmonEvent[] };

const MAX_FILE = 16384;
const MAGICS = [
  [0xd4, 0xc3, 0xb2, 0xa1],
  [0xa1, 0xb2, 0xc3, 0xd4],
  [0x4d, 0x3c, 0xb2, 0xa1],
  [0x0a, 0x0d, 0x0d, 0x0a],
].map((m) => Uint8Array.from(m));
const DICTIONARY = [...MAGICS, Uint8Array.of(0x4d, 0x3c, 0x2b, 0x1a), Uint8Array.of(0x06, 0, 0, 0), Uint8Array.of(0x01, 0, 0, 0), Uint8Array.of(0xdc, 0), Uint8Array.of(0xf9, 0)];

/** Reads everything there is to read; returns the number of USB packets. */
function readAll(bytes: Uint8Array): number {
  const bound = Math.floor(bytes.length / 12) + 1;
  let records = 0;
  const direct = isPcapng(bytes) ? readPcapng : isPcap(bytes) ? readPcap : undefined;
  if (direct !== undefined) {
    const r = attempt('reading records', () => {
      for (const rec of direct(bytes)) {
        holds(++records <= bound, `more than ${bound} records from ${bytes.length} bytes`);
        holds(rec.data.length <= bytes.length, 'record larger than the file');
      }
    }, [CaptureError]);
    void r;
  }
  const packets: UsbPacket[] = [];
  const read = attempt('readUsbPackets', () => {
    for (const p of readUsbPackets(bytes)) {
      packets.push(p);
      holds(packets.length <= bound, `more than ${bound} USB packets from ${bytes.length} bytes`);
    }
  }, [CaptureError]);
  attempt('extractConversation', () => extractConversation(packets), [CaptureError]);
  return read instanceof Error ? -1 : packets.length;
}

function checkEvents(events: readonly UsbmonEvent[], packets: readonly UsbPacket[], what: string): void {
  holds(packets.length === events.length, `${what}: ${packets.length} packets read, ${events.length} written`);
  packets.forEach((p, i) => {
    const { header: h, data } = events[i]!;
    same(
      { urbId: p.urbId, bus: p.bus, device: p.device, endpoint: p.endpoint, status: p.status, event: p.event, data: hex(p.data) },
      { urbId: h.urbId, bus: h.bus, device: h.device, endpoint: h.endpoint, status: h.status, event: { S: 'submit', C: 'complete', E: 'error' }[h.eventType], data: hex(data) },
      `${what}: packet ${i + 1}`,
    );
    if (p.setup !== undefined) holds(hex(p.setup) === hex(h.setup), `${what}: setup of packet ${i + 1}`);
  });
}

function check(input: PcapInput): boolean {
  switch (input.kind) {
    case 'bytes':
      return readAll(input.bytes) >= 0;
    case 'usbpcap':
      return !(attempt('decodeUsbpcapPacket', () => decodeUsbpcapPacket(input.bytes), [CaptureError]) instanceof Error);
    case 'written': {
      const chunks: Uint8Array[] = [];
      const writer = new PcapWriter((c) => chunks.push(c));
      for (const e of input.events) writer.packet(e.header, e.data);
      const packets = [...readUsbPackets(cat(...chunks))];
      checkEvents(input.events, packets, 'PcapWriter → readUsbPackets');
      return true;
    }
    case 'pcapng': {
      const le = input.littleEndian;
      const blocks = [shb(le), idb(le, 220)];
      input.events.forEach((e, i) => blocks.push(epb(le, 0, BigInt(i) * 1_000_001n, cat(encodeUsbmonHeader(e.header, le), e.data))));
      const file = cat(...blocks);
      const records = [...readPcapng(file)];
      records.forEach((r, i) => holds(r.tsSec === Math.floor((i * 1_000_001) / 1e6) && r.tsNsec === ((i * 1_000_001) % 1e6) * 1000, `pcapng timestamp of record ${i + 1}`));
      checkEvents(input.events, [...readUsbPackets(file)], `pcapng (${le ? 'LE' : 'BE'}) → readUsbPackets`);
      return true;
    }
  }
}

/** Events whose data length agrees with the header (readers take the length from it). */
const event: fc.Arbitrary<UsbmonEvent> = fc.record({ header: arbitraryHeader, data: fc.uint8Array({ maxLength: 200 }) }).map(({ header, data }) => ({
  header: { ...header, transferType: header.transferType === 0 ? 3 : header.transferType, dataLength: data.length, dataFlag: USBMON_FLAG_PRESENT },
  data,
}));

function arbitrary(): fc.Arbitrary<PcapInput> {
  const seeds = captureSeeds();
  const edited = fc
    .record({
      seed: fc.constantFrom(...seeds),
      edits: fc.array(fc.record({ at: fc.nat(), value: fc.nat(255) }), { minLength: 1, maxLength: 10 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ seed, edits, cut }) => {
      const bytes = seed.slice(0, cut === undefined ? undefined : cut % (seed.length + 1));
      for (const e of edits) if (bytes.length > 0) bytes[e.at % bytes.length] = e.value;
      return { kind: 'bytes' as const, bytes };
    });
  const behindMagic = fc.tuple(fc.constantFrom(...MAGICS), fc.uint8Array({ maxLength: 400 })).map(([m, rest]) => ({ kind: 'bytes' as const, bytes: cat(m, rest) }));
  return fc.oneof(
    edited,
    behindMagic,
    fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'usbpcap' as const, bytes })),
    fc.array(event, { maxLength: 6 }).map((events) => ({ kind: 'written' as const, events })),
    fc.tuple(fc.boolean(), fc.array(event, { maxLength: 6 })).map(([littleEndian, events]) => ({ kind: 'pcapng' as const, littleEndian, events })),
  );
}

function mutate(rng: Prng): PcapInput {
  const seeds = captureSeeds();
  const seed = rng.pick(seeds);
  const bytes = mutateBytes(seed.subarray(0, MAX_FILE), rng, { maxLength: MAX_FILE, splice: seeds, dictionary: DICTIONARY });
  return rng.chance(0.1) ? { kind: 'usbpcap', bytes: bytes.subarray(rng.int(Math.max(1, bytes.length - 64))) } : { kind: 'bytes', bytes };
}

/** The `pcap` target. */
export function pcapTarget(): FuzzTarget<PcapInput> {
  return {
    name: 'pcap',
    description: 'readPcap/readPcapng/readUsbPackets/decodeUsbpcapPacket/extractConversation: only CaptureError, records bounded by size; writer and pcapng round trips',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
