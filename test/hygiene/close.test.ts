/**
 * Closing a reader releases its interface and stops its loops: the same emulated device
 * opened again right after works (a read loop left running would take the new reader's
 * answers, or collide on the endpoint, which the emulator refuses as npm `usb` v3 does);
 * a device the caller opened stays open; no timer survives close or destroy; listeners
 * added with `on` are removed by the function it returns.
 */
import { describe, expect, it } from 'vitest';
import { openReader } from '../../src/reader/index.ts';
import { createEmulatedReader, helloWorldCard, synthesizeFixture } from '../../src/sim/index.ts';

const SELECT = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x0a, 0xa0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x0c, 0x06, 0x01);
const HELLO = Uint8Array.of(0x00, 0x00, 0x00, 0x00);

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

async function hello(reader: Awaited<ReturnType<typeof openReader>>): Promise<string> {
  const slot = reader.slots[0]!;
  await slot.powerOn();
  await slot.transmit(SELECT);
  return new TextDecoder().decode((await slot.transmit(HELLO)).data);
}

describe('close and destroy', () => {
  it.each([
    ['interrupt-IN reader', 'sysmoOCTSIM'],
    ['polled reader (no interrupt-IN)', synthesizeFixture({ name: 'polled', slots: 1, level: 'tpdu', interrupt: false })],
  ] as const)('%s: reopening the same device after close works, 5 times over', async (_name, profile) => {
    const emulated = createEmulatedReader(profile, { timeScale: 0 });
    emulated.slots[0]!.insert(helloWorldCard());
    const before = timers();
    for (let i = 0; i < 5; i++) {
      const reader = await openReader(emulated.device, { engine: { pollIntervalMs: 20 } });
      expect(await hello(reader)).toBe('Hello world!');
      await reader.close();
      expect(reader.state).toBe('closed');
      expect(emulated.device.opened).toBe(false); // openReader opened it, so close closed it
    }
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('a device the caller opened stays open, its interface released (claimable again)', async () => {
    const emulated = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
    emulated.slots[0]!.insert(helloWorldCard());
    await emulated.device.open();
    const reader = await openReader(emulated.device);
    expect(await hello(reader)).toBe('Hello world!');
    await reader.close();
    expect(emulated.device.opened).toBe(true);
    await emulated.device.claimInterface(0);
    await emulated.device.releaseInterface(0);
    const again = await openReader(emulated.device);
    expect(await hello(again)).toBe('Hello world!');
    again.destroy();
    await emulated.device.close();
  });

  it('destroy fails pending work with CCID_ERR_READER_CLOSED and leaves no timer', async () => {
    const emulated = createEmulatedReader('sysmoOCTSIM', { timeScale: 1 });
    emulated.slots[0]!.insert(helloWorldCard({ processingMs: 200 }));
    const before = timers();
    const reader = await openReader(emulated.device);
    await reader.slots[0]!.powerOn();
    const pending = reader.slots[0]!.transmit(SELECT);
    reader.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'CCID_ERR_READER_CLOSED' });
    // The command may have reached the emulated card before destroy(): the card's own
    // 200 ms processing timer (the device's, not the driver's) is let run out first. A
    // driver timer left behind (deadline ≥ 3 s, poll, retry) would still be counted.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('reader.on returns a remover; a removed listener is not called', async () => {
    const emulated = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
    emulated.slots[0]!.insert(helloWorldCard());
    const reader = await openReader(emulated.device);
    const seen: number[] = [];
    const off = reader.on('cardRemoved', ({ slot }) => seen.push(slot.index));
    emulated.slots[0]!.remove();
    await new Promise((resolve) => setTimeout(resolve, 10));
    off();
    emulated.slots[0]!.insert(helloWorldCard());
    await new Promise((resolve) => setTimeout(resolve, 10));
    emulated.slots[0]!.remove();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([0]);
    await reader.close();
  });
});
