/**
 * The page's non-DOM pieces, in Node: the chooser filters and the emulated `navigator.usb`
 * of `?sim=`, driven through the same `webUsbHost` + `openReader` path the page uses.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, UsbTransportError } from '../../src/errors.ts';
import { listedReaders } from '../../src/readers/index.ts';
import { openReader } from '../../src/reader/index.ts';
import { webUsbHost } from '../../src/usb/web/index.ts';
import { readerFilters, SMART_CARD_CLASS } from '../../src/web/filters.ts';
import { explainError } from '../../src/web/platform.ts';
import { simulatedUsb } from '../../src/web/sim-usb.ts';

describe('chooser filters', () => {
  it('the smart-card class, then each vendor of the usable list once, ascending', () => {
    const filters = readerFilters();
    expect(filters[0]).toEqual({ classCode: SMART_CARD_CLASS });
    const vendors = filters.slice(1).map((f) => f.vendorId!);
    expect(vendors).toEqual([...new Set(vendors)].sort((a, b) => a - b));
    const usable = new Set(listedReaders().filter((r) => r.status !== 'unsupported').map((r) => r.vendorId));
    expect(new Set(vendors)).toEqual(usable);
    // sysmocom (1d50) is in the list; every filter is either class-only or vendor-only.
    expect(vendors).toContain(0x1d50);
    for (const f of filters.slice(1)) expect(Object.keys(f)).toEqual(['vendorId']);
  });
});

describe('the emulated navigator.usb of ?sim=', () => {
  it('requestDevice honours the filters; no match is the chooser closed empty-handed', async () => {
    const sim = simulatedUsb('sysmoOCTSIM', { timeScale: 0 });
    const host = webUsbHost(sim.usb);
    await expect(host.requestDevice([{ vendorId: 0x072f }])).rejects.toBeInstanceOf(CancelledError);
    const byClass = await host.requestDevice([{ classCode: 0x0b }]);
    expect([byClass.vendorId, byClass.productId]).toEqual([0x1d50, 0x6141]);
    const byVendor = await host.requestDevice([{ vendorId: 0x1d50 }]);
    expect(byVendor).toBe(byClass);
  });

  it('drives the reader through openReader: hello world in slot 3, removal seen in slot 5', async () => {
    const sim = simulatedUsb('sysmoOCTSIM', { timeScale: 0, cardSlots: [3, 5] });
    const device = await webUsbHost(sim.usb).requestDevice(readerFilters());
    const reader = await openReader(device);
    try {
      expect(reader.slots.map((s) => s.state)).toEqual(['absent', 'absent', 'absent', 'inactive', 'absent', 'inactive', 'absent', 'absent']);
      const slot = reader.slots[3]!;
      await slot.powerOn();
      expect((await slot.transmit(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x0a, 0xa0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x0c, 0x06, 0x01))).sw).toBe(0x9000);
      const hello = await slot.transmit(Uint8Array.of(0, 0, 0, 0));
      expect(new TextDecoder().decode(hello.data)).toBe('Hello world!');
      const removed = new Promise<number>((resolve) => reader.on('cardRemoved', ({ slot: s }) => resolve(s.index)));
      sim.reader.slots[5]!.remove();
      expect(await removed).toBe(5);
    } finally {
      await reader.close();
    }
  });

  it('protected=1 refuses claimInterface as Chromium does, and the page explains it', async () => {
    const sim = simulatedUsb('sysmoOCTSIM', { timeScale: 0, blockProtectedClass: true });
    const device = await webUsbHost(sim.usb).requestDevice(readerFilters());
    const error = await openReader(device).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsbTransportError);
    expect((error as UsbTransportError).code).toBe('CCID_ERR_USB_SECURITY');
    expect((error as UsbTransportError).cause).toMatchObject({ name: 'SecurityError' });
    const explained = explainError(error, 'Opening the reader');
    expect(explained.title).toBe('The browser refuses to talk to this reader');
    expect(explained.text.join(' ')).toMatch(/usb-unrestricted.*setUSBProtectedClassesHandler.*0xFF/s);
  });

  it('an unknown profile is an ArgumentError naming the built-in ones', () => {
    expect(() => simulatedUsb('no-such-reader')).toThrow(/unknown emulator profile "no-such-reader".*sysmoOCTSIM/);
  });
});
