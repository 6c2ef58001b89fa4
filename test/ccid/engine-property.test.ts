/**
 * Property: whatever mix of commands, slots, reader faults and cancellations, every
 * command settles (no hang) with its own answer or a typed CcidError, never another
 * command's answer; the reader never sees two commands on one slot or more than
 * bMaxCCIDBusySlots at once; and every slot works afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcidError } from '../../src/errors.ts';
import * as rdr from '../../src/ccid/encode-reader.ts';
import { PC_to_RDR_Abort } from '../../src/ccid/messages.ts';
import { ScriptedDevice, echoResponse } from '../support/scripted-device.ts';
import { CcidEngine } from '../../src/ccid/engine.ts';
import { FACTS, settle } from './engine-helpers.ts';

type Fault = 'ok' | 'late' | 'te' | 'dup' | 'wrong-seq' | 'silent' | 'split' | 'mute' | 'stale';
const FAULTS: Fault[] = ['ok', 'ok', 'ok', 'late', 'te', 'dup', 'wrong-seq', 'silent', 'split', 'mute', 'stale'];

interface Plan {
  slot: number;
  fault: Fault;
  cancelAfterMs: number | undefined;
  startAfterMs: number;
}

/** A reader that applies one planned fault per command, answers aborts as §5.3.1 says, and checks the host's discipline. */
function chaosReader(faults: Fault[], maxBusy: number) {
  const outstanding = new Map<number, Uint8Array>(); // slot → command being processed
  const violations: string[] = [];
  let next = 0;
  const later = (ms: number, f: () => void) => setTimeout(f, ms);
  const onCommand = (frame: Uint8Array, d: ScriptedDevice) => {
    const slot = frame[5]!;
    const seq = frame[6]!;
    if (frame[0] === PC_to_RDR_Abort) {
      const victim = outstanding.get(slot);
      outstanding.delete(slot);
      later(1, () => {
        if (victim !== undefined) d.reply(rdr.encodeDataBlock(slot, victim[6]!, new Uint8Array(0), { commandStatus: 1, error: 0xff }));
        d.reply(rdr.encodeSlotStatus(slot, seq));
      });
      return;
    }
    if (outstanding.has(slot)) violations.push(`CMD_SLOT_BUSY slot ${slot}`);
    if (outstanding.size + 1 > maxBusy) violations.push(`CMD_SLOT_BUSY: ${outstanding.size + 1} busy > ${maxBusy}`);
    outstanding.set(slot, frame);
    const fault = faults[next++ % faults.length]!;
    const answer = echoResponse(frame);
    const done = (bytes: Uint8Array[]) => {
      if (outstanding.get(slot) !== frame) return; // aborted meanwhile: the abort path answered
      outstanding.delete(slot);
      d.reply(...bytes);
    };
    switch (fault) {
      case 'ok':
        return later(0, () => done([answer]));
      case 'late':
        return later(25, () => done([answer]));
      case 'te':
        later(10, () => outstanding.get(slot) === frame && d.reply(rdr.encodeDataBlock(slot, seq, new Uint8Array(0), { commandStatus: 2, error: 1 })));
        return later(30, () => done([answer]));
      case 'dup':
        return later(2, () => done([answer, answer]));
      case 'wrong-seq': {
        const wrong = answer.slice();
        wrong[6] = (seq + 0x80) & 0xff;
        return later(2, () => done([wrong]));
      }
      case 'silent':
        return; // stays outstanding until the host aborts
      case 'split':
        return later(2, () => done([answer.subarray(0, 3), answer.subarray(3, 11), new Uint8Array(0), answer.subarray(11)]));
      case 'mute':
        return later(2, () => done([rdr.encodeDataBlock(slot, seq, new Uint8Array(0), { iccStatus: 1, commandStatus: 1, error: 0xfe })]));
      case 'stale':
        // Answer, then the same answer again much later (after other commands went out).
        return later(2, () => {
          done([answer]);
          later(20, () => d.reply(answer));
        });
    }
  };
  return { onCommand, violations };
}

describe('engine property (scripted chaos reader)', () => {
  it('random commands × slots × faults × cancellations: no hang, no misdelivery, typed errors only, slots usable after', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((slots) =>
          fc.tuple(
            fc.constant(slots),
            fc.integer({ min: 1, max: slots }),
            fc.array(
              fc.record({
                slot: fc.integer({ min: 0, max: slots - 1 }),
                fault: fc.constantFrom(...FAULTS),
                cancelAfterMs: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
                startAfterMs: fc.integer({ min: 0, max: 20 }),
              }),
              { minLength: 1, maxLength: 14 },
            ),
          ),
        ),
        async ([slots, busy, plans]: [number, number, Plan[]]) => {
          const reader = chaosReader(
            plans.map((p) => p.fault),
            busy,
          );
          const device = new ScriptedDevice({ onCommand: reader.onCommand });
          const engine = new CcidEngine(device, { ...FACTS, slotCount: slots, maxBusySlots: busy }, { minTimeoutMs: 30, abortWaitMs: 40, probeSlotsOnOpen: false });
          await engine.open();
          try {
            const runs = plans.map(async (plan, i) => {
              await new Promise((r) => setTimeout(r, plan.startAfterMs));
              const payload = Uint8Array.of(plan.slot, i, 0x5a);
              const ctl = new AbortController();
              if (plan.cancelAfterMs !== undefined) setTimeout(() => ctl.abort(), plan.cancelAfterMs);
              const r = await settle(engine.slot(plan.slot).xfrBlock(payload, { signal: ctl.signal }));
              return { r, payload };
            });
            const bounded = Promise.race([Promise.all(runs), new Promise<'hang'>((r) => setTimeout(() => r('hang'), 5000))]);
            const results = await bounded;
            expect(results).not.toBe('hang');
            if (results === 'hang') return;
            for (const { r, payload } of results) {
              if (r.ok) expect(Array.from(r.value.data)).toEqual(Array.from(payload));
              else {
                expect(r.error).toBeInstanceOf(CcidError);
                expect(['CCID_ERR_TIMEOUT', 'CCID_ERR_CANCELLED', 'CCID_ERR_CARD_MUTE']).toContain((r.error as CcidError).code);
              }
            }
            expect(reader.violations).toEqual([]);
            expect(device.maxWritesInFlight).toBeLessThanOrEqual(1);
            // Every slot works afterwards, with a well-behaved reader.
            await new Promise((r) => setTimeout(r, 60));
            device.onCommand = (f, d) => d.reply(echoResponse(f));
            for (let s = 0; s < slots; s++) {
              const payload = Uint8Array.of(0xee, s);
              expect(Array.from((await engine.slot(s).xfrBlock(payload, { timeoutMs: 2000 })).data)).toEqual(Array.from(payload));
            }
          } finally {
            await engine.destroy();
          }
        },
      ),
      { numRuns: Number(process.env['ENGINE_PROP_RUNS'] ?? 30) },
    );
  }, 120_000);
});
