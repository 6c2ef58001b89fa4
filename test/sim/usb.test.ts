import { describe, expect, it } from 'vitest';
import { SimHost, createEmulatedReader } from '../../src/sim/index.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { EchoCard } from './echo-card.ts';
import { exchange, openReader, readInterrupt, send, settleWithin, toHex } from './helpers.ts';

describe('emulated reader: USB semantics (src/usb/transport.ts contract)', () => {
  it('needs an open device and a claimed interface for bulk I/O', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM');
    await expect(reader.device.transferIn(1, 64)).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    await reader.device.open();
    await expect(reader.device.transferIn(1, 64)).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    await expect(reader.device.transferOut(2, new Uint8Array(10))).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    await expect(reader.device.claimInterface(1)).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    await reader.device.claimInterface(0);
    await expect(reader.device.transferIn(5, 64)).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    expect(reader.device.opened).toBe(true);
  });

  it('rejects a second concurrent transfer on one endpoint (strict, like npm usb v3), queues it otherwise', async () => {
    const strict = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
    await openReader(strict);
    const first = strict.device.transferIn(1, 64);
    await expect(strict.device.transferIn(1, 64)).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    const w1 = strict.device.transferOut(2, Uint8Array.of(0x65, 0, 0, 0, 0, 0, 1, 0, 0, 0));
    await expect(strict.device.transferOut(2, Uint8Array.of(0x65, 0, 0, 0, 0, 0, 2, 0, 0, 0))).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    await w1;
    expect(toHex(transferBytes(await first))).toBe('81 00 00 00 00 00 01 02 00 00');
    const lax = createEmulatedReader('sysmoOCTSIM', { timeScale: 0, strictEndpoints: false });
    await openReader(lax);
    const a = lax.device.transferIn(1, 64);
    const b = lax.device.transferIn(1, 64);
    await Promise.all([send(lax, '65 00 00 00 00 00 01 00 00 00'), send(lax, '65 00 00 00 00 01 02 00 00 00')]);
    expect(toHex(transferBytes(await a))).toBe('81 00 00 00 00 00 01 02 00 00');
    expect(toHex(transferBytes(await b))).toBe('81 00 00 00 00 01 02 02 00 00');
  });

  it('close() and releaseInterface() reject the pending transferIn with CCID_ERR_USB_CLOSED; data waits', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
    await openReader(reader);
    const pending = reader.device.transferIn(1, 64);
    const intr = reader.device.transferIn(3, 8);
    await reader.device.releaseInterface(0);
    await expect(pending).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    await expect(intr).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    await reader.device.claimInterface(0);
    const again = reader.device.transferIn(1, 64);
    await reader.device.close();
    await expect(again).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    expect(reader.device.opened).toBe(false);
    reader.slots[2]!.insert(new EchoCard());
    await openReader(reader);
    expect(await readInterrupt(reader)).toBe('50 30 00');
  });

  it('unplug rejects every pending transfer and every later call with CCID_ERR_USB_DEVICE_GONE', async () => {
    const host = new SimHost();
    const events: string[] = [];
    const stop = host.watch((e) => events.push(e.type));
    const reader = host.plug('sysmoOCTSIM', { wireTime: false });
    reader.slots[0]!.insert(new EchoCard({ processingMs: 50 }));
    await openReader(reader);
    await readInterrupt(reader);
    await exchange(reader, '62 00 00 00 00 00 01 00 00 00');
    await send(reader, '6F 05 00 00 00 00 02 00 00 00 00 B0 00 00 02');
    const bulk = reader.device.transferIn(1, 64);
    const intr = reader.device.transferIn(3, 8);
    host.unplug(reader);
    await expect(bulk).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE', name: 'UsbTransportError' });
    await expect(intr).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await expect(reader.device.transferIn(1, 64)).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await expect(reader.device.transferOut(2, new Uint8Array(10))).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await expect(reader.device.open()).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await expect(reader.device.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x100, index: 0 }, 18)).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    expect(reader.slots[0]!.busy).toBe(false);
    expect(reader.device.opened).toBe(false);
    expect(events).toEqual(['connect', 'disconnect']);
    expect(() => reader.slots[1]!.insert(new EchoCard())).toThrow();
    stop();
    host.plug('short-apdu-1slot');
    expect(events.length).toBe(2);
  });

  it('reset() drops queued answers and deactivates the cards', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
    reader.slots[0]!.insert(new EchoCard());
    await openReader(reader);
    await exchange(reader, '62 00 00 00 00 00 01 00 00 00');
    await send(reader, '65 00 00 00 00 00 02 00 00 00');
    await reader.device.reset();
    expect(reader.slots[0]!.state).toBe('inactive');
    expect(await settleWithin(reader.device.transferIn(1, 64), 20)).toBe('pending');
  });
});
