import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/errors.ts';
import { readPcap, readPcapHeader } from '../../src/pcap/pcap-reader.ts';
import { readPcapng } from '../../src/pcap/pcapng-reader.ts';
import { readCaptureRecords, readUsbPackets } from '../../src/pcap/usb-packet.ts';
import { buildPcap, cat, epb, idb, otherBlock, shb, spb, usbmonToBigEndian } from './builders.ts';

const captures = new URL('../../../shared/reference/captures/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, captures)));

/** The raw usbmon packets of a little-endian pcap file, with their timestamps. */
function usbmonPackets(file: Uint8Array) {
  return [...readPcap(file)].map((r) => ({ tsSec: r.tsSec, usec: r.tsNsec / 1000, data: r.data.slice() }));
}

describe('pcap reader', () => {
  it('reads the synthetic usbmon captures', () => {
    const header = readPcapHeader(load('synthetic_misc.pcap'));
    expect(header).toMatchObject({ littleEndian: true, nanos: false, versionMajor: 2, versionMinor: 4, linkType: 220 });
    const records = [...readPcap(load('synthetic_misc.pcap'))];
    expect(records.map((r) => r.frame)).toEqual(Array.from({ length: 38 }, (_, i) => i + 1));
    expect(records[0]!.tsSec).toBe(0x6553f100);
    expect(records[1]!.tsNsec - records[0]!.tsNsec).toBe(250_000); // 250 µs apart, as tshark shows
  });

  it('reads big-endian and nanosecond files to the same USB packets', () => {
    const packets = usbmonPackets(load('synthetic_misc.pcap'));
    const reference = [...readUsbPackets(load('synthetic_misc.pcap'))];
    const variants = [
      buildPcap(packets.map((p) => ({ tsSec: p.tsSec, frac: p.usec, data: usbmonToBigEndian(p.data) })), { le: false }),
      buildPcap(packets.map((p) => ({ tsSec: p.tsSec, frac: p.usec * 1000, data: p.data })), { nanos: true }),
      buildPcap(packets.map((p) => ({ tsSec: p.tsSec, frac: p.usec * 1000, data: usbmonToBigEndian(p.data) })), { le: false, nanos: true }),
    ];
    for (const file of variants) expect([...readUsbPackets(file)]).toEqual(reference);
  });

  it('reads link type 189 (48-byte usbmon header)', () => {
    const packets = usbmonPackets(load('synthetic_poweron_atr.pcap'));
    // Drop bytes 48..63 of each header: the legacy layout.
    const legacy = buildPcap(packets.map((p) => ({ tsSec: p.tsSec, frac: p.usec, data: cat(p.data.subarray(0, 48), p.data.subarray(64)) })), { linkType: 189 });
    const got = [...readUsbPackets(legacy)];
    const want = [...readUsbPackets(load('synthetic_poweron_atr.pcap'))];
    expect(got.map((p) => [p.event, p.endpoint, p.transfer, p.status, [...p.data]])).toEqual(want.map((p) => [p.event, p.endpoint, p.transfer, p.status, [...p.data]]));
    expect(got[0]!.linkType).toBe(189);
  });

  it('raises CaptureError on a truncated record, after yielding the complete ones', () => {
    const file = load('synthetic_poweron_atr.pcap');
    const cut = file.subarray(0, file.length - 5);
    const seen: number[] = [];
    expect(() => {
      for (const r of readPcap(cut)) seen.push(r.frame);
    }).toThrow(CaptureError);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(() => [...readPcap(file.subarray(0, 30))]).toThrow(/record header/);
    expect(() => readPcapHeader(file.subarray(0, 23))).toThrow(CaptureError);
  });

  it('refuses what is not a capture', () => {
    expect(() => readCaptureRecords(new TextEncoder().encode('hello, world, not a pcap'))).toThrow(/not a pcap or pcapng/);
  });
});

describe('pcapng reader', () => {
  it('reads the real USBPcap capture: 7062 packets, frame numbers as tshark counts them', () => {
    const records = [...readPcapng(load('gcc_bad_habit_usb.pcapng'))];
    expect(records.length).toBe(7062);
    expect(records.every((r) => r.linkType === 249 && r.littleEndian)).toBe(true);
    const packets = [...readUsbPackets(load('gcc_bad_habit_usb.pcapng'))];
    // tshark: frame 2237 is PC_to_RDR_IccPowerOff from host to 1.2.2, at 28.537425 s after frame 1.
    const p = packets.find((x) => x.frame === 2237)!;
    expect(p).toMatchObject({ bus: 1, device: 2, endpoint: 0x02, transfer: 'bulk', event: 'submit', ok: true });
    expect([...p.data]).toEqual([0x63, 0, 0, 0, 0, 0, 0x22, 0, 0, 0]);
    const t = (x: { tsSec: number; tsNsec: number }) => x.tsSec * 1e9 + x.tsNsec;
    expect(Math.round((t(p) - t(packets[0]!)) / 1000)).toBe(28_537_425);
    // Frame 16: USBPcap's own GET_DESCRIPTOR(CONFIGURATION) answer, 93 bytes, stage COMPLETE.
    const config = packets.find((x) => x.frame === 16)!;
    expect(config).toMatchObject({ transfer: 'control', event: 'complete', device: 2 });
    expect(config.data.length).toBe(93);
    // Frame 15: its SETUP stage carries the setup packet.
    expect([...packets.find((x) => x.frame === 15)!.setup!]).toEqual([0x80, 0x06, 0x00, 0x02, 0x00, 0x00, 0x5d, 0x00]);
  });

  it('reads big-endian sections, several sections, if_tsresol, if_tsoffset, SPB, and skips other blocks', () => {
    const data = (n: number) => new Uint8Array([n, n, n]);
    for (const le of [true, false]) {
      const file = cat(
        shb(le),
        idb(le, 220),
        idb(le, 249, { tsresol: 9 }), // nanoseconds
        idb(le, 220, { tsresol: 0x80 | 20, tsoffset: 100n }), // 2^-20 s, +100 s
        epb(le, 0, 1_500_000n, data(1)),
        otherBlock(le, 4, new Uint8Array([0, 0, 0, 0])), // name resolution: skipped
        epb(le, 1, 2_000_000_123n, data(2)),
        epb(le, 2, (5n << 20n) + (1n << 19n), data(3)),
        spb(le, data(4)),
        shb(!le),
        idb(!le, 189, { snapLen: 2 }),
        spb(!le, data(5)), // cut to snaplen 2
      );
      const records = [...readPcapng(file)];
      expect(records.map((r) => [r.frame, r.linkType, r.tsSec, r.tsNsec, [...r.data]])).toEqual([
        [1, 220, 1, 500_000_000, [1, 1, 1]],
        [2, 249, 2, 123, [2, 2, 2]],
        [3, 220, 105, 500_000_000, [3, 3, 3]],
        [4, 220, 0, 0, [4, 4, 4]],
        [5, 189, 0, 0, [5, 5]],
      ]);
      expect(records.map((r) => r.littleEndian)).toEqual([le, le, le, le, !le]);
    }
  });

  it('raises CaptureError on inconsistent blocks', () => {
    const le = true;
    const good = cat(shb(le), idb(le, 220), epb(le, 0, 0n, new Uint8Array(4)));
    expect([...readPcapng(good)].length).toBe(1);
    const badTrailer = good.slice();
    badTrailer[badTrailer.length - 1] = 0x7f;
    expect(() => [...readPcapng(badTrailer)]).toThrow(/trailing block length/);
    expect(() => [...readPcapng(good.subarray(0, good.length - 4))]).toThrow(CaptureError);
    expect(() => [...readPcapng(cat(shb(le), epb(le, 0, 0n, new Uint8Array(4))))]).toThrow(/interface/);
    const badMagic = shb(le).slice();
    badMagic[8] = 0;
    expect(() => [...readPcapng(badMagic)]).toThrow(/byte-order magic/);
    const oddLength = cat(shb(le), idb(le, 220));
    oddLength[28 + 4] = 21; // IDB total length 21: not a multiple of 4
    expect(() => [...readPcapng(oddLength)]).toThrow(/multiple of 4/);
  });
});
