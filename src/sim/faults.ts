/**
 * Fault injection for the emulated reader. A test arms a fault (`reader.faults.add(...)`)
 * for one slot or the whole reader, to fire once, every N opportunities, or with a
 * probability drawn from a seeded generator (so a failing run replays). Each fault kind
 * has its own kind of opportunity:
 *
 * | kind | opportunity | effect |
 * |---|---|---|
 * | `wrong-bseq` | a final bulk response | sent with another bSeq (the right one never comes) |
 * | `duplicate-frame` | a final bulk response | sent twice |
 * | `stale-frame` | the answer to PC_to_RDR_Abort | followed by the aborted command's late answer (or the slot's previous answer) |
 * | `truncate-frame` | a final bulk response | cut short (`keepBytes`, else a random length) |
 * | `split-frame` | a final bulk response | delivered in several transfers cut at odd places, zero-length ones included |
 * | `stall-bulk-in` | a final bulk response | bulk-IN halts (status `stall`) until `clearHalt`; the response then comes |
 * | `unplug-mid-transfer` | a final bulk response | the device is unplugged instead |
 * | `mute-card` | a card exchange (power on, XfrBlock, Secure) | the card does not answer: ICC_MUTE after the waiting time |
 * | `endless-time-extension` | a card exchange | time extensions forever, no answer (until Abort) |
 * | `card-removed-mid-command` | a card exchange | the card leaves half-way: ICC absent + NotifySlotChange |
 * | `hardware-error` | a card exchange | HW_ERROR answer and an interrupt HardwareError message |
 * | `notification-storm` | any bulk command | `count` NotifySlotChange messages with the changed bits set |
 * | `t1-corrupt` | a T=1 block to or from the card (TPDU level) | bits flipped, or `corrupt(block, direction)` |
 */
import { ArgumentError } from '../errors.ts';
import { SeededRandom } from './prng.ts';

/** Every fault kind; see the module documentation for what each does. */
export const FAULT_KINDS = [
  'wrong-bseq',
  'duplicate-frame',
  'stale-frame',
  'truncate-frame',
  'split-frame',
  'stall-bulk-in',
  'unplug-mid-transfer',
  'mute-card',
  'endless-time-extension',
  'card-removed-mid-command',
  'hardware-error',
  'notification-storm',
  't1-corrupt',
] as const;

/** One fault kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** When an armed fault fires, counted over its own opportunities. */
export type FaultTrigger =
  /** The first opportunity only (default). */
  | 'once'
  /** Every opportunity. */
  | 'always'
  /** Every `every`-th opportunity (the `every`-th, 2·`every`-th...). */
  | { readonly every: number }
  /** Each opportunity with probability `probability`, from the reader's seeded generator. */
  | { readonly probability: number };

/** Direction of a T=1 block, for `t1-corrupt`. */
export type BlockDirection = 'to-card' | 'from-card';

/** A fault to arm. */
export interface FaultSpec {
  /** What goes wrong. */
  readonly kind: FaultKind;
  /** Only this slot (bSlot); every slot of the reader when absent. */
  readonly slot?: number | undefined;
  /** When it fires. @default 'once' */
  readonly trigger?: FaultTrigger | undefined;
  /** Opportunities to let pass before the trigger starts counting. @default 0 */
  readonly skip?: number | undefined;
  /** `truncate-frame`: bytes to keep (else random in 1..length-1). */
  readonly keepBytes?: number | undefined;
  /** `split-frame`: cut positions (else 1 to 4 random cuts, some zero-length pieces). */
  readonly cuts?: readonly number[] | undefined;
  /** `notification-storm`: how many messages. @default 50 */
  readonly count?: number | undefined;
  /** `t1-corrupt`: which way. @default 'from-card' */
  readonly direction?: BlockDirection | 'both' | undefined;
  /** `t1-corrupt`: custom corruption; default flips one random bit. */
  readonly corrupt?: ((block: Uint8Array, direction: BlockDirection) => Uint8Array) | undefined;
  /** `wrong-bseq`: the bSeq to send instead; default the right one + 1. */
  readonly bSeq?: number | undefined;
}

/** An armed fault. */
export interface ArmedFault {
  /** What was armed. */
  readonly spec: FaultSpec;
  /** How many times it fired so far. */
  readonly fired: number;
  /** Disarms it. */
  remove(): void;
}

/** A record of one firing, in `faults.log`. */
export interface FaultEvent {
  /** The kind that fired. */
  readonly kind: FaultKind;
  /** The slot concerned. */
  readonly slot: number;
  /** bSeq of the command concerned, when there is one. */
  readonly bSeq?: number | undefined;
}

class Armed implements ArmedFault {
  fired = 0;
  seen = 0;
  active = true;
  constructor(
    readonly spec: FaultSpec,
    private readonly owner: FaultInjector,
  ) {}
  remove(): void {
    this.active = false;
    this.owner.drop(this);
  }
}

/** The fault table of one reader. */
export class FaultInjector {
  private armed: Armed[] = [];
  /** Seeded generator used by triggers and random cuts. */
  readonly random: SeededRandom;
  /** Every firing, in order (bounded to the last 10 000). */
  readonly log: FaultEvent[] = [];
  /** Total firings. */
  fired = 0;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  /**
   * Arms a fault.
   * @throws {ArgumentError} on an unknown kind or a bad trigger.
   */
  add(spec: FaultSpec): ArmedFault {
    if (!(FAULT_KINDS as readonly string[]).includes(spec.kind)) throw new ArgumentError(`unknown fault kind "${spec.kind}"`);
    const t = spec.trigger;
    if (typeof t === 'object' && 'every' in t && !(Number.isInteger(t.every) && t.every >= 1)) throw new ArgumentError('trigger.every must be an integer ≥ 1');
    if (typeof t === 'object' && 'probability' in t && !(t.probability >= 0 && t.probability <= 1)) throw new ArgumentError('trigger.probability must be in [0, 1]');
    const armed = new Armed(spec, this);
    this.armed.push(armed);
    return armed;
  }

  /** Disarms every fault (the log stays). */
  clear(): void {
    for (const a of this.armed) a.active = false;
    this.armed = [];
  }

  /** True when no fault is armed (the fast path checks this first). */
  get idle(): boolean {
    return this.armed.length === 0;
  }

  /** @internal */
  drop(a: Armed): void {
    this.armed = this.armed.filter((x) => x !== a);
  }

  /**
   * Called at an opportunity for `kinds` on `slot`: returns the spec of the first armed
   * fault of those kinds that fires, or undefined. Every matching fault (same slot,
   * accepted by `accept`) counts the opportunity.
   * @internal
   */
  check(kinds: readonly FaultKind[], slot: number, bSeq?: number, accept?: (spec: FaultSpec) => boolean): FaultSpec | undefined {
    if (this.armed.length === 0) return undefined;
    let hit: Armed | undefined;
    for (const a of this.armed) {
      if (!a.active || !kinds.includes(a.spec.kind)) continue;
      if (a.spec.slot !== undefined && a.spec.slot !== slot) continue;
      if (accept !== undefined && !accept(a.spec)) continue;
      a.seen++;
      if (hit !== undefined) continue;
      if (a.seen <= (a.spec.skip ?? 0)) continue;
      const n = a.seen - (a.spec.skip ?? 0);
      const t = a.spec.trigger ?? 'once';
      let fire: boolean;
      if (t === 'once') fire = a.fired === 0;
      else if (t === 'always') fire = true;
      else if ('every' in t) fire = n % t.every === 0;
      else fire = this.random.next() < t.probability;
      if (fire) hit = a;
    }
    if (hit === undefined) return undefined;
    hit.fired++;
    this.fired++;
    if ((hit.spec.trigger ?? 'once') === 'once') hit.remove();
    if (this.log.length >= 10000) this.log.shift();
    this.log.push({ kind: hit.spec.kind, slot, bSeq });
    return hit.spec;
  }
}

/** Fault kinds checked on each final bulk response. */
export const RESPONSE_FAULTS: readonly FaultKind[] = ['wrong-bseq', 'duplicate-frame', 'truncate-frame', 'split-frame', 'stall-bulk-in', 'unplug-mid-transfer'];
/** Fault kinds checked on each card exchange. */
export const CARD_FAULTS: readonly FaultKind[] = ['mute-card', 'endless-time-extension', 'card-removed-mid-command', 'hardware-error'];
/** Fault kinds checked on each PC_to_RDR_Abort answer. */
export const ABORT_FAULTS: readonly FaultKind[] = ['stale-frame'];
/** Fault kinds checked on each bulk command. */
export const COMMAND_FAULTS: readonly FaultKind[] = ['notification-storm'];
/** Fault kinds checked on each T=1 block. */
export const BLOCK_FAULTS: readonly FaultKind[] = ['t1-corrupt'];
