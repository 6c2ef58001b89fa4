/**
 * What a slot says when asked to transmit after the reader or the card went away: the
 * caller learns what happened (reader unplugged, reader closed, card removed or swapped),
 * not "call powerOn() first" as if it had made a mistake. Regression tests of the fixes
 * the fault matrix led to (src/reader/slot.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cardFromOptions } from '../../src/sim/index.ts';
import { cardOptions, openBench, apduFor } from './env.ts';
import { run, settle, useRealTime, useVirtualTime } from './virtual-time.ts';

const APDU = apduFor('tpdu-t0', 1, 0);

async function codeOf(p: Promise<unknown>): Promise<string> {
  const r = await settle(p, 'transmit');
  return r.ok ? 'ok' : ((r.error as { code?: string }).code ?? String(r.error));
}

describe('transmit after the reader or the card went away', () => {
  beforeEach(useVirtualTime);
  afterEach(useRealTime);

  it('unplugged: CCID_ERR_READER_GONE on a slot that was idle', async () => {
    const bench = await openBench('tpdu-t0');
    bench.emulated.unplug();
    expect(await codeOf(bench.reader.slots[1]!.transmit(APDU))).toBe('CCID_ERR_READER_GONE');
    await run(bench.reader.close(), 'close');
  });

  it('closed: CCID_ERR_READER_CLOSED', async () => {
    const bench = await openBench('tpdu-t0');
    await run(bench.reader.close(), 'close');
    expect(await codeOf(bench.reader.slots[1]!.transmit(APDU))).toBe('CCID_ERR_READER_CLOSED');
  });

  it('card swapped while powered: CCID_ERR_CARD_REMOVED until the next powerOn', async () => {
    const bench = await openBench('tpdu-t0');
    const slot = bench.reader.slots[1]!;
    bench.emulated.slots[1]!.remove();
    bench.emulated.slots[1]!.insert(cardFromOptions(cardOptions('tpdu-t0', 1)));
    await run(Promise.resolve(), 'notification');
    expect(slot.state).toBe('inactive');
    expect(await codeOf(slot.transmit(APDU))).toBe('CCID_ERR_CARD_REMOVED');
    await run(slot.powerOn(), 'power on');
    expect(await codeOf(slot.transmit(APDU))).toBe('ok');
    await run(bench.reader.close(), 'close');
  });

  it('card removed: CCID_ERR_CARD_REMOVED; powered off on purpose: CCID_ERR_INVALID_ARGUMENT (unchanged)', async () => {
    const bench = await openBench('tpdu-t0');
    bench.emulated.slots[2]!.remove();
    await run(Promise.resolve(), 'notification');
    expect(await codeOf(bench.reader.slots[2]!.transmit(APDU))).toBe('CCID_ERR_CARD_REMOVED');
    await run(bench.reader.slots[3]!.powerOff(), 'power off');
    expect(await codeOf(bench.reader.slots[3]!.transmit(APDU))).toBe('CCID_ERR_INVALID_ARGUMENT');
    await run(bench.reader.close(), 'close');
  });
});
