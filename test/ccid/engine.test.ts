import { afterEach, describe, expect, it, vi } from 'vitest';
import { CcidEngine } from '../../src/ccid/engine.ts';
import * as enc from '../../src/ccid/encode.ts';
import * as rdr from '../../src/ccid/encode-reader.ts';
import { encodeHardwareError, encodeNotifySlotChange } from '../../src/ccid/interrupt.ts';
import { toHex, fromHex } from '../../src/util/hex.ts';
import { echoResponse } from '../support/scripted-device.ts';
import type { ScriptedDevice } from '../support/scripted-device.ts';
import { FACTS, flush, settle, setup, sleep, until } from './engine-helpers.ts';

let engines: CcidEngine[] = [];
async function open(...args: Parameters<typeof setup>) {
  const r = await setup(...args);
  engines.push(r.engine);
  return r;
}
afterEach(async () => {
  for (const e of engines) await e.destroy();
  engines = [];
});

const APDU = fromHex('00 A4 04 00 00');

function last(device: ScriptedDevice): Uint8Array {
  return device.written[device.written.length - 1]!;
}

describe('exchange and matching', () => {
  it('xfrBlock sends PC_to_RDR_XfrBlock and resolves with the DataBlock data and bChainParameter', async () => {
    const { device, engine } = await open();
    const p = engine.slot(2).xfrBlock(APDU, { bBWI: 3, wLevelParameter: 0x0102 });
    await until(() => device.written.length === 1);
    expect(toHex(device.written[0]!)).toBe('6F 05 00 00 00 02 00 03 02 01 00 A4 04 00 00');
    device.reply(rdr.encodeDataBlock(2, 0, fromHex('90 00'), {}, 0x10));
    const r = await p;
    expect(toHex(r.data)).toBe('90 00');
    expect(r.bChainParameter).toBe(0x10);
    expect(engine.stats()).toMatchObject({ commands: 1, answered: 1, bytesOut: 15, bytesIn: 12 });
  });

  it('one bSeq counter per device, across slots', async () => {
    const { device, engine } = await open({}, {}, { echo: true });
    for (const s of [0, 1, 2, 3, 0, 1]) await engine.slot(s).getSlotStatus();
    expect(device.written.map((f) => f[6])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(device.written.map((f) => f[5])).toEqual([0, 1, 2, 3, 0, 1]);
  });

  it('a frame with the wrong bSeq is discarded and counted; the right one is delivered', async () => {
    const { device, engine } = await open();
    const p = engine.slot(0).xfrBlock(APDU);
    await until(() => device.written.length === 1);
    device.reply(rdr.encodeDataBlock(0, 0x77, fromHex('6A 82')));
    await flush();
    device.reply(rdr.encodeDataBlock(0, 0, fromHex('90 00')));
    expect(toHex((await p).data)).toBe('90 00');
    expect(engine.stats().discarded['unknown-seq']).toBe(1);
  });

  it('a frame for another slot, or of a type that does not answer the command, is discarded', async () => {
    const { device, engine } = await open();
    const discards: string[] = [];
    engine.on('discard', (e) => discards.push(e.reason));
    const p = engine.slot(1).xfrBlock(APDU);
    await until(() => device.written.length === 1);
    device.reply(rdr.encodeDataBlock(3, 0, fromHex('6A 82'))); // right bSeq, wrong bSlot
    device.reply(rdr.encodeParameters(1, 0, undefined)); // right bSeq and bSlot, wrong type
    device.reply(rdr.encodeDataBlock(1, 0, fromHex('90 00')));
    expect(toHex((await p).data)).toBe('90 00');
    expect(discards).toEqual(['wrong-slot', 'wrong-type']);
  });

  it('a failed SlotStatus answers any command (readers reject commands that way)', async () => {
    const { device, engine } = await open();
    const p = settle(engine.slot(0).xfrBlock(APDU));
    await until(() => device.written.length === 1);
    device.reply(rdr.encodeSlotStatus(0, 0, { iccStatus: 0, commandStatus: 1, error: 0 }));
    const r = await p;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ name: 'SlotError', code: 'CCID_ERR_SLOT', errorName: 'CMD_NOT_SUPPORTED', slot: 0, bSeq: 0 });
  });

  it('an answer split over several transfers, with zero-length packets, is reassembled', async () => {
    const { device, engine } = await open({ bulkIn: { endpointNumber: 2, packetSize: 16 } });
    const p = engine.slot(0).xfrBlock(APDU);
    await until(() => device.written.length === 1);
    const data = new Uint8Array(40).map((_, i) => i);
    const frame = rdr.encodeDataBlock(0, 0, data);
    device.reply(frame.subarray(0, 16), new Uint8Array(0), frame.subarray(16, 48), frame.subarray(48), new Uint8Array(0));
    expect((await p).data).toEqual(data);
    expect(engine.stats().fragmented).toBe(1);
  });

  it('a duplicated answer is discarded and never reaches the next command on the slot', async () => {
    const { device, engine } = await open();
    const first = engine.slot(0).xfrBlock(APDU);
    await until(() => device.written.length === 1);
    const answer = rdr.encodeDataBlock(0, 0, fromHex('90 00'));
    device.reply(answer);
    await first;
    const second = engine.slot(0).xfrBlock(APDU);
    await until(() => device.written.length === 2);
    device.reply(answer); // the duplicate arrives while the second command waits
    await flush();
    device.reply(rdr.encodeDataBlock(0, 1, fromHex('61 10')));
    expect(toHex((await second).data)).toBe('61 10');
    expect(engine.stats().discarded.duplicate).toBe(1);
  });

  it('the trace hook sees every frame out and in', async () => {
    const { engine } = await open({}, {}, { echo: true });
    const seen: string[] = [];
    engine.trace = (dir, bytes) => seen.push(`${dir} ${toHex(bytes.subarray(0, 1))}`);
    await engine.slot(0).powerOn();
    engine.trace = undefined;
    await engine.slot(0).powerOff();
    expect(seen).toEqual(['out 62', 'in 80']);
  });
});

describe('typed commands', () => {
  it('each PC_to_RDR command goes out encoded and comes back decoded', async () => {
    const { device, engine } = await open({}, {}, { echo: true });
    const s = engine.slot(1);
    expect(toHex((await s.powerOn(3)).data)).toBe('3B 00');
    expect(device.written.at(-1)![7]).toBe(2); // bPowerSelect 3 V
    expect((await s.powerOff()).iccStatus).toBe(1);
    expect((await s.getParameters()).parameters).toMatchObject({ protocol: 0, waitingInteger: 10 });
    expect((await s.resetParameters()).kind).toBe('RDR_to_PC_Parameters');
    await s.setParameters({ protocol: 1, findexDindex: 0x96, tcckst: 0x10, guardTime: 0, waitingIntegers: 0x45, clockStop: 0, ifsc: 0xfe, nad: 0 });
    expect(toHex(last(device))).toBe('61 07 00 00 00 01 04 01 00 00 96 10 00 45 00 FE 00');
    expect(toHex((await s.escape(fromHex('01 02'))).data)).toBe('01 02');
    expect((await s.iccClock('stop')).kind).toBe('RDR_to_PC_SlotStatus');
    expect(last(device)[7]).toBe(1);
    await s.t0apdu(3, 0xa0, 0xff);
    expect(toHex(last(device).subarray(7))).toBe('03 A0 FF');
    await s.mechanical('eject');
    expect(last(device)[7]).toBe(2);
    expect(await s.setDataRateAndClockFrequency(4000, 10752)).toMatchObject({ clockFrequency: 4000, dataRate: 10752 });
    const secure = await s.secure({ operation: 4 }, { bBWI: 1 });
    expect(toHex(secure.data)).toBe('04');
    expect((await s.transmit(enc.encodeGetSlotStatus(0, 0x99))).kind).toBe('RDR_to_PC_SlotStatus');
    expect(last(device)[5]).toBe(1); // bSlot rewritten to the slot's
    expect(device.written.map((f) => f[0])).toEqual([0x62, 0x63, 0x6c, 0x6d, 0x61, 0x6b, 0x6e, 0x6a, 0x71, 0x73, 0x69, 0x65]);
  });

  it('failed answers become SlotErrors with the spec name, or are returned when asked', async () => {
    const errors: [number, number, string, string][] = [
      [0, 0xfe, 'CCID_ERR_CARD_MUTE', 'ICC_MUTE'],
      [2, 0xfe, 'CCID_ERR_CARD_ABSENT', 'ICC_MUTE'],
      [0, 0xe0, 'CCID_ERR_SLOT_BUSY', 'CMD_SLOT_BUSY'],
      [1, 0xfb, 'CCID_ERR_SLOT', 'HW_ERROR'],
      [1, 0x07, 'CCID_ERR_SLOT', 'BAD_PARAMETER(7)'],
    ];
    for (const [icc, bError, code, name] of errors) {
      const { engine } = await open({}, {}, { onCommand: (f, d) => d.reply(rdr.encodeDataBlock(f[5]!, f[6]!, new Uint8Array(0), { iccStatus: icc, commandStatus: 1, error: bError })) });
      const r = await settle(engine.slot(0).powerOn());
      expect(!r.ok && r.error).toMatchObject({ name: 'SlotError', code, errorName: name, bError, bStatus: 0x40 | icc });
      const raw = await engine.slot(0).powerOn('auto', { returnFailed: true });
      expect(raw).toMatchObject({ commandStatus: 1, error: bError });
    }
  });

  it('getSlotStatus returns a failed status instead of throwing (the status is the answer)', async () => {
    const { engine } = await open({}, {}, { onCommand: (f, d) => d.reply(rdr.encodeSlotStatus(f[5]!, f[6]!, { iccStatus: 2, commandStatus: 1, error: 0xfe })) });
    expect(await engine.slot(0).getSlotStatus()).toMatchObject({ iccStatus: 2, commandStatus: 1 });
    expect(engine.slot(0).card).toBe('absent');
  });

  it('GET_CLOCK_FREQUENCIES and GET_DATA_RATES are class requests to the interface', async () => {
    const { device, engine } = await open();
    device.controlInAnswer = fromHex('A0 0F 00 00 40 1F 00 00');
    expect(await engine.getClockFrequencies(2)).toEqual([4000, 8000]);
    expect(await engine.getDataRates(2)).toEqual([4000, 8000]);
    expect(device.controls.map((c) => [c.setup.requestType, c.setup.recipient, c.setup.request, c.setup.index])).toEqual([
      ['class', 'interface', 2, 0],
      ['class', 'interface', 3, 0],
    ]);
    device.controlInAnswer = 'stall';
    await expect(engine.getDataRates(1)).rejects.toMatchObject({ code: 'CCID_ERR_NOT_SUPPORTED' });
  });

  it('a slot index beyond bMaxSlotIndex is refused; slots are the same object each time', async () => {
    const { engine } = await open();
    expect(() => engine.slot(4)).toThrow(expect.objectContaining({ code: 'CCID_ERR_INVALID_ARGUMENT' }));
    expect(engine.slot(3)).toBe(engine.slot(3));
  });
});

describe('deadlines, time extensions and abort', () => {
  it('a time extension extends the deadline, is reported, and the answer still arrives', async () => {
    const { device, engine } = await open({}, { minTimeoutMs: 150 });
    const multipliers: number[] = [];
    const events: number[] = [];
    engine.on('timeExtension', (e) => events.push(e.multiplier));
    const start = Date.now();
    const p = engine.slot(0).xfrBlock(APDU, { onTimeExtension: (m) => multipliers.push(m) });
    await until(() => device.written.length === 1);
    for (const mult of [1, 2, 1]) {
      await sleep(100);
      device.reply(rdr.encodeDataBlock(0, 0, new Uint8Array(0), { commandStatus: 2, error: mult }));
    }
    await sleep(100);
    device.reply(rdr.encodeDataBlock(0, 0, fromHex('90 00')));
    expect(toHex((await p).data)).toBe('90 00');
    expect(Date.now() - start).toBeGreaterThan(350); // well past the 150 ms deadline
    expect(multipliers).toEqual([1, 2, 1]);
    expect(events).toEqual([1, 2, 1]);
    expect(engine.stats()).toMatchObject({ timeExtensions: 3, timeouts: 0, aborts: 0 });
  });

  it('time extensions work for every command type (IccPowerOn here)', async () => {
    const { device, engine } = await open({}, { minTimeoutMs: 150 });
    const p = engine.slot(0).powerOn();
    await until(() => device.written.length === 1);
    await sleep(100);
    device.reply(rdr.encodeDataBlock(0, 0, new Uint8Array(0), { commandStatus: 2, error: 3 }));
    await sleep(120);
    device.reply(rdr.encodeDataBlock(0, 0, fromHex('3B 00')));
    expect(toHex((await p).data)).toBe('3B 00');
  });

  it('endless time extensions stop at maxDurationMs with a TimeoutError', async () => {
    const { device, engine } = await open({}, { minTimeoutMs: 100 });
    const p = settle(engine.slot(0).xfrBlock(APDU, { maxDurationMs: 300 }));
    await until(() => device.written.length === 1);
    const timer = setInterval(() => device.reply(rdr.encodeDataBlock(0, 0, new Uint8Array(0), { commandStatus: 2, error: 1 })), 10);
    const r = await p;
    clearInterval(timer);
    expect(!r.ok && r.error).toMatchObject({ code: 'CCID_ERR_TIMEOUT' });
    expect(engine.stats().timeExtensions).toBeGreaterThan(3);
  });

  it('on deadline: ABORT class request then PC_to_RDR_Abort with the same bSlot/bSeq; TimeoutError; late answer dropped; slot usable', async () => {
    const { device, engine } = await open();
    const order: string[] = [];
    const origControl = device.controlTransferOut.bind(device);
    device.controlTransferOut = (setup) => {
      order.push('control');
      return origControl(setup);
    };
    device.onCommand = (f) => order.push(`bulk ${toHex(f.subarray(0, 1))}`);
    const aborts: unknown[] = [];
    engine.on('abort', (e) => aborts.push(e));
    const r = await settle(engine.slot(2).xfrBlock(APDU));
    expect(!r.ok && r.error).toMatchObject({ name: 'TimeoutError', code: 'CCID_ERR_TIMEOUT', slot: 2, bSeq: 0, timeoutMs: 150 });
    await until(() => device.written.length === 2);
    const control = device.controls.find((c) => c.direction === 'out')!.setup;
    expect(control).toEqual({ requestType: 'class', recipient: 'interface', request: 1, value: (1 << 8) | 2, index: 0 });
    expect(toHex(device.written[1]!)).toBe('72 00 00 00 00 02 01 00 00 00');
    expect(order).toEqual(['bulk 6F', 'control', 'bulk 72']);
    expect(aborts).toEqual([{ slot: 2, seq: 0, abortSeq: 1, reason: 'timeout' }]);
    expect(engine.slot(2).state).toBe('aborting');
    // The reader ends the aborted command with CMD_ABORTED, then answers the Abort.
    device.reply(rdr.encodeDataBlock(2, 0, new Uint8Array(0), { commandStatus: 1, error: 0xff }));
    device.reply(rdr.encodeSlotStatus(2, 1));
    await until(() => engine.slot(2).state !== 'aborting');
    device.onCommand = (f, d) => d.reply(echoResponse(f));
    expect(toHex((await engine.slot(2).xfrBlock(APDU)).data)).toBe(toHex(APDU));
    expect(engine.stats()).toMatchObject({ timeouts: 1, aborts: 1, abortsUnanswered: 0 });
    expect(engine.stats().discarded.late).toBe(1);
  });

  it('a stale answer arriving after the abort completed is dropped as late', async () => {
    const { device, engine } = await open();
    const r = await settle(engine.slot(0).xfrBlock(APDU));
    expect(r.ok).toBe(false);
    await until(() => device.written.length === 2);
    device.reply(rdr.encodeSlotStatus(0, 1)); // the Abort's answer first
    await until(() => engine.slot(0).state !== 'aborting');
    const next = engine.slot(0).xfrBlock(APDU);
    await until(() => device.written.length === 3);
    device.reply(rdr.encodeDataBlock(0, 0, fromHex('90 00'))); // stale answer of the aborted command
    await flush();
    device.reply(rdr.encodeDataBlock(0, 2, fromHex('61 00')));
    expect(toHex((await next).data)).toBe('61 00');
    expect(engine.stats().discarded.late).toBe(1);
  });

  it('a reader that never answers the Abort frees the slot after the bounded wait', async () => {
    const { device, engine } = await open();
    const r = await settle(engine.slot(0).xfrBlock(APDU));
    expect(r.ok).toBe(false);
    await until(() => engine.slot(0).state !== 'aborting', 'abort wait');
    expect(engine.stats().abortsUnanswered).toBe(1);
    device.onCommand = (f, d) => d.reply(echoResponse(f));
    await engine.slot(0).getSlotStatus();
  });

  it('a reader that stalls the ABORT request still gets the bulk Abort', async () => {
    const { device, engine } = await open({}, {}, { abortRequest: 'stall' });
    const r = await settle(engine.slot(0).xfrBlock(APDU));
    expect(!r.ok && r.error).toMatchObject({ code: 'CCID_ERR_TIMEOUT' });
    await until(() => device.written.length === 2);
    expect(device.written[1]![0]).toBe(0x72);
  });

  it('cancel in flight: CancelledError at once, abort sent; cancel while queued: never sent', async () => {
    const { device, engine } = await open({}, { minTimeoutMs: 5000 });
    const inFlight = new AbortController();
    const queued = new AbortController();
    const a = settle(engine.slot(0).xfrBlock(APDU, { signal: inFlight.signal }));
    const b = settle(engine.slot(0).xfrBlock(fromHex('00 B0 00 00 00'), { signal: queued.signal }));
    await until(() => device.written.length === 1);
    queued.abort(new Error('user gave up'));
    const rb = await b;
    expect(!rb.ok && rb.error).toMatchObject({ name: 'CancelledError', code: 'CCID_ERR_CANCELLED' });
    inFlight.abort();
    const ra = await a;
    expect(!ra.ok && ra.error).toMatchObject({ name: 'CancelledError', slot: 0, bSeq: 0 });
    await until(() => device.written.length === 2);
    expect(device.written.map((f) => f[0])).toEqual([0x6f, 0x72]);
    device.reply(rdr.encodeSlotStatus(0, 1));
    await until(() => engine.slot(0).state !== 'aborting');
    expect(engine.stats()).toMatchObject({ cancelled: 2, aborts: 1 });
    expect(device.written).toHaveLength(2); // the queued command's bytes never left
  });

  it('an already-aborted signal rejects without sending anything', async () => {
    const { device, engine } = await open();
    const r = await settle(engine.slot(0).xfrBlock(APDU, { signal: AbortSignal.abort() }));
    expect(!r.ok && r.error).toMatchObject({ code: 'CCID_ERR_CANCELLED' });
    expect(device.written).toHaveLength(0);
  });

  it('cancel while the bytes wait behind another write: dropped from the write queue, no abort', async () => {
    const { device, engine } = await open();
    let release!: () => void;
    device.holdWrites = new Promise((r) => (release = r));
    const a = engine.slot(0).getSlotStatus();
    const ctl = new AbortController();
    const b = settle(engine.slot(1).xfrBlock(APDU, { signal: ctl.signal }));
    await flush();
    ctl.abort();
    expect((await b).ok).toBe(false);
    device.holdWrites = undefined;
    device.onCommand = (f, d) => d.reply(echoResponse(f));
    release();
    await a;
    await flush();
    expect(device.written.map((f) => f[0])).toEqual([0x65]);
    expect(engine.stats().aborts).toBe(0);
  });
});

describe('concurrency', () => {
  /** A reader that answers after `ms` and records how many commands it holds at once, per slot and overall. */
  function slowReader(ms: number) {
    const held = new Map<number, number>();
    const stats = { maxTotal: 0, maxPerSlot: 0, slotBusy: 0, total: 0 };
    const onCommand = (f: Uint8Array, d: ScriptedDevice) => {
      const slot = f[5]!;
      const n = (held.get(slot) ?? 0) + 1;
      held.set(slot, n);
      stats.total++;
      stats.maxPerSlot = Math.max(stats.maxPerSlot, n);
      const inFlight = [...held.values()].reduce((a, b) => a + b, 0);
      stats.maxTotal = Math.max(stats.maxTotal, inFlight);
      setTimeout(() => {
        held.set(slot, held.get(slot)! - 1);
        d.reply(echoResponse(f));
      }, ms);
    };
    return { stats, onCommand };
  }

  it.each([
    [3, 1, 1],
    [3, 2, 2],
    [4, 4, 4],
    [4, 9, 4], // bMaxCCIDBusySlots above the slot count is clamped
    [4, 0, 1], // and 0 means 1
  ])('%i slots / %i busy: at most %i commands in flight, one per slot, no CMD_SLOT_BUSY', async (slots, busy, expected) => {
    const r = slowReader(15);
    const { engine, device } = await open({ slotCount: slots, maxBusySlots: busy }, {}, { onCommand: r.onCommand });
    expect(engine.maxBusySlots).toBe(expected);
    const all = [];
    for (let i = 0; i < 4; i++) for (let s = 0; s < slots; s++) all.push(engine.slot(s).xfrBlock(Uint8Array.of(s, i)));
    const results = await Promise.all(all);
    expect(results.map((x) => toHex(x.data))).toEqual(all.map((_, k) => toHex(Uint8Array.of(k % slots, Math.floor(k / slots)))));
    expect(r.stats.maxTotal).toBe(expected);
    expect(r.stats.maxPerSlot).toBe(1);
    expect(device.maxWritesInFlight).toBe(1);
  });

  it('commands on one slot run in call order', async () => {
    const { device, engine } = await open({}, {}, { echo: true });
    const answers = await Promise.all([1, 2, 3, 4].map((i) => engine.slot(0).xfrBlock(Uint8Array.of(i))));
    expect(answers.map((a) => a.data[0])).toEqual([1, 2, 3, 4]);
    expect(device.written.map((f) => f[10])).toEqual([1, 2, 3, 4]);
  });

  it('a slot waiting for a busy token does not starve: tokens go round the slots in order', async () => {
    const r = slowReader(5);
    const { device, engine } = await open({ slotCount: 3, maxBusySlots: 1 }, {}, { onCommand: r.onCommand });
    await Promise.all([0, 0, 0, 1, 2].map((s) => engine.slot(s).getSlotStatus()));
    expect(device.written.map((f) => f[5])).toEqual([0, 1, 2, 0, 0]);
  });
});

describe('events', () => {
  it('NotifySlotChange gives cardInserted/cardRemoved per slot with no command pending', async () => {
    const { device, engine } = await open();
    const events: string[] = [];
    engine.on('cardInserted', (e) => events.push(`in ${e.slot} ${e.source}`));
    engine.on('cardRemoved', (e) => events.push(`out ${e.slot} ${e.source}`));
    device.notify(encodeNotifySlotChange([{ present: true, changed: true }, { present: false, changed: false }, { present: true, changed: true }, { present: false, changed: false }]));
    await until(() => events.length === 2);
    // Slot 0 swapped (changed, still present), slot 2 removed.
    device.notify(encodeNotifySlotChange([{ present: true, changed: true }, { present: false, changed: false }, { present: false, changed: true }, { present: false, changed: false }]));
    await until(() => events.length === 5);
    expect(events).toEqual(['in 0 interrupt', 'in 2 interrupt', 'out 0 interrupt', 'in 0 interrupt', 'out 2 interrupt']);
    expect([0, 1, 2, 3].map((i) => engine.slot(i).card)).toEqual(['inactive', 'absent', 'absent', 'absent']);
  });

  it('a response saying "no card" updates the slot and emits cardRemoved', async () => {
    const { device, engine } = await open();
    const removed: number[] = [];
    engine.on('cardRemoved', (e) => removed.push(e.slot));
    device.notify(encodeNotifySlotChange([{ present: true, changed: true }]));
    await until(() => engine.slot(0).card === 'inactive');
    const p = settle(engine.slot(0).xfrBlock(APDU));
    await until(() => device.written.length === 1);
    device.reply(rdr.encodeDataBlock(0, 0, new Uint8Array(0), { iccStatus: 2, commandStatus: 1, error: 0xfe }));
    const r = await p;
    expect(!r.ok && r.error).toMatchObject({ code: 'CCID_ERR_CARD_ABSENT' });
    expect(removed).toEqual([0]);
  });

  it('HardwareError becomes an event', async () => {
    const { device, engine } = await open();
    const got: unknown[] = [];
    engine.on('hardwareError', (e) => got.push(e));
    device.notify(encodeHardwareError(3, 0x10, 1));
    await until(() => got.length === 1);
    expect(got).toEqual([{ slot: 3, seq: 0x10, code: 1 }]);
    expect(engine.stats()).toMatchObject({ notifications: 1, hardwareErrors: 1 });
  });

  it('256 slots: a NotifySlotChange of 65 bytes and a command on slot 255', async () => {
    const { device, engine } = await open({ slotCount: 256, maxBusySlots: 256, interruptIn: { endpointNumber: 3, packetSize: 64 } }, {}, { echo: true });
    const inserted: number[] = [];
    engine.on('cardInserted', (e) => inserted.push(e.slot));
    const bits = Array.from({ length: 256 }, (_, i) => ({ present: i % 50 === 0 || i === 255, changed: i % 50 === 0 || i === 255 }));
    device.notify(encodeNotifySlotChange(bits));
    await until(() => inserted.length === 7);
    expect(inserted).toEqual([0, 50, 100, 150, 200, 250, 255]);
    expect(toHex((await engine.slot(255).xfrBlock(APDU)).data)).toBe(toHex(APDU));
    expect(device.written[0]![5]).toBe(255);
  });

  it('without interrupt-IN the slots are polled with GetSlotStatus, and card changes become events', async () => {
    let present = false;
    const { device, engine } = await open(
      { interruptIn: undefined, slotCount: 2 },
      { pollIntervalMs: 20, probeSlotsOnOpen: true },
      { onCommand: (f, d) => d.reply(rdr.encodeSlotStatus(f[5]!, f[6]!, { iccStatus: present && f[5] === 1 ? 1 : 2 })) },
    );
    const events: string[] = [];
    engine.on('cardInserted', (e) => events.push(`in ${e.slot} ${e.source}`));
    await until(() => engine.slot(1).card === 'absent', 'probe');
    present = true;
    await until(() => events.length === 1, 'poll');
    expect(events).toEqual(['in 1 poll']);
    expect(engine.stats().polls).toBeGreaterThanOrEqual(4);
    expect(device.written.every((f) => f[0] === 0x65)).toBe(true);
  });
});

describe('faults and lifecycle', () => {
  it('unplug fails every pending and queued command at once with ReaderGoneError', async () => {
    const { device, engine } = await open({ maxBusySlots: 2 });
    const gone: unknown[] = [];
    engine.on('gone', (e) => gone.push(e.error));
    const all = [0, 1, 2, 3, 0].map((s) => settle(engine.slot(s).xfrBlock(APDU)));
    await until(() => device.written.length === 2);
    device.unplug();
    const results = await Promise.all(all);
    for (const r of results) expect(!r.ok && r.error).toMatchObject({ name: 'ReaderGoneError', code: 'CCID_ERR_READER_GONE' });
    expect(engine.state).toBe('gone');
    expect(gone).toHaveLength(1);
    await expect(engine.slot(0).xfrBlock(APDU)).rejects.toMatchObject({ code: 'CCID_ERR_READER_GONE' });
  });

  it('close() drains pending commands, refuses new ones, then releases the interface and stops the loops', async () => {
    const { device, engine } = await open();
    const p = engine.slot(0).xfrBlock(APDU);
    await until(() => device.written.length === 1);
    const closing = engine.close();
    expect(engine.state).toBe('closing');
    await expect(engine.slot(1).getSlotStatus()).rejects.toMatchObject({ code: 'CCID_ERR_READER_CLOSED' });
    device.reply(rdr.encodeDataBlock(0, 0, fromHex('90 00')));
    expect(toHex((await p).data)).toBe('90 00');
    await closing;
    expect(engine.state).toBe('closed');
    expect(device.claimed).toBe(false);
    expect(device.readingBulk || device.readingInterrupt).toBe(false);
  });

  it('destroy() fails pending work with CCID_ERR_READER_CLOSED', async () => {
    const { device, engine } = await open();
    const p = settle(engine.slot(0).xfrBlock(APDU));
    await until(() => device.written.length === 1);
    await engine.destroy();
    const r = await p;
    expect(!r.ok && r.error).toMatchObject({ code: 'CCID_ERR_READER_CLOSED' });
    expect(engine.state).toBe('closed');
  });

  it('close() leaves no timer behind (fake timers count them)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const { device, engine } = await setup({ interruptIn: undefined }, { pollIntervalMs: 500, minTimeoutMs: 3000 }, { echo: true });
      await engine.slot(0).xfrBlock(APDU);
      expect(vi.getTimerCount()).toBeGreaterThan(0); // deadline timer and poll timer
      await engine.close();
      expect(vi.getTimerCount()).toBe(0);
      expect(device.claimed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a bulk-IN stall is cleared and reading goes on', async () => {
    const { device, engine } = await open();
    const p = engine.slot(0).getSlotStatus();
    await until(() => device.written.length === 1);
    device.stallIn();
    device.reply(rdr.encodeSlotStatus(0, 0));
    await p;
    expect(engine.stats().stalls).toBe(1);
  });

  it('an impossible dwLength is discarded; the engine keeps working', async () => {
    const { device, engine } = await open();
    const p = engine.slot(0).getSlotStatus();
    await until(() => device.written.length === 1);
    device.reply(fromHex('80 00 10 00 00 00 00 00 00 00'));
    device.reply(rdr.encodeSlotStatus(0, 0));
    await p;
    expect(engine.stats().discarded['too-long']).toBe(1);
  });

  it('a truncated answer is dropped when the next expected frame starts; its command times out and the slot recovers', async () => {
    const { device, engine } = await open({ bulkIn: { endpointNumber: 2, packetSize: 16 } });
    const a = settle(engine.slot(0).xfrBlock(APDU));
    const b = engine.slot(1).xfrBlock(APDU);
    await until(() => device.written.length === 2);
    device.reply(rdr.encodeDataBlock(0, 0, new Uint8Array(30)).subarray(0, 21)); // cut short
    device.reply(rdr.encodeDataBlock(1, 1, fromHex('90 00')));
    expect(toHex((await b).data)).toBe('90 00');
    expect(engine.stats().discarded.truncated).toBe(1);
    expect((await a).ok).toBe(false);
    await until(() => device.written.length === 3);
    device.reply(rdr.encodeSlotStatus(0, 2)); // the Abort's answer
    await until(() => engine.slot(0).state !== 'aborting');
    device.onCommand = (f, d) => d.reply(echoResponse(f));
    await engine.slot(0).getSlotStatus();
  });

  it('commands before open() are refused; open() twice is refused', async () => {
    const { ScriptedDevice } = await import('../support/scripted-device.ts');
    const device = new ScriptedDevice();
    const engine = new CcidEngine(device, FACTS, { probeSlotsOnOpen: false });
    await expect(engine.slot(0).getSlotStatus()).rejects.toMatchObject({ code: 'CCID_ERR_READER_CLOSED' });
    await engine.open();
    engines.push(engine);
    await expect(engine.open()).rejects.toMatchObject({ code: 'CCID_ERR_INVALID_ARGUMENT' });
    expect(device.written).toHaveLength(0);
  });

  it('probeSlotsOnOpen learns every card state at open', async () => {
    const { engine } = await open({ slotCount: 3 }, { probeSlotsOnOpen: true }, { onCommand: (f, d) => d.reply(rdr.encodeSlotStatus(f[5]!, f[6]!, { iccStatus: f[5] === 1 ? 1 : 2 })) });
    await engine.whenIdle();
    expect([0, 1, 2].map((i) => engine.slot(i).card)).toEqual(['absent', 'inactive', 'absent']);
  });

  it('refuses impossible interface facts', () => {
    const device = {} as ScriptedDevice;
    expect(() => new CcidEngine(device, { ...FACTS, slotCount: 0 })).toThrow(/slotCount 0/);
    expect(() => new CcidEngine(device, { ...FACTS, slotCount: 257 })).toThrow(/slotCount 257/);
    expect(() => new CcidEngine(device, { ...FACTS, bulkIn: { endpointNumber: 0, packetSize: 64 } })).toThrow(/bulkIn endpoint 0/);
  });
});
