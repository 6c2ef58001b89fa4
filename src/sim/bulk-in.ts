/**
 * The reader side of bulk-IN: cuts each RDR_to_PC message into USB transfers (per the
 * `bulkInSplit` option and wMaxPacketSize) and applies the response faults (wrong bSeq,
 * duplicate, truncated, split, stall, unplug) to final answers.
 */
import type { InEndpoint } from './endpoint.ts';
import type { FaultInjector, FaultSpec } from './faults.ts';
import { RESPONSE_FAULTS } from './faults.ts';
import type { ReaderStats, ResolvedOptions } from './options.ts';

/** What the writer needs from its reader. @internal */
export interface BulkInHost {
  readonly options: ResolvedOptions;
  readonly stats: ReaderStats;
  readonly faults: FaultInjector;
  unplug(): void;
}

/** Queues messages on one bulk-IN endpoint. */
export class BulkInWriter {
  private dead = false;

  constructor(
    private readonly ep: InEndpoint | undefined,
    private readonly packetSize: number,
    private readonly host: BulkInHost,
  ) {}

  /** Stops queuing (unplug). */
  shutdown(): void {
    this.dead = true;
  }

  /** Queues a message, cut into transfers per the split option. */
  push(frame: Uint8Array): void {
    const ep = this.ep;
    if (ep === undefined || this.dead) return;
    this.host.stats.bytesIn += frame.length;
    const mps = this.packetSize;
    const split = this.host.options.bulkInSplit;
    if (split === 'whole' || frame.length <= mps) {
      ep.push(frame);
    } else if (split === 'packets') {
      for (let o = 0; o < frame.length; o += mps) ep.push(frame.subarray(o, o + mps));
    } else {
      const head = frame.length % mps === 0 ? frame.length - mps : frame.length - (frame.length % mps);
      ep.push(frame.subarray(0, head));
      ep.push(frame.subarray(head));
    }
  }

  /** Queues a final answer, through the response faults armed for `slot`. */
  pushFinal(frame: Uint8Array, slot: number, bSeq: number): void {
    const faults = this.host.faults;
    const spec = faults.idle ? undefined : faults.check(RESPONSE_FAULTS, slot, bSeq);
    if (spec === undefined) {
      this.push(frame);
      return;
    }
    this.host.stats.faults++;
    this.applyFault(spec, frame);
  }

  private applyFault(spec: FaultSpec, frame: Uint8Array): void {
    const random = this.host.faults.random;
    switch (spec.kind) {
      case 'wrong-bseq':
        frame[6] = spec.bSeq ?? (frame[6]! + 1) & 0xff;
        this.push(frame);
        break;
      case 'duplicate-frame':
        this.push(frame);
        this.push(frame.slice());
        break;
      case 'truncate-frame':
        if (!this.dead) this.ep?.push(frame.subarray(0, Math.max(1, Math.min(frame.length - 1, spec.keepBytes ?? random.int(1, frame.length - 1)))));
        break;
      case 'split-frame': {
        if (this.dead) break;
        const cuts = spec.cuts ?? Array.from({ length: random.int(1, 4) }, () => random.int(0, frame.length));
        const sorted = cuts.map((c) => Math.max(0, Math.min(frame.length, c))).sort((a, b) => a - b);
        let prev = 0;
        for (const c of [...sorted, frame.length]) {
          this.ep?.push(frame.subarray(prev, c));
          prev = c;
        }
        break;
      }
      case 'stall-bulk-in':
        this.ep?.halt();
        this.push(frame);
        break;
      case 'unplug-mid-transfer':
        this.host.unplug();
        break;
      default:
        this.push(frame);
    }
  }
}
