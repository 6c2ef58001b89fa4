/**
 * Issue 4 "Done when": the hello world end to end, through the public slot API, on every
 * exchange level the driver supports: TPDU T=0 (sysmoOCTSIM), TPDU T=1, short APDU and
 * extended APDU readers. The emulator speaks USB bytes only; the card is its own model.
 */
import { describe, expect, it } from 'vitest';
import { helloWorldCard } from '../../src/sim/index.ts';
import { HELLO, SELECT_HELLO, openEmulated, text } from './helpers.ts';

const CASES = [
  { profile: 'sysmoOCTSIM', card: { protocol: 0 as const }, level: 'tpdu', protocol: 0 },
  { profile: 'tpdu-t1-1slot', card: { protocol: 1 as const }, level: 'tpdu', protocol: 1 },
  { profile: 'short-apdu-1slot', card: {}, level: 'short-apdu', protocol: 0 },
  { profile: 'extended-apdu-1slot', card: {}, level: 'extended-apdu', protocol: 0 },
] as const;

describe('hello world through the slot API', () => {
  for (const c of CASES) {
    it(`${c.profile}: ${c.level}, T=${c.protocol}`, async () => {
      const { reader, sent } = await openEmulated(c.profile, [helloWorldCard(c.card)]);
      try {
        expect(reader.capabilities().exchangeLevel).toBe(c.level);
        const slot = reader.slots[0]!;
        expect(slot.state).toBe('inactive');
        const on = await slot.powerOn();
        expect(on.protocol).toBe(c.protocol);
        expect(on.parsedAtr.errors).toEqual([]);
        expect(slot.state).toBe('active');
        const select = await slot.transmit(SELECT_HELLO);
        expect(select.sw).toBe(0x9000);
        const hello = await slot.transmit(HELLO);
        expect(text(hello.data)).toBe('Hello world!');
        expect(hello.sw).toBe(0x9000);
        expect(hello.raw.length).toBe(hello.data.length + 2);
        // At TPDU level the host built the TPDUs/blocks; at APDU level the APDU went as is.
        const xfr = sent.filter((m) => m.kind === 'PC_to_RDR_XfrBlock');
        if (c.level === 'tpdu' && c.protocol === 1) expect(xfr.some((m) => m.kind === 'PC_to_RDR_XfrBlock' && (m.data[1]! & 0xc0) === 0xc0)).toBe(true); // S(IFS request)
        if (c.level !== 'tpdu') expect(xfr.map((m) => (m.kind === 'PC_to_RDR_XfrBlock' ? m.data.length : -1))).toEqual([SELECT_HELLO.length, HELLO.length]);
        await slot.powerOff();
        expect(slot.session).toBeUndefined();
      } finally {
        await reader.close();
      }
    });
  }
});
