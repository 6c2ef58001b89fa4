/**
 * A card-side T=1 fake (ISO/IEC 7816-3 §11, the card's half of the rules), built on the
 * reference codec only, and a fault-injecting link in front of it. The card runs a tiny
 * "applet" function on each complete command APDU.
 */
import type { XfrOptions, XfrResult } from '../../../src/ccid/exchange.ts';
import { SlotError } from '../../../src/errors.ts';
import { FakeExchange } from './exchange.ts';
import { type Edc, refI, refParse, refR, refS, S_ABORT, S_IFS, S_RESYNCH, S_WTX } from './t1-reference.ts';

export interface T1CardOptions {
  edc?: Edc;
  /** Largest INF the card accepts (its IFSC, as announced in the ATR). Default 32. */
  ifsc?: number;
  /** Command APDU → response APDU (data + SW). */
  applet: (command: Uint8Array) => Uint8Array;
  /** S(WTX request)s sent before each response, with this multiplier. */
  wtx?: { count: number; multiplier: number };
  /** After the first chained I-block of a command, ask for a new IFSC with S(IFS request). */
  requestIfsc?: number;
  /** Answer the first chained I-block of the next command with S(ABORT request). */
  abortOnce?: boolean;
  /** Ignore S(IFS request) (answer with an R-block), as a broken card would. */
  refuseIfs?: boolean;
}

type Sent = { kind: 'I'; ns: number; more: boolean; size: number } | { kind: 'R' } | { kind: 'S-request'; op: number } | { kind: 'S-response' } | { kind: 'none' };

export class FakeT1Card {
  readonly edc: Edc;
  /** N(S) of the card's next I-block. */
  ns = 0;
  /** N(S) the card expects from the interface device. */
  nr = 0;
  ifsc: number;
  /** IFSD: the largest INF the interface device accepts (card's sending cap). */
  ifsd = 32;
  /** Complete command APDUs the applet ran. */
  readonly commands: Uint8Array[] = [];
  private command: number[] = [];
  private response: Uint8Array | null = null;
  private offset = 0;
  private lastBlock: Uint8Array | null = null;
  private last: Sent = { kind: 'none' };
  /** The last I-block of the response chain, kept apart: an R-block of ours may follow it. */
  private lastI: { block: Uint8Array; ns: number; more: boolean; size: number } | null = null;
  private wtxLeft = 0;
  private deferred: (() => Uint8Array) | null = null;
  private abortPending: boolean;
  private ifsRequested = false;

  constructor(private readonly options: T1CardOptions) {
    this.edc = options.edc ?? 'lrc';
    this.ifsc = options.ifsc ?? 32;
    this.abortPending = options.abortOnce ?? false;
  }

  private send(block: Uint8Array, sent: Sent): Uint8Array {
    this.lastBlock = block;
    this.last = sent;
    return block;
  }

  private r(err = 0): Uint8Array {
    return this.send(refR(this.nr, err, this.edc), { kind: 'R' });
  }

  private nextResponseBlock(): Uint8Array {
    const response = this.response!;
    const size = Math.min(this.ifsd, response.length - this.offset);
    const more = this.offset + size < response.length;
    const block = refI(this.ns, more, response.subarray(this.offset, this.offset + size), this.edc);
    const sent: Sent = { kind: 'I', ns: this.ns, more, size };
    this.lastI = { block, ns: this.ns, more, size };
    this.ns ^= 1;
    return this.send(block, sent);
  }

  private startResponse(): Uint8Array {
    if (this.wtxLeft > 0 && this.options.wtx) {
      this.wtxLeft--;
      return this.send(refS(S_WTX, false, [this.options.wtx.multiplier], this.edc), { kind: 'S-request', op: S_WTX });
    }
    return this.nextResponseBlock();
  }

  /** One block in, one block out. */
  handle(bytes: Uint8Array): Uint8Array {
    const block = refParse(bytes, this.edc);
    if (block.type === 'bad') {
      // A pending S(request) of ours is sent again; otherwise an R-block names what we expect.
      if (this.last.kind === 'S-request' && this.lastBlock) return this.lastBlock;
      return this.r(block.edcError ? 1 : 2);
    }
    if (block.type === 'S') {
      if (!block.response) {
        switch (block.op) {
          case S_RESYNCH:
            this.ns = 0;
            this.nr = 0;
            this.ifsd = 32;
            this.ifsc = this.options.ifsc ?? 32;
            this.command = [];
            this.response = null;
            this.lastI = null;
            this.deferred = null;
            return this.send(refS(S_RESYNCH, true, [], this.edc), { kind: 'S-response' });
          case S_IFS:
            if (this.options.refuseIfs) return this.r(2);
            this.ifsd = block.inf[0]!;
            return this.send(refS(S_IFS, true, block.inf, this.edc), { kind: 'S-response' });
          case S_ABORT:
            this.command = [];
            this.response = null;
            return this.send(refS(S_ABORT, true, [], this.edc), { kind: 'S-response' });
          default:
            return this.r(2);
        }
      }
      if (this.last.kind === 'S-request' && block.op === this.last.op) {
        if (block.op === S_WTX) return this.startResponse();
        if (block.op === S_IFS && this.deferred) {
          const next = this.deferred;
          this.deferred = null;
          return next();
        }
        if (block.op === S_ABORT) return this.r();
      }
      if (this.last.kind === 'S-request' && this.lastBlock) return this.lastBlock;
      return this.r(2);
    }
    if (block.type === 'I') {
      if (block.ns !== this.nr) return this.r(2);
      if (this.response && this.lastI?.more) return this.r(2);
      if (block.inf.length > this.ifsc) return this.r(2);
      this.response = null; // rule 2: a new I-block acknowledges our last one
      this.lastI = null;
      this.nr ^= 1;
      this.command.push(...block.inf);
      if (block.more) {
        if (this.abortPending) {
          this.abortPending = false;
          this.command = [];
          return this.send(refS(S_ABORT, false, [], this.edc), { kind: 'S-request', op: S_ABORT });
        }
        if (this.options.requestIfsc !== undefined && !this.ifsRequested) {
          this.ifsRequested = true;
          this.ifsc = this.options.requestIfsc;
          this.deferred = () => this.r();
          return this.send(refS(S_IFS, false, [this.options.requestIfsc], this.edc), { kind: 'S-request', op: S_IFS });
        }
        return this.r();
      }
      const apdu = Uint8Array.from(this.command);
      this.command = [];
      this.commands.push(apdu);
      this.response = this.options.applet(apdu);
      this.offset = 0;
      this.wtxLeft = this.options.wtx?.count ?? 0;
      return this.startResponse();
    }
    // R-block.
    if (this.response && this.lastI) {
      if (block.nr !== this.lastI.ns && this.lastI.more) {
        this.offset += this.lastI.size;
        return this.nextResponseBlock();
      }
      if (block.nr === this.lastI.ns) return this.send(this.lastI.block, { kind: 'I', ns: this.lastI.ns, more: this.lastI.more, size: this.lastI.size });
    }
    if (this.last.kind === 'R' || this.last.kind === 'S-request') return this.lastBlock!;
    // Nothing to resend that the interface device could want: name the I-block we expect.
    return this.r(0);
  }
}

/** What happens to one exchange on the faulty link. */
export type Fault =
  | 'corrupt-to-card'
  | 'corrupt-from-card'
  | 'lose-to-card'
  | 'lose-from-card'
  | 'parity-from-card'
  | 'truncate-from-card';

/** A SlotExchange in front of a FakeT1Card, injecting `faults[i]` on exchange i. */
export function t1Link(card: FakeT1Card, faults: (Fault | undefined)[] | ((index: number) => Fault | undefined) = []): FakeExchange {
  const faultAt = typeof faults === 'function' ? faults : (index: number) => faults[index];
  return new FakeExchange((data: Uint8Array, _options: XfrOptions, index: number): XfrResult | Error => {
    const fault = faultAt(index);
    const mute = () => new SlotError('CCID_ERR_CARD_MUTE', 'ICC_MUTE', 'card mute', { bError: 0xfe });
    if (fault === 'lose-to-card') return mute();
    const incoming = data.slice();
    if (fault === 'corrupt-to-card') incoming[Math.min(1, incoming.length - 1)]! ^= 0x04;
    const answer = card.handle(incoming).slice();
    if (fault === 'lose-from-card') return mute();
    if (fault === 'parity-from-card') return new SlotError('CCID_ERR_SLOT', 'XFR_PARITY_ERROR', 'parity error', { bError: 0xfd });
    if (fault === 'corrupt-from-card') answer[answer.length - 1]! ^= 0x21;
    if (fault === 'truncate-from-card') return { data: answer.subarray(0, answer.length - 1), bChainParameter: 0 };
    return { data: answer, bChainParameter: 0 };
  });
}
