/**
 * A minimal virtual card for the emulator's own tests: answers with an ATR, echoes what
 * it receives, and records every call. The rich cards live in src/sim/cards/.
 */
import type { CardAnswer, CardLink, VirtualCard } from '../../src/sim/card.ts';

export interface EchoCardOptions {
  /** ATR; default `3B 02 14 50` (T=0, no interface bytes). */
  atr?: Uint8Array;
  /** Volts the card answers at; default all. */
  voltages?: readonly number[];
  /** Processing time per exchange in ms; default 0. */
  processingMs?: number;
  /** Extra time per exchange (time extensions); default 0. */
  extraMs?: number;
  /** Custom APDU answer; default: the APDU's bytes then 90 00. */
  respond?: (apdu: Uint8Array) => Uint8Array;
  /** Answer PPS requests (echo) or not; default true. */
  pps?: boolean;
}

/** Echo card with a call log. */
export class EchoCard implements VirtualCard {
  readonly label = 'echo';
  readonly log: string[] = [];
  readonly received: Uint8Array[] = [];
  link: CardLink | undefined;
  mute = false;
  processingMs: number;
  constructor(private readonly o: EchoCardOptions = {}) {
    this.processingMs = o.processingMs ?? 0;
  }
  /** Keeps the last 16 inputs (benchmarks send millions). */
  private record(bytes: Uint8Array): void {
    if (this.received.length >= 16) this.received.shift();
    this.received.push(bytes);
  }
  private answer(bytes: Uint8Array): CardAnswer {
    if (this.mute) return { bytes: new Uint8Array(0), processingMs: 0, mute: true };
    return { bytes, processingMs: this.processingMs, extraMs: this.o.extraMs ?? 0 };
  }
  reset(kind: 'cold' | 'warm', voltage: 5 | 3 | 1.8): Uint8Array | undefined {
    this.log.push(`reset ${kind} ${voltage}`);
    if (this.mute) return undefined;
    if (this.o.voltages !== undefined && !this.o.voltages.includes(voltage)) return undefined;
    return this.o.atr ?? Uint8Array.of(0x3b, 0x02, 0x14, 0x50);
  }
  powerOff(): void {
    this.log.push('powerOff');
  }
  pps(request: Uint8Array): Uint8Array | undefined {
    this.log.push(`pps ${Array.from(request, (b) => b.toString(16).padStart(2, '0')).join('')}`);
    return this.o.pps === false ? undefined : request.slice();
  }
  setLink(link: CardLink): void {
    this.link = link;
    this.log.push(`link fi=${link.fi} di=${link.di} f=${link.clockHz} T=${link.protocol}`);
  }
  transmitT0(tpdu: Uint8Array): CardAnswer {
    this.record(tpdu);
    const n = tpdu.length > 5 ? tpdu.length - 5 : tpdu[4] === 0 ? 256 : tpdu[4]!;
    const out = new Uint8Array(n + 2);
    if (tpdu.length > 5) out.set(tpdu.subarray(5));
    else out.fill(0xa5, 0, n);
    out[n] = 0x90;
    return this.answer(out);
  }
  transmitT1(block: Uint8Array): CardAnswer {
    this.record(block);
    const out = block.slice();
    let lrc = 0;
    for (let i = 0; i < out.length - 1; i++) lrc ^= out[i]!;
    out[out.length - 1] = lrc;
    return this.answer(out);
  }
  transmitApdu(apdu: Uint8Array): CardAnswer {
    this.record(apdu);
    if (this.o.respond !== undefined) return this.answer(this.o.respond(apdu));
    const r = new Uint8Array(apdu.length + 2);
    r.set(apdu);
    r[apdu.length] = 0x90;
    return this.answer(r);
  }
}
