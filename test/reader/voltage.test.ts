/**
 * Class selection (ISO/IEC 7816-3 §6.2.4) through the slot API: automatic when the reader
 * says so (dwFeatures 0x08), otherwise 5 V → 3 V → 1.8 V from bVoltageSupport, moving on
 * when the card is mute, and honouring the card's class indicator (first TA after T=15).
 */
import { describe, expect, it } from 'vitest';
import { NotSupportedError, SlotError } from '../../src/errors.ts';
import { buildAtr, DEFAULT_HISTORICAL_BYTES, helloWorldCard, synthesizeFixture } from '../../src/sim/index.ts';
import { HELLO, SELECT_HELLO, openEmulated, text } from './helpers.ts';

/** bPowerSelect of each PC_to_RDR_IccPowerOn sent: 0 automatic, 1 = 5 V, 2 = 3 V, 3 = 1.8 V (CCID 1.1 §6.1.1). */
function powerSelects(sent: readonly { kind: string; powerSelect?: number }[]): number[] {
  return sent.filter((m) => m.kind === 'PC_to_RDR_IccPowerOn').map((m) => m.powerSelect ?? -1);
}

describe('voltage selection', () => {
  it('falls back to 3 V on a reader without automatic voltage when the card is mute at 5 V', async () => {
    // sysmoOCTSIM: dwFeatures 0x000100B0 (no 0x08), bVoltageSupport 0x07.
    const { reader, sent } = await openEmulated('sysmoOCTSIM', [helloWorldCard({ protocol: 0, voltages: [3] })]);
    try {
      expect(reader.capabilities().automaticVoltage).toBe(false);
      const on = await reader.slots[0]!.powerOn();
      expect(on.voltage).toBe(3);
      expect(powerSelects(sent)).toEqual([1, 2]);
      expect(on.warnings[0]).toMatch(/^5 V: ICC_MUTE/);
      expect((await reader.slots[0]!.transmit(SELECT_HELLO)).sw).toBe(0x9000);
      expect(text((await reader.slots[0]!.transmit(HELLO)).data)).toBe('Hello world!');
    } finally {
      await reader.close();
    }
  });

  it('goes down to 1.8 V, and fails with CCID_ERR_CARD_MUTE when no voltage works', async () => {
    const low = await openEmulated('sysmoOCTSIM', [helloWorldCard({ protocol: 0, voltages: [1.8] }), helloWorldCard({ protocol: 0, voltages: [1.8], mute: true })]);
    try {
      expect((await low.reader.slots[0]!.powerOn()).voltage).toBe(1.8);
      const error = await low.reader.slots[1]!.powerOn().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SlotError);
      expect((error as SlotError).code).toBe('CCID_ERR_CARD_MUTE');
      expect(powerSelects(low.sent)).toEqual([1, 2, 3, 1, 2, 3]);
    } finally {
      await low.reader.close();
    }
  });

  it('re-activates at the class the card indicator names (T=15 TA: class B only)', async () => {
    const atr = buildAtr({ protocols: [0], n: 0, specificMode: false, ifsc: 32, bwi: 4, cwi: 5, edc: 'lrc', classes: [3], clockStop: 'none', historicalBytes: DEFAULT_HISTORICAL_BYTES });
    // The card answers at any voltage, but its ATR says class B (3 V).
    const { reader, sent } = await openEmulated('sysmoOCTSIM', [helloWorldCard({ protocol: 0, voltages: [5, 3, 1.8], atr })]);
    try {
      const on = await reader.slots[0]!.powerOn();
      expect(on.parsedAtr.t15.classes).toEqual(['B']);
      expect(on.voltage).toBe(3);
      expect(powerSelects(sent)).toEqual([1, 2]);
      expect(sent.filter((m) => m.kind === 'PC_to_RDR_IccPowerOff').length).toBeGreaterThanOrEqual(1);
      expect(on.warnings.join('\n')).toMatch(/class indicator accepts class B/);
    } finally {
      await reader.close();
    }
  });

  it('lets the reader choose when dwFeatures has automatic voltage selection (0x08)', async () => {
    const { reader, sent } = await openEmulated('tpdu-t1-1slot', [helloWorldCard({ protocol: 1, voltages: [1.8] })]);
    try {
      expect(reader.capabilities().automaticVoltage).toBe(true);
      const on = await reader.slots[0]!.powerOn();
      expect(on.voltage).toBe('auto');
      expect(powerSelects(sent)).toEqual([0]);
    } finally {
      await reader.close();
    }
  });

  it('uses an explicit voltage, and refuses one the reader cannot supply', async () => {
    const { reader, sent, emulated } = await openEmulated('sysmoOCTSIM', [helloWorldCard({ protocol: 0 })]);
    try {
      const on = await reader.slots[0]!.powerOn({ voltage: 1.8 });
      expect(on.voltage).toBe(1.8);
      expect(powerSelects(sent)).toEqual([3]);
      // A warm reset keeps the voltage and does not power off first.
      const offs = sent.filter((m) => m.kind === 'PC_to_RDR_IccPowerOff').length;
      const warm = await reader.slots[0]!.powerOn({ warm: true });
      expect(warm.voltage).toBe(1.8);
      expect(powerSelects(sent)).toEqual([3, 3]);
      expect(sent.filter((m) => m.kind === 'PC_to_RDR_IccPowerOff').length).toBe(offs);
      expect(emulated.slots[0]!.state).toBe('active');
    } finally {
      await reader.close();
    }
    const fiveOnly = synthesizeFixture({ name: '5v-only', slots: 1, level: 'tpdu', features: 0x30, voltages: 0x01, productId: 0xcc11 });
    const limited = await openEmulated(fiveOnly, [helloWorldCard({ protocol: 1 })]);
    try {
      expect(limited.reader.capabilities().voltages).toEqual([5]);
      const error = await limited.reader.slots[0]!.powerOn({ voltage: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotSupportedError);
      expect(powerSelects(limited.sent)).toEqual([]);
    } finally {
      await limited.reader.close();
    }
  });
});
