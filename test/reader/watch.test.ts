/**
 * watchReaders: readers present at start and plugged later are opened and reported;
 * unplugged ones are reported and destroyed; there is no fixed reader limit.
 */
import { describe, expect, it } from 'vitest';
import { watchReaders, type ReaderAddedEvent, type ReaderRemovedEvent } from '../../src/reader/index.ts';
import { SimHost, createEmulatedReader, helloWorldCard } from '../../src/sim/index.ts';
import { HELLO, SELECT_HELLO, text } from './helpers.ts';

describe('watchReaders', () => {
  it('opens the readers present, those plugged later (20 in all), and reports unplugs', async () => {
    const first = createEmulatedReader('sysmoOCTSIM', { timeScale: 0, serialNumber: 'OCT0' });
    first.slots[0]!.insert(helloWorldCard({ protocol: 0 }));
    const host = new SimHost([first, createEmulatedReader('short-apdu-1slot', { timeScale: 0 })]);
    const watcher = watchReaders(host);
    const added: ReaderAddedEvent[] = [];
    const removed: ReaderRemovedEvent[] = [];
    watcher.on('added', (e) => added.push(e));
    watcher.on('removed', (e) => removed.push(e));
    try {
      await watcher.ready;
      expect(added.map((e) => e.reader?.vendorId).sort()).toEqual([0x1209, 0x1d50]);
      expect(added.every((e) => e.error === undefined)).toBe(true);
      const plugged = Array.from({ length: 18 }, (_, i) => host.plug('2slot-1busy', { timeScale: 0, serialNumber: `B${i}` }));
      await expect.poll(() => watcher.readers.length).toBe(20);
      // The first reader works through the watcher's Reader.
      const slot = added.find((e) => e.device === first.device)!.reader!.slots[0]!;
      await slot.powerOn();
      expect((await slot.transmit(SELECT_HELLO)).sw).toBe(0x9000);
      expect(text((await slot.transmit(HELLO)).data)).toBe('Hello world!');
      plugged[3]!.unplug();
      await expect.poll(() => removed.length).toBe(1);
      expect(removed[0]!.device).toBe(plugged[3]!.device);
      expect(removed[0]!.reader.state).not.toBe('open');
      expect(watcher.readers.length).toBe(19);
    } finally {
      await watcher.close();
    }
    expect(added.filter((e) => e.reader !== undefined).every((e) => e.reader!.state !== 'open')).toBe(true);
  });
});
