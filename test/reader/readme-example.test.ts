/**
 * The README's slot API example, run as written (only the import path differs: the README
 * imports from 'ccid', the package's single entry, which is src/index.ts). Keep the two in
 * sync: the body below between the markers is the README block.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hex, openReader, sim, toHex } from '../../src/index.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README example', () => {
  it('prints the ATR, 9000 for SELECT and "Hello world! 9000"', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    // --- README block start ---
    const emulated = sim.createEmulatedReader('sysmoOCTSIM');
    emulated.slots[0]!.insert(sim.helloWorldCard());

    const reader = await openReader(emulated.device);
    const slot = reader.slots[0]!;
    const { atr, protocol, fi, di } = await slot.powerOn();
    console.log('ATR', toHex(atr), `T=${protocol}`, `Fi/Di ${fi}/${di}`);
    const select = await slot.transmit(hex`00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01`);
    console.log('SELECT', select.sw.toString(16));
    const { data, sw } = await slot.transmit(hex`00 00 00 00`);
    console.log(new TextDecoder().decode(data), sw.toString(16));
    await reader.close();
    // --- README block end ---
    expect(lines).toEqual(['ATR 3B 9A 96 80 31 FE 45 80 58 63 63 69 64 2D 73 69 6D 89 T=0 Fi/Di 512/32', 'SELECT 9000', 'Hello world! 9000']);
  });
});
