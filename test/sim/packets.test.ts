import { describe, expect, it } from 'vitest';
import { createEmulatedReader } from '../../src/sim/index.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { EchoCard } from './echo-card.ts';
import { exchange, openReader, readMessage, send, toHex } from './helpers.ts';

/** An XfrBlock whose echo answer is 10 + (n + 2) bytes long at APDU level. */
function xfrOfLength(seq: number, n: number): Uint8Array {
  const msg = new Uint8Array(10 + n);
  msg.set([0x6f, n, 0, 0, 0, 0, seq, 0, 0, 0]);
  for (let i = 0; i < n; i++) msg[10 + i] = i;
  return msg;
}

describe('emulated reader: bulk-IN packets', () => {
  it('with wMaxPacketSize 16, answers longer than 16 bytes come as the largest multiple of 16, then the rest', async () => {
    const reader = createEmulatedReader('short-apdu-1slot', { timeScale: 0, maxPacketSize: 16 });
    reader.slots[0]!.insert(new EchoCard());
    await openReader(reader);
    const atr = await send(reader, '62 00 00 00 00 00 01 00 00 00').then(() => readMessage(reader));
    expect(atr.transfers).toEqual([14]);
    // Message length 12 + n: 16 → one transfer; 25 → 16 + 9; 32 → 16 + 16; 72 → 64 + 8; 112 → 96 + 16.
    for (const [n, expected] of [
      [4, [16]],
      [13, [16, 9]],
      [20, [16, 16]],
      [60, [64, 8]],
      [100, [96, 16]],
    ] as [number, number[]][]) {
      await send(reader, xfrOfLength(2, n));
      const m = await readMessage(reader);
      expect(m.bytes.length).toBe(12 + n);
      expect(m.transfers).toEqual(expected);
    }
  });

  it("'packets' mode gives one transfer per packet; 'whole' one per message", async () => {
    for (const [mode, expected] of [
      ['packets', [16, 16, 16, 2]],
      ['whole', [50]],
    ] as const) {
      const reader = createEmulatedReader('short-apdu-1slot', { timeScale: 0, maxPacketSize: 16, bulkInSplit: mode });
      reader.slots[0]!.insert(new EchoCard());
      await openReader(reader);
      await exchange(reader, '62 00 00 00 00 00 01 00 00 00');
      await send(reader, xfrOfLength(2, 38));
      expect((await readMessage(reader)).transfers).toEqual(expected);
    }
  });

  it('a transferIn shorter than the message gets the first bytes; the rest waits for the next one', async () => {
    const reader = createEmulatedReader('short-apdu-1slot', { timeScale: 0 });
    reader.slots[0]!.insert(new EchoCard());
    await openReader(reader);
    await send(reader, '62 00 00 00 00 00 01 00 00 00');
    const a = transferBytes(await reader.device.transferIn(1, 8));
    const b = transferBytes(await reader.device.transferIn(1, 64));
    expect(toHex(a)).toBe('80 04 00 00 00 00 01 00');
    expect(toHex(b)).toBe('00 00 3B 02 14 50');
  });

  it('serves the packet size it splits at in its endpoint descriptors', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM', { maxPacketSize: 16 });
    await openReader(reader);
    const cfg = transferBytes(await reader.device.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0200, index: 0 }, 255));
    const bulk = [];
    for (let o = 0; o < cfg.length; o += cfg[o]!) if (cfg[o + 1] === 5 && (cfg[o + 3]! & 3) === 2) bulk.push(cfg[o + 4]! | (cfg[o + 5]! << 8));
    expect(bulk).toEqual([16, 16]);
  });
});
