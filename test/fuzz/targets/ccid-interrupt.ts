/**
 * Target `ccid-interrupt`: the interrupt-IN decoders (`decodeInterrupt`,
 * `decodeInterruptTransfer`, `forEachChangedSlot`, `slotChangeBits`) on encoded
 * notifications for 1 to 256 slots, hardware errors, their concatenations, edits of them and
 * random bytes.
 *
 * Properties: only `FrameError`; a decoded transfer is split into messages whose raw bytes
 * concatenate to the input; `forEachChangedSlot` visits only slots below the slot count, in
 * order, and exactly those whose changed bit `slotChangeBits` reports; and
 * encodeNotifySlotChange → decode gives every slot's bits back (the round trip), as does
 * encodeHardwareError.
 */
import fc from 'fast-check';
import { FrameError } from '../../../src/errors.ts';
import {
  decodeInterrupt,
  decodeInterruptTransfer,
  encodeHardwareError,
  encodeNotifySlotChange,
  forEachChangedSlot,
  slotChangeBits,
  type SlotChangeBits,
} from '../../../src/ccid/interrupt.ts';
import { describeMessage } from '../../../src/ccid/describe.ts';
import type { InterruptMessage } from '../../../src/ccid/messages.ts';
import { attempt, hex, holds, never, same, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import type { Prng } from '../prng.ts';

/** One interrupt transfer, and the messages it was built from when it was built. */
export interface InterruptInput {
  slotCount: number;
  bytes: Uint8Array;
  /** The notification bits encoded first in `bytes`, when `bytes` starts with one. */
  bits?: SlotChangeBits[] | undefined;
  /** The hardware error that follows, when one does. */
  hardware?: [number, number, number] | undefined;
}

function checkMessage(m: InterruptMessage, slotCount: number | undefined): void {
  never('describeMessage', () => describeMessage(m));
  if (m.kind !== 'RDR_to_PC_NotifySlotChange') return;
  holds(m.slotCount <= m.slotIccState.length * 4, `slotCount ${m.slotCount} above what ${m.slotIccState.length} bitmap bytes hold`);
  if (slotCount !== undefined) holds(m.slotCount <= slotCount, 'slotCount above the reader slot count');
  let last = -1;
  const visited: number[] = [];
  never('forEachChangedSlot', () =>
    forEachChangedSlot(m, (slot, present) => {
      holds(slot > last && slot < m.slotCount, `visited slot ${slot} after ${last} (count ${m.slotCount})`);
      const bits = slotChangeBits(m, slot);
      holds(bits !== undefined && bits.changed && bits.present === present, `slot ${slot}: visit disagrees with slotChangeBits`);
      last = slot;
      visited.push(slot);
    }),
  );
  const expected: number[] = [];
  for (let s = 0; s < m.slotCount; s++) if (slotChangeBits(m, s)!.changed) expected.push(s);
  same(visited, expected, 'forEachChangedSlot visits every changed slot');
  holds(slotChangeBits(m, m.slotCount) === undefined && slotChangeBits(m, -1) === undefined, 'bits outside the bitmap');
}

function check(input: InterruptInput): boolean {
  const single = attempt('decodeInterrupt', () => decodeInterrupt(input.bytes), [FrameError]);
  if (!(single instanceof Error)) checkMessage(single, undefined);
  const all = attempt('decodeInterruptTransfer', () => decodeInterruptTransfer(input.bytes, input.slotCount), [FrameError]);
  if (all instanceof Error) {
    holds(input.bits === undefined, `a transfer built by the encoders was refused: ${all.message}`);
    return false;
  }
  holds(hex(Uint8Array.from(all.flatMap((m) => [...m.raw]))) === hex(input.bytes), 'messages do not concatenate to the transfer');
  for (const m of all) checkMessage(m, input.slotCount);
  if (input.bits !== undefined) {
    const first = all[0];
    holds(first?.kind === 'RDR_to_PC_NotifySlotChange', 'the encoded notification did not come first');
    same(
      input.bits.map((_b, s) => slotChangeBits(first, s)),
      input.bits,
      'encodeNotifySlotChange → decode',
    );
  }
  if (input.hardware !== undefined) {
    const hw = all[all.length - 1];
    holds(hw?.kind === 'RDR_to_PC_HardwareError', 'the encoded hardware error did not come last');
    same([hw.slot, hw.seq, hw.hardwareErrorCode], input.hardware, 'encodeHardwareError → decode');
  }
  return true;
}

const bits = fc.tuple(fc.boolean(), fc.boolean()).map(([present, changed]): SlotChangeBits => ({ present, changed }));

function arbitrary(): fc.Arbitrary<InterruptInput> {
  const built = fc
    .record({
      slotCount: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 256 })),
      hardware: fc.option(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)), { nil: undefined }),
    })
    .chain(({ slotCount, hardware }) =>
      fc.array(bits, { minLength: slotCount, maxLength: slotCount }).map((b) => {
        const parts = [encodeNotifySlotChange(b), ...(hardware === undefined ? [] : [encodeHardwareError(...hardware)])];
        return { slotCount, bytes: Uint8Array.from(parts.flatMap((p) => [...p])), bits: b, hardware };
      }),
    );
  const random = fc.record({
    slotCount: fc.integer({ min: 0, max: 300 }),
    bytes: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.tuple(fc.constantFrom(0x50, 0x51), fc.uint8Array({ maxLength: 20 })).map(([t, b]) => Uint8Array.of(t, ...b))),
  });
  return fc.oneof({ weight: 2, arbitrary: built }, { weight: 1, arbitrary: random.map((r) => ({ ...r, bits: undefined, hardware: undefined })) });
}

function mutate(rng: Prng): InterruptInput {
  const slotCount = rng.chance(0.5) ? 1 + rng.int(8) : 1 + rng.int(256);
  const b: SlotChangeBits[] = Array.from({ length: slotCount }, () => ({ present: rng.chance(0.5), changed: rng.chance(0.3) }));
  const parts = [encodeNotifySlotChange(b), encodeHardwareError(rng.int(256), rng.int(256), rng.int(256))];
  const seed = Uint8Array.from((rng.chance(0.5) ? parts : parts.reverse()).flatMap((p) => [...p]));
  const bytes = mutateBytes(seed, rng, { maxLength: 128, dictionary: [Uint8Array.of(0x50), Uint8Array.of(0x51)] });
  return { slotCount: rng.chance(0.8) ? slotCount : rng.int(300), bytes };
}

/** The `ccid-interrupt` target. */
export function ccidInterruptTarget(): FuzzTarget<InterruptInput> {
  return {
    name: 'ccid-interrupt',
    description: 'decodeInterrupt/decodeInterruptTransfer/forEachChangedSlot: only FrameError, messages tile the transfer, visits agree with the bits, encode → decode round trip',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
