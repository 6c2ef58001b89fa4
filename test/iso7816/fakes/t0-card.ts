/**
 * A card-side T=0 fake at TPDU level: it gets CLA INS P1 P2 P3 [data] (the reader has
 * run the procedure bytes) and answers [data] SW1 SW2, deciding the direction of the data
 * from INS as a real card does (ISO/IEC 7816-3 §10.3). Written from the card's point of
 * view, without the driver's code.
 *
 * INS handled:
 * - 44 (case 1): 90 00.
 * - B0 READ BINARY (outgoing): the file; Le > size → 6C size; P3 = 00 on a file larger
 *   than 256 → 256 bytes and 61 xx, the rest by GET RESPONSE (case 2E.2).
 * - A4 SELECT (incoming): 61 xx with the FCI pending.
 * - DA PUT DATA (incoming): stores the data, 90 00.
 * - 2A "reverse" (incoming, case 4): 61 xx with the data reversed pending.
 * - C0 GET RESPONSE (outgoing): hands out the pending bytes (6C xx when Le is too long).
 * - C2 ENVELOPE (incoming): collects a whole extended APDU, runs it, 61 xx / SW.
 */
import { FakeExchange } from './exchange.ts';

export interface T0CardOptions {
  /** Contents of the file READ BINARY reads. */
  file?: Uint8Array;
  /** FCI returned after SELECT. */
  fci?: Uint8Array;
  /** Whether ENVELOPE is implemented (else 6D 00). Default true. */
  envelope?: boolean;
}

const sw = (value: number) => [value >> 8, value & 0xff];

export class FakeT0Card {
  readonly tpdus: Uint8Array[] = [];
  /** Data stored by PUT DATA (case 3), directly or enveloped. */
  readonly stored: Uint8Array[] = [];
  private pending: number[] = [];
  private pendingSw = 0x9000;
  private envelopeBuffer: number[] = [];

  constructor(private readonly options: T0CardOptions = {}) {}

  private offer(data: number[], finalSw = 0x9000): Uint8Array {
    this.pending = data;
    this.pendingSw = finalSw;
    if (data.length === 0) return Uint8Array.from(sw(finalSw));
    return Uint8Array.from([0x61, data.length >= 256 ? 0x00 : data.length]);
  }

  handle(tpdu: Uint8Array): Uint8Array {
    this.tpdus.push(tpdu.slice());
    if (tpdu.length < 5) return Uint8Array.from(sw(0x6700));
    const [, ins, , , p3] = tpdu as unknown as number[];
    const body = Array.from(tpdu.subarray(5));
    const outgoing = ins === 0xb0 || ins === 0xc0;
    if (!outgoing && body.length !== p3) return Uint8Array.from(sw(0x6700));
    if (outgoing && body.length !== 0) return Uint8Array.from(sw(0x6700));
    const le = p3 === 0 ? 256 : p3!;
    switch (ins) {
      case 0x44:
        return Uint8Array.from(p3 === 0 ? sw(0x9000) : sw(0x6700));
      case 0xb0: {
        const file = Array.from(this.options.file ?? []);
        if (file.length > 256 && p3 === 0) {
          this.offer(file.slice(256));
          const rest = file.length - 256;
          return Uint8Array.from([...file.slice(0, 256), 0x61, rest >= 256 ? 0 : rest]);
        }
        if (le > file.length) return Uint8Array.from([0x6c, file.length & 0xff]);
        return Uint8Array.from([...file.slice(0, le), ...sw(0x9000)]);
      }
      case 0xa4:
        return this.offer(Array.from(this.options.fci ?? []));
      case 0xda:
        this.stored.push(Uint8Array.from(body));
        return Uint8Array.from(sw(0x9000));
      case 0x2a:
        return this.offer(body.slice().reverse());
      case 0xc0: {
        if (this.pending.length === 0) return Uint8Array.from(sw(0x6985));
        if (le > this.pending.length) return Uint8Array.from([0x6c, this.pending.length & 0xff]);
        const out = this.pending.slice(0, le);
        this.pending = this.pending.slice(le);
        const rest = this.pending.length;
        const tail = rest === 0 ? sw(this.pendingSw) : [0x61, rest >= 256 ? 0 : rest];
        return Uint8Array.from([...out, ...tail]);
      }
      case 0xc2:
        if (this.options.envelope === false) return Uint8Array.from(sw(0x6d00));
        this.envelopeBuffer.push(...body);
        return this.runEnveloped();
      default:
        return Uint8Array.from(sw(0x6d00));
    }
  }

  /** Runs the enveloped extended APDU once all of it has arrived (its own Lc says when). */
  private runEnveloped(): Uint8Array {
    const b = this.envelopeBuffer;
    if (b.length < 7) return Uint8Array.from(sw(0x9000));
    const nc = (b[5]! << 8) | b[6]!;
    const total = 7 + nc;
    if (b.length < total) return Uint8Array.from(sw(0x9000));
    if (b.length !== total && b.length !== total + 2) {
      this.envelopeBuffer = [];
      return Uint8Array.from(sw(0x6700));
    }
    const ins = b[1];
    const data = b.slice(7, total);
    this.envelopeBuffer = [];
    if (ins === 0xda) {
      this.stored.push(Uint8Array.from(data));
      return Uint8Array.from(sw(0x9000));
    }
    if (ins === 0x2a) return this.offer(data.slice().reverse());
    return Uint8Array.from(sw(0x6d00));
  }
}

/** The exchange a T=0 TPDU reader gives for this card. */
export function t0Link(card: FakeT0Card): FakeExchange {
  return new FakeExchange((data) => card.handle(data));
}
