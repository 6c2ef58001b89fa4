/**
 * Read timeouts of real ATRs (pcsc-tools' list), computed by hand from ISO/IEC 7816-3
 * (WWT, BWT, CWT, GT at the Fi/Di in force and the reader's clock), and checked to be the
 * deadline the engine gets for every exchange (XfrOptions.timeoutMs).
 *
 * Formulas (src/iso7816/timeouts.ts, after libccid's T0/T1_card_timeout, floor 3 s):
 * - etu = Fi / (Di · f); GT = 12 etu + (Fi/Di) · N / f;
 * - T=0: max(261 GT + 3 WWT, 5 GT + 259 WWT) + 1000 ms, WWT = 960 · WI · Fi / f;
 * - T=1: 259 GT + BWT + 259 CWT + 1000 ms, BWT = 11 etu + 2^BWI · 960 · 372 / f, CWT = (11 + 2^CWI) etu.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CcidSlot } from '../../src/ccid/slot.ts';
import { fromHex } from '../../src/util/hex.ts';
import { helloWorldCard } from '../../src/sim/index.ts';
import { SELECT_HELLO, openEmulated } from './helpers.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const CASES = [
  {
    what: 'USIM, T=0, TA1 96 (Fi 512, Di 32), sysmoOCTSIM at 2.5 MHz',
    atr: '3B 9F 96 80 1F C7 80 31 E0 73 F6 21 13 67 4D 45 16 00 43 01 00 8C',
    profile: 'sysmoOCTSIM',
    card: { protocol: 0 as const, fi: 512, di: 32 },
    protocol: 0,
    fiDi: [512, 32],
    // etu = 512 / (32 · 2500) = 0.0064 ms; GT = 0.0768 ms; WWT = 960 · 10 · 512 / 2500 = 1966.08 ms;
    // ISO-out = 5 · 0.0768 + 259 · 1966.08 = 509215.104 ms (> ISO-in 5918.28); + 1000 → 510216.
    timeoutMs: 510216,
  },
  {
    what: 'T=0/T=1 card (TD2 = 01: BWI 4, CWI 13), T=1 chosen, tpdu-t1-1slot at 4 MHz',
    atr: '3B 8E 80 01 80 31 80 66 B0 84 0C 01 6E 01 83 00 90 00 1D',
    profile: 'tpdu-t1-1slot',
    card: { protocol: 'both' as const, fi: 372, di: 1 },
    preferred: 1 as const,
    protocol: 1,
    fiDi: [372, 1],
    // etu = 372 / 4000 = 0.093 ms; GT = 1.116 ms; BWT = 11 · 0.093 + 16 · 960 · 372 / 4000 = 1429.503 ms;
    // CWT = 8203 · 0.093 = 762.879 ms; 259 · 1.116 + 1429.503 + 259 · 762.879 = 199304.208; + 1000 → 200305.
    timeoutMs: 200305,
  },
  {
    what: 'JCOP, T=1 only, TA1 13 (Fi 372, Di 4), TB3 45 (BWI 4, CWI 5), tpdu-t1-1slot at 4 MHz',
    atr: '3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7',
    profile: 'tpdu-t1-1slot',
    card: { protocol: 1 as const, fi: 372, di: 4 },
    protocol: 1,
    fiDi: [372, 4],
    // etu = 372 / 16000 = 0.02325 ms; GT = 0.279 ms; BWT = 0.25575 + 1428.48 = 1428.73575 ms; CWT = 43 · 0.02325 = 0.99975 ms;
    // 259 · 0.279 + 1428.73575 + 259 · 0.99975 = 1759.932 ms; + 1000 = 2759.932 → the 3 s floor.
    timeoutMs: 3000,
  },
] as const;

describe('read timeouts of real ATRs become the engine deadlines', () => {
  for (const c of CASES) {
    it(c.what, async () => {
      const { reader } = await openEmulated(c.profile, [helloWorldCard({ ...c.card, atr: fromHex(c.atr) })]);
      try {
        const slot = reader.slots[0]!;
        const on = await slot.powerOn('preferred' in c ? { protocol: c.preferred } : {});
        expect(on.protocol).toBe(c.protocol);
        expect([on.fi, on.di]).toEqual(c.fiDi);
        expect(on.readTimeoutMs).toBe(c.timeoutMs);
        const spy = vi.spyOn(CcidSlot.prototype, 'xfrBlock');
        expect((await slot.transmit(SELECT_HELLO)).sw).toBe(0x9000);
        expect(spy).toHaveBeenCalled();
        for (const call of spy.mock.calls) expect(call[1]?.timeoutMs).toBe(c.timeoutMs);
      } finally {
        await reader.close();
      }
    });
  }
});
