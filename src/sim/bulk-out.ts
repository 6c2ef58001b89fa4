/**
 * The reader side of bulk-OUT: whole PC_to_RDR messages out of USB transfers. A transfer
 * may hold several messages; a message cut at a wMaxPacketSize boundary continues in the
 * next transfer (the USB transfer is not over until a short packet); a message cut by a
 * short packet, or announcing more than dwMaxCCIDMessageLength, is malformed.
 */
import { CCID_HEADER_LENGTH } from './spec.ts';

/** What the assembler reports. */
export interface BulkOutSink {
  /** One whole message (a view: valid during the call). */
  message(msg: Uint8Array): void;
  /** A malformed message; `header` is its first 10 bytes when they arrived. */
  malformed(header: Uint8Array | undefined): void;
  /** False once the device is gone (stop handling). */
  alive(): boolean;
}

/** Reassembles bulk-OUT messages for one CCID function. */
export class BulkOutAssembler {
  private partial: Uint8Array | undefined;

  constructor(
    private readonly packetSize: number,
    private readonly maxMessage: number,
  ) {}

  /** Forgets a partial message (USB reset). */
  clear(): void {
    this.partial = undefined;
  }

  /** One transfer. */
  write(data: Uint8Array, sink: BulkOutSink): void {
    let buf = data;
    if (this.partial !== undefined) {
      const joined = new Uint8Array(this.partial.length + data.length);
      joined.set(this.partial);
      joined.set(data, this.partial.length);
      buf = joined;
      this.partial = undefined;
    }
    let o = 0;
    while (o < buf.length && sink.alive()) {
      const left = buf.length - o;
      if (left < CCID_HEADER_LENGTH) break;
      const dwLength = (buf[o + 1]! | (buf[o + 2]! << 8) | (buf[o + 3]! << 16) | (buf[o + 4]! << 24)) >>> 0;
      if (dwLength > this.maxMessage - CCID_HEADER_LENGTH) {
        // The rest of the transfer cannot be framed any more: drop it.
        sink.malformed(buf.subarray(o, o + CCID_HEADER_LENGTH));
        return;
      }
      const total = CCID_HEADER_LENGTH + dwLength;
      if (left < total) break;
      sink.message(o === 0 && total === buf.length ? buf : buf.subarray(o, o + total));
      o += total;
    }
    if (o >= buf.length || !sink.alive()) return;
    const rest = buf.subarray(o);
    if (data.length > 0 && data.length % this.packetSize === 0) {
      this.partial = rest.slice();
      return;
    }
    sink.malformed(rest.length >= CCID_HEADER_LENGTH ? rest.subarray(0, CCID_HEADER_LENGTH) : undefined);
  }
}
