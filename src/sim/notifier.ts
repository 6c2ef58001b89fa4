/**
 * The reader side of interrupt-IN: RDR_to_PC_NotifySlotChange on insertion and removal
 * (CCID 1.1 §6.3.1) and RDR_to_PC_HardwareError (§6.3.2). A notification nobody has read
 * yet absorbs later changes (present bits replaced, changed bits accumulated), as the
 * interrupt buffer of a device does: nothing is lost, nothing piles up.
 */
import type { InEndpoint } from './endpoint.ts';
import { hardwareError, mergeNotifySlotChange, notifySlotChange } from './frames.ts';
import type { ReaderStats } from './options.ts';

/** Queues interrupt messages for one CCID function. */
export class SlotChangeNotifier {
  private mergeable: Uint8Array | undefined;
  private dead = false;

  constructor(
    private readonly ep: InEndpoint | undefined,
    private readonly present: () => boolean[],
    private readonly stats: ReaderStats,
  ) {}

  /** Stops queuing (unplug). */
  shutdown(): void {
    this.dead = true;
  }

  /** A change in `slot`. */
  changed(slot: number): void {
    const ep = this.ep;
    if (ep === undefined || this.dead) return;
    const present = this.present();
    const changed = present.map((_, i) => i === slot);
    const message = notifySlotChange(present, changed);
    if (this.mergeable !== undefined && ep.lastQueued() === this.mergeable) {
      mergeNotifySlotChange(this.mergeable, message);
      return;
    }
    this.stats.notifications++;
    this.mergeable = message;
    ep.push(message);
  }

  /** `count` separate messages with every changed bit set (a bouncing contact, a buggy firmware). */
  storm(count: number): void {
    const ep = this.ep;
    if (ep === undefined || this.dead) return;
    const present = this.present();
    const changed = present.map(() => true);
    for (let i = 0; i < count; i++) {
      this.stats.notifications++;
      ep.push(notifySlotChange(present, changed));
    }
    this.mergeable = undefined;
  }

  /** RDR_to_PC_HardwareError with bHardwareErrorCode 0x01 (overcurrent). */
  hardwareError(slot: number, bSeq: number): void {
    const ep = this.ep;
    if (ep === undefined || this.dead) return;
    this.stats.hardwareErrors++;
    this.mergeable = undefined;
    ep.push(hardwareError(slot, bSeq, 0x01));
  }
}
