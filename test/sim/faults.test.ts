import { describe, expect, it } from 'vitest';
import { createEmulatedReader, type EmulatedReader, type EmulatedReaderOptions } from '../../src/sim/index.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { EchoCard } from './echo-card.ts';
import { exchange, openReader, readInterrupt, readMessage, send, settleWithin, toHex } from './helpers.ts';

const ABORT_REQUEST = (bSlot: number, bSeq: number) => ({ requestType: 'class' as const, recipient: 'interface' as const, request: 1, value: (bSeq << 8) | bSlot, index: 0 });

async function ready(profile = 'short-apdu-1slot', options: EmulatedReaderOptions = {}, card = new EchoCard()): Promise<EmulatedReader> {
  const reader = createEmulatedReader(profile, { timeScale: 0, ...options });
  reader.slots[0]!.insert(card);
  await openReader(reader);
  await readInterrupt(reader);
  await exchange(reader, '62 00 00 00 00 00 01 00 00 00');
  return reader;
}

const SELECT = '6F 04 00 00 00 00 05 00 00 00 00 A4 00 00';
const SELECT_ANSWER = '80 06 00 00 00 00 05 00 00 00 00 A4 00 00 90 00';

async function nextTransfer(reader: EmulatedReader): Promise<string> {
  return toHex(transferBytes(await reader.device.transferIn(1, 512)));
}

describe('emulated reader: fault injection', () => {
  it('wrong-bseq sends the answer with another bSeq, once', async () => {
    const r = await ready();
    const fault = r.faults.add({ kind: 'wrong-bseq' });
    expect(await exchange(r, SELECT)).toBe(SELECT_ANSWER.replace('00 00 05 00', '00 00 06 00'));
    expect(fault.fired).toBe(1);
    expect(await exchange(r, SELECT)).toBe(SELECT_ANSWER);
    expect(r.faults.log).toEqual([{ kind: 'wrong-bseq', slot: 0, bSeq: 5 }]);
  });

  it('duplicate-frame sends the answer twice', async () => {
    const r = await ready();
    r.faults.add({ kind: 'duplicate-frame' });
    await send(r, SELECT);
    expect(await nextTransfer(r)).toBe(SELECT_ANSWER);
    expect(await nextTransfer(r)).toBe(SELECT_ANSWER);
  });

  it('truncate-frame cuts the answer short (then the next answer follows)', async () => {
    const r = await ready();
    r.faults.add({ kind: 'truncate-frame', keepBytes: 7 });
    await send(r, SELECT);
    expect(await nextTransfer(r)).toBe(SELECT_ANSWER.slice(0, 7 * 3 - 1));
    await send(r, '65 00 00 00 00 00 06 00 00 00');
    expect(await nextTransfer(r)).toBe('81 00 00 00 00 00 06 00 00 00');
  });

  it('split-frame cuts the answer in odd places, zero-length transfers included', async () => {
    const r = await ready();
    r.faults.add({ kind: 'split-frame', cuts: [3, 3, 11] });
    await send(r, SELECT);
    const parts = [await nextTransfer(r), await nextTransfer(r), await nextTransfer(r), await nextTransfer(r)];
    expect(parts.map((p) => (p === '' ? 0 : p.split(' ').length))).toEqual([3, 0, 8, 5]);
    expect(parts.filter((p) => p !== '').join(' ')).toBe(SELECT_ANSWER);
    // Random cuts: the pieces still add up to the message.
    r.faults.add({ kind: 'split-frame' });
    await send(r, SELECT);
    expect(toHex((await readMessage(r)).bytes)).toBe(SELECT_ANSWER);
  });

  it('stall-bulk-in answers stall until clearHalt, then the answer comes', async () => {
    const r = await ready();
    r.faults.add({ kind: 'stall-bulk-in' });
    const pending = r.device.transferIn(1, 512);
    await send(r, SELECT);
    expect((await pending).status).toBe('stall');
    expect((await r.device.transferIn(1, 512)).status).toBe('stall');
    await r.device.clearHalt('in', 1);
    expect(await nextTransfer(r)).toBe(SELECT_ANSWER);
  });

  it('mute-card answers ICC_MUTE after the waiting time', async () => {
    const r = await ready('short-apdu-1slot', { timeScale: 1, wireTime: false, muteTimeoutMs: 60 });
    r.faults.add({ kind: 'mute-card', slot: 0 });
    const t0 = performance.now();
    expect(await exchange(r, SELECT)).toBe('80 00 00 00 00 00 05 40 FE 00');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    expect(await exchange(r, SELECT)).toBe(SELECT_ANSWER);
  });

  it('endless-time-extension keeps sending time extensions until ABORT ends the command with CMD_ABORTED', async () => {
    const r = await ready('short-apdu-1slot', { timeExtensionIntervalMs: 10 });
    r.faults.add({ kind: 'endless-time-extension' });
    await send(r, SELECT);
    for (let i = 0; i < 4; i++) expect(await nextTransfer(r)).toBe('80 00 00 00 00 00 05 80 01 00');
    expect(r.slots[0]!.busy).toBe(true);
    await r.device.controlTransferOut(ABORT_REQUEST(0, 6));
    await send(r, '72 00 00 00 00 00 06 00 00 00');
    // Time extensions may be in the queue before the abort; skip them.
    let hex = await nextTransfer(r);
    while (hex.startsWith('80 00 00 00 00 00 05 80')) hex = await nextTransfer(r);
    expect(hex).toBe('80 00 00 00 00 00 05 40 FF 00');
    expect(await nextTransfer(r)).toBe('81 00 00 00 00 00 06 00 00 00');
    expect(r.slots[0]!.busy).toBe(false);
    expect(await exchange(r, SELECT)).toBe(SELECT_ANSWER);
  });

  it('stale-frame replays the aborted command\'s late answer after the Abort answer', async () => {
    const r = await ready('short-apdu-1slot', { timeScale: 1, wireTime: false }, new EchoCard({ processingMs: 200 }));
    r.faults.add({ kind: 'stale-frame' });
    await send(r, SELECT);
    await send(r, '72 00 00 00 00 00 06 00 00 00'); // PC_to_RDR_Abort first: answered once the request comes
    expect(await settleWithin(r.device.transferIn(1, 512).then((x) => toHex(transferBytes(x))), 20)).toBe('80 00 00 00 00 00 05 40 FF 00');
    await r.device.controlTransferOut(ABORT_REQUEST(0, 6));
    expect(await nextTransfer(r)).toBe('81 00 00 00 00 00 06 00 00 00');
    expect(await nextTransfer(r)).toBe(SELECT_ANSWER);
    expect(r.stats.aborted).toBe(1);
  });

  it('card-removed-mid-command answers "ICC absent" and notifies the removal', async () => {
    const r = await ready('short-apdu-1slot', { timeScale: 1, wireTime: false, muteTimeoutMs: 40 });
    r.faults.add({ kind: 'card-removed-mid-command' });
    expect(await exchange(r, SELECT)).toBe('80 00 00 00 00 00 05 42 FE 00');
    expect(await readInterrupt(r)).toBe('50 02');
    expect(r.slots[0]!.state).toBe('absent');
  });

  it('unplug-mid-transfer unplugs the device instead of answering', async () => {
    const r = await ready();
    r.faults.add({ kind: 'unplug-mid-transfer' });
    const pending = r.device.transferIn(1, 512);
    await expect(send(r, SELECT)).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await expect(pending).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    expect(r.plugged).toBe(false);
  });

  it('notification-storm queues many NotifySlotChange messages', async () => {
    const r = await ready();
    r.faults.add({ kind: 'notification-storm', count: 20 });
    await exchange(r, '65 00 00 00 00 00 06 00 00 00');
    for (let i = 0; i < 20; i++) expect(await readInterrupt(r)).toBe('50 03');
    expect(await settleWithin(readInterrupt(r), 20)).toBe('pending');
  });

  it('hardware-error fails the exchange with HW_ERROR and sends an interrupt HardwareError', async () => {
    const r = await ready();
    r.faults.add({ kind: 'hardware-error' });
    expect(await exchange(r, SELECT)).toBe('80 00 00 00 00 00 05 40 FB 00');
    expect(await readInterrupt(r)).toBe('51 00 05 01');
  });

  it('t1-corrupt flips a bit in a block on its way to or from the card, or applies a custom hook', async () => {
    const atr = Uint8Array.of(0x3b, 0x80, 0x81, 0x31, 0xfe, 0x45, 0x80 ^ 0x81 ^ 0x31 ^ 0xfe ^ 0x45);
    const card = new EchoCard({ atr });
    const r = await ready('tpdu-t1-1slot', {}, card);
    const block = '00 00 02 AB CD 64';
    r.faults.add({ kind: 't1-corrupt', direction: 'to-card' });
    const answer = await exchange(r, `6F 06 00 00 00 00 02 00 00 00 ${block}`);
    const sent = card.received.at(-1)!;
    const flipped = sent.reduce((n, b, i) => n + bitCount(b ^ [0, 0, 2, 0xab, 0xcd, 0x64][i]!), 0);
    expect(flipped).toBe(1);
    expect(answer.startsWith('80 06 00 00 00 00 02 00 00 00')).toBe(true);
    r.faults.add({ kind: 't1-corrupt', direction: 'from-card', corrupt: (b) => Uint8Array.of(...b.subarray(0, 3), 0xee, 0xee, b[5]!) });
    expect(await exchange(r, `6F 06 00 00 00 00 03 00 00 00 ${block}`)).toBe('80 06 00 00 00 00 03 00 00 00 00 00 02 EE EE 64');
    expect(toHex(card.received.at(-1)!)).toBe(block);
  });

  it('triggers: every N-th opportunity, per slot, and seeded probability that replays', async () => {
    const r = await ready();
    r.faults.add({ kind: 'wrong-bseq', trigger: { every: 3 } });
    const seqs: number[] = [];
    for (let i = 0; i < 7; i++) seqs.push(Number.parseInt((await exchange(r, SELECT.replace('00 00 05 00', `00 00 ${(0x10 + i).toString(16)} 00`))).split(' ')[6]!, 16));
    expect(seqs).toEqual([0x10, 0x11, 0x13, 0x13, 0x14, 0x16, 0x16]);
    r.faults.clear();
    const other = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
    other.faults.add({ kind: 'duplicate-frame', slot: 2, trigger: 'always' });
    await openReader(other);
    await send(other, '65 00 00 00 00 01 01 00 00 00');
    await send(other, '65 00 00 00 00 02 02 00 00 00');
    expect([await nextTransfer(other), await nextTransfer(other), await nextTransfer(other)]).toEqual([
      '81 00 00 00 00 01 01 02 00 00',
      '81 00 00 00 00 02 02 02 00 00',
      '81 00 00 00 00 02 02 02 00 00',
    ]);
    const runs = [];
    for (let k = 0; k < 2; k++) {
      const p = await ready('short-apdu-1slot', { seed: 42 });
      p.faults.add({ kind: 'wrong-bseq', trigger: { probability: 0.5 } });
      const got: string[] = [];
      for (let i = 0; i < 16; i++) got.push((await exchange(p, SELECT)).split(' ')[6]!);
      runs.push(got.join(''));
    }
    expect(runs[0]).toBe(runs[1]);
    expect(runs[0]).toContain('06');
    expect(runs[0]).toContain('05');
    expect(() => r.faults.add({ kind: 'wrong-bseq', trigger: { every: 0 } })).toThrow();
  });
});

function bitCount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}
