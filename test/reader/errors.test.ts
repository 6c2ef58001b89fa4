/**
 * Typed errors at the slot API: card removed, card mute, protocol error, cancelled,
 * reader gone, misuse. Each comes from a fault the emulator injects at its USB face.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, CancelledError, CardProtocolError, ReaderGoneError, SlotError } from '../../src/errors.ts';
import { helloWorldCard } from '../../src/sim/index.ts';
import { HELLO, SELECT_HELLO, openEmulated } from './helpers.ts';

/** WAIT (test-commands applet): 90 00 after P1P2 ms of card time. */
const WAIT_2S = Uint8Array.of(0x80, 0x10, 0x07, 0xd0);

describe('typed errors of the slot API', () => {
  for (const profile of ['sysmoOCTSIM', 'tpdu-t1-1slot', 'short-apdu-1slot'] as const) {
    it(`${profile}: card removed mid-transmit → CardProtocolError CCID_ERR_CARD_REMOVED, then the slot is absent`, async () => {
      const card = helloWorldCard({ protocol: profile === 'tpdu-t1-1slot' ? 1 : 0 });
      const { reader, emulated } = await openEmulated(profile, [card]);
      try {
        const slot = reader.slots[0]!;
        await slot.powerOn();
        emulated.faults.add({ kind: 'card-removed-mid-command', slot: 0 });
        const error = await slot.transmit(SELECT_HELLO).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CardProtocolError);
        expect((error as CardProtocolError).code).toBe('CCID_ERR_CARD_REMOVED');
        expect((error as CardProtocolError).slot).toBe(0);
        expect((error as Error).cause).toBeInstanceOf(SlotError);
        expect(slot.session).toBeUndefined();
        const again = await slot.transmit(HELLO).catch((e: unknown) => e);
        expect((again as CardProtocolError).code).toBe('CCID_ERR_CARD_REMOVED');
        expect((await slot.status()).card).toBe('absent');
        expect(slot.state).toBe('absent');
      } finally {
        await reader.close();
      }
    });
  }

  it('a mute card during transmit → SlotError CCID_ERR_CARD_MUTE (T=0)', async () => {
    const { reader, emulated } = await openEmulated('sysmoOCTSIM', [helloWorldCard({ protocol: 0 })]);
    try {
      const slot = reader.slots[0]!;
      await slot.powerOn();
      emulated.faults.add({ kind: 'mute-card', slot: 0 });
      const error = await slot.transmit(SELECT_HELLO).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SlotError);
      expect((error as SlotError).code).toBe('CCID_ERR_CARD_MUTE');
      expect((error as SlotError).errorName).toBe('ICC_MUTE');
      // The slot still works for the next command.
      expect((await slot.transmit(SELECT_HELLO)).sw).toBe(0x9000);
    } finally {
      await reader.close();
    }
  });

  it('power on an empty slot → CCID_ERR_CARD_REMOVED; transmit before powerOn → ArgumentError', async () => {
    const { reader } = await openEmulated('sysmoOCTSIM', [undefined, helloWorldCard({ protocol: 0 })]);
    try {
      expect(reader.slots[0]!.state).toBe('absent');
      const empty = await reader.slots[0]!.powerOn().catch((e: unknown) => e);
      expect((empty as CardProtocolError).code).toBe('CCID_ERR_CARD_REMOVED');
      const early = await reader.slots[1]!.transmit(HELLO).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(ArgumentError);
      expect((early as Error).message).toMatch(/powerOn\(\)/);
    } finally {
      await reader.close();
    }
  });

  it('an aborted signal → CancelledError; the engine aborts the command and the slot stays usable', async () => {
    const { reader, emulated } = await openEmulated('short-apdu-1slot', [helloWorldCard({ processingMs: 0 })], { timeScale: 1 });
    try {
      const slot = reader.slots[0]!;
      await slot.powerOn();
      const controller = new AbortController();
      const pending = slot.transmit(WAIT_2S, { signal: controller.signal });
      setTimeout(() => controller.abort(), 30);
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CancelledError);
      expect(reader.stats().aborts).toBe(1);
      expect(emulated.stats.aborts + emulated.stats.abortRequests).toBeGreaterThan(0);
      expect((await slot.transmit(SELECT_HELLO)).sw).toBe(0x9000);
    } finally {
      await reader.close();
    }
  });

  it('unplugged mid-transmit → ReaderGoneError CCID_ERR_READER_GONE and a gone event', async () => {
    const { reader, emulated } = await openEmulated('sysmoOCTSIM', [helloWorldCard({ protocol: 0, processingMs: 0 })], { timeScale: 1 });
    const gone: string[] = [];
    reader.on('gone', ({ error }) => gone.push(error.code));
    const slot = reader.slots[0]!;
    await slot.powerOn();
    const pending = slot.transmit(WAIT_2S);
    setTimeout(() => emulated.unplug(), 30);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReaderGoneError);
    expect((error as ReaderGoneError).code).toBe('CCID_ERR_READER_GONE');
    expect(gone).toEqual(['CCID_ERR_READER_GONE']);
    expect(reader.state).toBe('gone');
    const after = await slot.powerOn().catch((e: unknown) => e);
    expect(after).toBeInstanceOf(ReaderGoneError);
    await reader.close();
  });

  it('destroy() fails pending work with CCID_ERR_READER_CLOSED', async () => {
    const { reader } = await openEmulated('sysmoOCTSIM', [helloWorldCard({ protocol: 0, processingMs: 0 })], { timeScale: 1 });
    const slot = reader.slots[0]!;
    await slot.powerOn();
    const pending = slot.transmit(WAIT_2S);
    await new Promise((r) => setTimeout(r, 20));
    reader.destroy();
    const error = await pending.catch((e: unknown) => e);
    expect((error as ReaderGoneError).code).toBe('CCID_ERR_READER_CLOSED');
    await reader.close();
    expect(reader.state).toBe('closed');
  });
});
