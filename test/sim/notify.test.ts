import { describe, expect, it } from 'vitest';
import { SimHost, createEmulatedReader, synthesizeFixture } from '../../src/sim/index.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { EchoCard } from './echo-card.ts';
import { eps, openReader, readInterrupt, send, settleWithin, toHex } from './helpers.ts';

describe('emulated reader: interrupt-IN NotifySlotChange (CCID 1.1 §6.3.1)', () => {
  it('reports insertion and removal with present/changed bits, to a pending transferIn', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM');
    await openReader(reader);
    const pending = readInterrupt(reader);
    expect(await settleWithin(pending, 20)).toBe('pending');
    reader.slots[5]!.insert(new EchoCard());
    // 8 slots → 1 + 2 bytes; slot 5 is bits 2..3 of the second byte: present | changed = 0x0C.
    expect(await pending).toBe('50 00 0C');
    reader.slots[5]!.remove();
    expect(await readInterrupt(reader)).toBe('50 00 08');
  });

  it('queues changes made while nobody reads, merged into one message, never lost', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM');
    reader.slots[0]!.insert(new EchoCard());
    reader.slots[3]!.insert(new EchoCard());
    reader.slots[0]!.remove();
    await openReader(reader);
    // slot 0: absent, changed (0x02); slot 3: present, changed (0xC0).
    expect(await readInterrupt(reader)).toBe('50 C2 00');
    reader.slots[7]!.insert(new EchoCard());
    expect(await readInterrupt(reader)).toBe('50 40 C0');
    expect(reader.stats.notifications).toBe(2);
  });

  it('handles any slot count: a 96-slot reader sends 1 + 24 bytes', async () => {
    const reader = createEmulatedReader(synthesizeFixture({ name: '96-slots', slots: 96, busySlots: 96, level: 'short-apdu' }));
    expect(reader.slots.length).toBe(96);
    await openReader(reader);
    reader.slots[95]!.insert(new EchoCard());
    const first = await readInterrupt(reader);
    expect(first.split(' ').length).toBe(25);
    expect(first).toBe(`50 ${'00 '.repeat(23)}C0`);
    reader.slots[40]!.insert(new EchoCard());
    reader.slots[95]!.remove();
    const second = transferBytes(await reader.device.transferIn(eps(reader).intr!, 64));
    expect(second[1 + 10]).toBe(0x03); // slot 40: present + changed
    expect(second[24]).toBe(0x80); // slot 95: absent + changed
  });

  it('a reader without interrupt endpoint simply has nothing to notify', async () => {
    const reader = createEmulatedReader(synthesizeFixture({ name: 'no-int', slots: 2, level: 'tpdu', interrupt: false }));
    await openReader(reader);
    reader.slots[1]!.insert(new EchoCard());
    expect(reader.stats.notifications).toBe(0);
    await send(reader, '65 00 00 00 00 01 01 00 00 00');
    expect(toHex(transferBytes(await reader.device.transferIn(eps(reader).bulkIn, 64)))).toBe('81 00 00 00 00 01 01 01 00 00');
  });
});

describe('SimHost: many emulated readers', () => {
  it('12 sysmoOCTSIM readers, 96 slots, all exchange at once', async () => {
    const host = new SimHost();
    const events: string[] = [];
    host.watch((e) => events.push(`${e.type} ${e.device.serialNumber}`));
    const readers = Array.from({ length: 12 }, (_, i) => host.plug('sysmoOCTSIM', { serialNumber: `OCT${i}`, wireTime: false }));
    expect(events.length).toBe(12);
    expect((await host.getDevices()).length).toBe(12);
    for (const r of readers) {
      for (const s of r.slots) s.insert(new EchoCard({ processingMs: 80 }));
      await openReader(r);
      for (let i = 0; i < 8; i++) {
        await send(r, `62 00 00 00 00 0${i} 0${i} 00 00 00`);
        await r.device.transferIn(1, 64);
      }
    }
    const t0 = performance.now();
    // Writes are queued per reader (one transfer in flight per endpoint), readers in parallel.
    await Promise.all(
      readers.map(async (r) => {
        for (let i = 0; i < 8; i++) await send(r, `6F 05 00 00 00 0${i} 1${i} 00 00 00 00 B0 00 00 02`);
      }),
    );
    const results = await Promise.all(
      readers.map(async (r) => {
        const got: string[] = [];
        while (got.length < 8) {
          const hex = toHex(transferBytes(await r.device.transferIn(1, 64)));
          got.push(hex);
        }
        return got.sort();
      }),
    );
    const elapsed = performance.now() - t0;
    for (const got of results) expect(got).toEqual(Array.from({ length: 8 }, (_, i) => `80 04 00 00 00 0${i} 1${i} 00 00 00 A5 A5 90 00`));
    expect(elapsed).toBeLessThan(80 * 4);
    for (const r of readers) expect(r.stats.peakBusySlots).toBe(8);
    readers[3]!.unplug();
    expect(events.at(-1)).toBe('disconnect OCT3');
    expect((await host.getDevices()).length).toBe(11);
  });
});
