/**
 * Slow, obvious capture-file builders for the reader tests: pcap in either byte order
 * with µs or ns timestamps, and pcapng blocks in either byte order. Written from the
 * format descriptions, independently of `src/pcap/pcap-writer.ts`.
 */

/** One packet to put in a test file. */
export interface TestPacket {
  readonly tsSec: number;
  /** Sub-second part in the file's unit (µs or ns for pcap; ignored by pcapng builders). */
  readonly frac: number;
  readonly data: Uint8Array;
}

class Bytes {
  readonly parts: number[] = [];
  constructor(readonly le: boolean) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u64(v: bigint): this {
    const lo = Number(v & 0xffffffffn);
    const hi = Number((v >> 32n) & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: Uint8Array | readonly number[]): this {
    this.parts.push(...b);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
  done(): Uint8Array {
    return new Uint8Array(this.parts);
  }
}

/** A classic pcap file. */
export function buildPcap(packets: readonly TestPacket[], opts: { le?: boolean; nanos?: boolean; linkType?: number } = {}): Uint8Array {
  const b = new Bytes(opts.le ?? true);
  b.u32(opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(262144).u32(opts.linkType ?? 220);
  for (const p of packets) b.u32(p.tsSec).u32(p.frac).u32(p.data.length).u32(p.data.length).bytes(p.data);
  return b.done();
}

function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = new Bytes(le).bytes(body).pad4().done();
  const total = 12 + padded.length;
  return new Bytes(le).u32(type).u32(total).bytes(padded).u32(total).done();
}

/** A pcapng Section Header Block. */
export function shb(le: boolean): Uint8Array {
  return block(le, 0x0a0d0d0a, new Bytes(le).u32(0x1a2b3c4d).u16(1).u16(0).u64(0xffffffffffffffffn).done());
}

/** A pcapng Interface Description Block, with optional if_tsresol and if_tsoffset. */
export function idb(le: boolean, linkType: number, opts: { tsresol?: number; tsoffset?: bigint; snapLen?: number } = {}): Uint8Array {
  const b = new Bytes(le).u16(linkType).u16(0).u32(opts.snapLen ?? 0);
  if (opts.tsresol !== undefined) b.u16(9).u16(1).u8(opts.tsresol).pad4();
  if (opts.tsoffset !== undefined) b.u16(14).u16(8).u64(opts.tsoffset);
  if (opts.tsresol !== undefined || opts.tsoffset !== undefined) b.u16(0).u16(0);
  return block(le, 1, b.done());
}

/** A pcapng Enhanced Packet Block with a 64-bit timestamp in interface units. */
export function epb(le: boolean, iface: number, units: bigint, data: Uint8Array): Uint8Array {
  const b = new Bytes(le).u32(iface).u32(Number(units >> 32n)).u32(Number(units & 0xffffffffn)).u32(data.length).u32(data.length).bytes(data);
  return block(le, 6, b.done());
}

/** A pcapng Simple Packet Block. */
export function spb(le: boolean, data: Uint8Array): Uint8Array {
  return block(le, 3, new Bytes(le).u32(data.length).bytes(data).done());
}

/** Any other block (skipped by readers), e.g. a Name Resolution Block (4). */
export function otherBlock(le: boolean, type: number, body: Uint8Array): Uint8Array {
  return block(le, type, body);
}

/** Concatenation. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Rewrites the usbmon header of a little-endian 64-byte usbmon packet into big-endian. */
export function usbmonToBigEndian(packet: Uint8Array): Uint8Array {
  const out = packet.slice();
  const swap = (offset: number, size: number) => out.subarray(offset, offset + size).reverse();
  swap(0, 8); // id
  swap(12, 2); // bus
  swap(16, 8); // ts_sec
  for (const o of [24, 28, 32, 36, 48, 52, 56, 60]) swap(o, 4);
  return out; // the setup packet (40..47) stays in USB order
}
