/**
 * Issue 4 "Done when": PPS on a TPDU reader without automatic PPS raises the speed, and
 * the emulated card's time per APDU drops accordingly (the emulator charges every
 * character 12 etu at T=0, 1 etu = Fi / (Di · f), ISO/IEC 7816-3 §7.1).
 *
 * The reader is synthetic: TPDU level, dwFeatures 0x00010030 (automatic clock and baud
 * rate change only: neither 0x40 automatic negotiation nor 0x80 automatic PPS), so the
 * host must send the PPS request itself in an XfrBlock, as libccid's PPS_Exchange does.
 */
import { describe, expect, it } from 'vitest';
import { charactersMs, helloWorldCard, synthesizeFixture, type SimCard } from '../../src/sim/index.ts';
import type { Slot } from '../../src/reader/index.ts';
import { openEmulated } from './helpers.ts';

const NO_AUTO_PPS = synthesizeFixture({ name: 'tpdu-no-auto-pps', slots: 1, level: 'tpdu', protocols: 1, features: 0x30, productId: 0xcc10 });
/** GET DATA (test-commands applet), 255 bytes: P1P2 = 00FF, Le = FF. */
const GET_255 = Uint8Array.of(0x00, 0xca, 0x00, 0xff, 0xff);
/** Characters on the wire for GET_255 at T=0: 5 header bytes, procedure byte, 255 data bytes, SW1 SW2. */
const CHARACTERS = 5 + 1 + 255 + 2;
const CLOCK_HZ = 4_000_000;

/** Card: TA1 = 0x14 (Fi 372, Di 8), no processing time, so an APDU's time is its characters' time. */
function card(): SimCard {
  return helloWorldCard({ protocol: 0, fi: 372, di: 8, processingMs: 0 });
}

/** The fastest of `count` APDUs: scheduling noise from other work on the machine only ever adds time. */
async function msPerApdu(slot: Slot, count: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const r = await slot.transmit(GET_255);
    best = Math.min(best, performance.now() - start);
    expect(r.sw).toBe(0x9000);
    expect(r.data.length).toBe(255);
  }
  return best;
}

describe('PPS by the host on a TPDU reader without automatic PPS', () => {
  it('sends PPS in an XfrBlock, then SetParameters with the new Fi/Di', async () => {
    const { reader, sent, emulated } = await openEmulated(NO_AUTO_PPS, [card()]);
    try {
      const on = await reader.slots[0]!.powerOn();
      expect(on.ppsMode).toBe('host-pps');
      expect(on.ppsDone).toBe(true);
      expect([on.fi, on.di]).toEqual([372, 8]);
      expect(on.rateBps).toBe(Math.round((4000 * 1000 * 8) / 372));
      const kinds = sent.map((m) => m.kind);
      const pps = sent.find((m) => m.kind === 'PC_to_RDR_XfrBlock');
      // ISO/IEC 7816-3 §9.2: PPSS FF, PPS0 10 (PPS1 follows, T=0), PPS1 14, PCK FF^10^14 = FB.
      expect(pps?.kind === 'PC_to_RDR_XfrBlock' ? [...pps.data] : []).toEqual([0xff, 0x10, 0x14, 0xfb]);
      const setParameters = sent.find((m) => m.kind === 'PC_to_RDR_SetParameters');
      expect(setParameters?.kind === 'PC_to_RDR_SetParameters' ? setParameters.parameters : undefined).toMatchObject({ protocol: 0, findexDindex: 0x14 });
      expect(kinds.indexOf('PC_to_RDR_XfrBlock')).toBeLessThan(kinds.indexOf('PC_to_RDR_SetParameters'));
      expect(emulated.slots[0]!.link).toMatchObject({ fi: 372, di: 8 });
    } finally {
      await reader.close();
    }
  });

  it('keeps Fd/Dd when the card answers the PPS without PPS1', async () => {
    const { reader } = await openEmulated(NO_AUTO_PPS, [helloWorldCard({ protocol: 0, fi: 372, di: 8, pps: 'reject' })]);
    try {
      const on = await reader.slots[0]!.powerOn();
      expect(on.ppsDone).toBe(false);
      expect([on.fi, on.di]).toEqual([372, 1]);
      expect(on.warnings.join('\n')).toMatch(/keeps Fd\/Dd/);
      expect((await reader.slots[0]!.transmit(GET_255)).sw).toBe(0x9000);
    } finally {
      await reader.close();
    }
  });

  it('re-activates the card and continues at Fd/Dd when the card does not answer the PPS', async () => {
    const { reader, sent } = await openEmulated(NO_AUTO_PPS, [helloWorldCard({ protocol: 0, fi: 372, di: 8, pps: 'mute' })]);
    try {
      const on = await reader.slots[0]!.powerOn();
      expect(on.ppsDone).toBe(false);
      expect([on.fi, on.di]).toEqual([372, 1]);
      expect(on.warnings.join('\n')).toMatch(/PPS FF 10 14 FB failed.*card reset/);
      // §9.3: after a failed PPS the interface device deactivates the card and activates it again.
      expect(sent.filter((m) => m.kind === 'PC_to_RDR_IccPowerOn').length).toBe(2);
      expect(sent.filter((m) => m.kind === 'PC_to_RDR_SetParameters').map((m) => (m.kind === 'PC_to_RDR_SetParameters' ? m.parameters?.findexDindex : -1))).toEqual([0x11]);
      expect((await reader.slots[0]!.transmit(GET_255)).sw).toBe(0x9000);
    } finally {
      await reader.close();
    }
  });

  it('makes the card time per APDU drop by the Fi/Di ratio (372/1 → 372/8)', async () => {
    const slow = await openEmulated(NO_AUTO_PPS, [card()], { timeScale: 1 });
    const fast = await openEmulated(NO_AUTO_PPS, [card()], { timeScale: 1 });
    try {
      const a = await slow.reader.slots[0]!.powerOn({ pps: false });
      const b = await fast.reader.slots[0]!.powerOn();
      expect(a.ppsDone).toBe(false);
      expect(b.ppsDone).toBe(true);
      const slowMs = await msPerApdu(slow.reader.slots[0]!, 3);
      const fastMs = await msPerApdu(fast.reader.slots[0]!, 8);
      const expectedSlow = charactersMs(CHARACTERS, { clockHz: CLOCK_HZ, fi: 372, di: 1, protocol: 0 });
      const expectedFast = charactersMs(CHARACTERS, { clockHz: CLOCK_HZ, fi: 372, di: 8, protocol: 0 });
      // The wire time dominates: each measure is its character time plus a few ms of host and timer overhead.
      expect(slowMs).toBeGreaterThanOrEqual(expectedSlow - 2); // timers round to whole ms
      expect(slowMs).toBeLessThan(expectedSlow + 25);
      expect(fastMs).toBeGreaterThanOrEqual(expectedFast - 2);
      expect(fastMs).toBeLessThan(expectedFast + 25);
      const ratio = slowMs / fastMs;
      expect(ratio).toBeGreaterThan(8 * 0.6);
      expect(ratio).toBeLessThan(8 * 1.1);
      console.log(`PPS 372/1 → 372/8: ${slowMs.toFixed(1)} ms → ${fastMs.toFixed(1)} ms per APDU (ratio ${ratio.toFixed(2)}, wire-time ratio 8)`);
    } finally {
      await Promise.all([slow.reader.close(), fast.reader.close()]);
    }
  });
});
