/**
 * The device's bSeq space: one counter per device (some readers require bSeq unique per
 * reader, not per slot), a table from bSeq to the command that owns it, and the fate of
 * each released bSeq so a frame that matches nothing can be told apart: a late answer to
 * an aborted command, a duplicate of an answer already delivered, or a plain unknown bSeq.
 *
 * All lookups are O(1) array accesses; allocation skips bSeq values still owned (a
 * command in flight, or an aborted one whose late answer may still come).
 */

/** Fate of a released bSeq. */
export const FATE_NONE = 0;
export const FATE_ANSWERED = 1;
export const FATE_ABORTED = 2;

/** bSeq allocator and owner table. */
export class SequenceTable<T> {
  private next = 0;
  private owned = 0;
  private readonly owners: (T | undefined)[] = new Array<T | undefined>(256).fill(undefined);
  private readonly fates = new Uint8Array(256);
  private readonly fateSlots = new Int16Array(256);

  /** How many bSeq values are owned now. */
  get inUse(): number {
    return this.owned;
  }

  /** Gives the next free bSeq to `owner`, or -1 when all 256 are owned. */
  allocate(owner: T): number {
    for (let i = 0; i < 256; i++) {
      const seq = (this.next + i) & 0xff;
      if (this.owners[seq] === undefined) {
        this.owners[seq] = owner;
        this.fates[seq] = FATE_NONE;
        this.next = (seq + 1) & 0xff;
        this.owned++;
        return seq;
      }
    }
    return -1;
  }

  /** The owner of `seq`, if any. */
  owner(seq: number): T | undefined {
    return this.owners[seq];
  }

  /** Frees `seq`, remembering how its command ended and on which slot. */
  release(seq: number, fate: number, slot: number): void {
    if (this.owners[seq] === undefined) return;
    this.owners[seq] = undefined;
    this.fates[seq] = fate;
    this.fateSlots[seq] = slot;
    this.owned--;
  }

  /** How the last command with `seq` ended, if it was on `slot`; FATE_NONE otherwise. */
  fate(seq: number, slot: number): number {
    return this.fateSlots[seq] === slot ? this.fates[seq]! : FATE_NONE;
  }

  /** Forgets every owner (device gone / destroyed). */
  clear(): void {
    this.owners.fill(undefined);
    this.owned = 0;
  }
}
