import { describe, expect, it } from 'vitest';
import { UsbTransportError } from '../../src/errors.ts';
import { parseDescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { createEmulatedReader } from '../../src/sim/index.ts';
import { transferBytes, type UsbControlSetup } from '../../src/usb/transport.ts';
import { openReader, toHex } from './helpers.ts';

const getDescriptor = (type: number, index: number): UsbControlSetup => ({ requestType: 'standard', recipient: 'device', request: 6, value: (type << 8) | index, index: 0 });

describe('emulated reader: control endpoint', () => {
  it('serves the fixture device descriptor and the configuration cut to wLength', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM');
    const d = await openReader(reader);
    const dev = await d.controlTransferIn(getDescriptor(1, 0), 18);
    expect(toHex(transferBytes(dev))).toBe('12 01 00 02 00 00 00 40 50 1D 41 61 00 00 01 02 00 01');
    const head = await d.controlTransferIn(getDescriptor(2, 0), 9);
    expect(toHex(transferBytes(head))).toBe('09 02 5D 00 01 01 00 80 32');
    const whole = transferBytes(await d.controlTransferIn(getDescriptor(2, 0), 0x5d));
    expect(whole.length).toBe(0x5d);
    // CCID class descriptor: bMaxSlotIndex 7, dwFeatures 0x000100B0, bMaxCCIDBusySlots 8.
    expect(whole[18 + 4]).toBe(7);
    expect(toHex(whole.subarray(18 + 40, 18 + 44))).toBe('B0 00 01 00');
    expect(whole[18 + 53]).toBe(8);
    expect(reader.device.vendorId).toBe(0x1d50);
    expect(reader.device.productName).toBe('sysmoOCTSIM 0.2.40-172b');
  });

  it('serves string 0 as LANGID 0x0409, strings as UTF-16LE, and STALLs a missing one', async () => {
    const d = await openReader(createEmulatedReader('sysmoOCTSIM'));
    expect(toHex(transferBytes(await d.controlTransferIn(getDescriptor(3, 0), 255)))).toBe('04 03 09 04');
    const s = transferBytes(await d.controlTransferIn(getDescriptor(3, 4), 255));
    expect(toHex(s)).toBe('0A 03 43 00 43 00 49 00 44 00'); // "CCID"
    const missing = await d.controlTransferIn(getDescriptor(3, 3), 255);
    expect(missing.status).toBe('stall');
    const truncated = transferBytes(await d.controlTransferIn(getDescriptor(3, 2), 4));
    expect(toHex(truncated)).toBe(`30 03 73 00`); // bLength of "sysmoOCTSIM 0.2.40-172b" (23 chars) = 48
  });

  it('answers GET_CLOCK_FREQUENCIES / GET_DATA_RATES from the fixture, STALL for a recorded error', async () => {
    const oct = await openReader(createEmulatedReader('sysmoOCTSIM'));
    const classIn = (request: number): UsbControlSetup => ({ requestType: 'class', recipient: 'interface', request, value: 0, index: 0 });
    expect((await oct.controlTransferIn(classIn(2), 256)).status).toBe('stall');
    expect((await oct.controlTransferIn(classIn(3), 256)).status).toBe('stall');
    const t1 = await openReader(createEmulatedReader('tpdu-t1-1slot'));
    expect(toHex(transferBytes(await t1.controlTransferIn(classIn(2), 256)))).toBe('A0 0F 00 00 40 1F 00 00 E0 2E 00 00');
    expect(transferBytes(await t1.controlTransferIn(classIn(3), 8)).length).toBe(8);
  });

  it('refuses class requests to an unclaimed interface (WebUSB), unless strictClaim is off', async () => {
    const reader = createEmulatedReader('tpdu-t1-1slot');
    await reader.device.open();
    const setup: UsbControlSetup = { requestType: 'class', recipient: 'interface', request: 2, value: 0, index: 0 };
    await expect(reader.device.controlTransferIn(setup, 64)).rejects.toBeInstanceOf(UsbTransportError);
    const lax = createEmulatedReader('tpdu-t1-1slot', { strictClaim: false });
    await lax.device.open();
    expect((await lax.device.controlTransferIn(setup, 64)).status).toBe('ok');
  });

  it('answers GET_STATUS, GET_CONFIGURATION, SET_CONFIGURATION, and STALLs unknown requests', async () => {
    const d = await openReader(createEmulatedReader('short-apdu-1slot'));
    expect(toHex(transferBytes(await d.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 0, value: 0, index: 0 }, 2)))).toBe('00 00');
    expect(toHex(transferBytes(await d.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 8, value: 0, index: 0 }, 1)))).toBe('01');
    expect((await d.controlTransferOut({ requestType: 'standard', recipient: 'device', request: 9, value: 1, index: 0 })).status).toBe('ok');
    expect((await d.controlTransferOut({ requestType: 'standard', recipient: 'device', request: 9, value: 7, index: 0 })).status).toBe('stall');
    expect((await d.controlTransferIn({ requestType: 'vendor', recipient: 'device', request: 0x42, value: 0, index: 0 }, 8)).status).toBe('stall');
    await expect(d.selectConfiguration(2)).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    await d.selectConfiguration(1);
  });

  it('patches wMaxPacketSize and iSerialNumber into the descriptors it serves', async () => {
    const reader = createEmulatedReader('sysmoOCTSIM', { maxPacketSize: 16, serialNumber: 'OCT-7' });
    const d = await openReader(reader);
    const dev = transferBytes(await d.controlTransferIn(getDescriptor(1, 0), 18));
    expect(dev[16]).toBe(3);
    expect(transferBytes(await d.controlTransferIn(getDescriptor(3, 3), 255)).length).toBe(2 + 2 * 5);
    const cfg = transferBytes(await d.controlTransferIn(getDescriptor(2, 0), 255));
    const fixture = parseDescriptorFixture(`device: ${toHex(dev)}\nconfiguration: ${toHex(cfg)}\n`);
    // Bulk endpoints at offsets 72 and 79 (after interface 9 + class 54 + config 9).
    expect(fixture.configuration[72 + 4]).toBe(16);
    expect(fixture.configuration[79 + 4]).toBe(16);
    expect(fixture.configuration[86 + 4]).toBe(8); // interrupt untouched
    expect(d.serialNumber).toBe('OCT-7');
  });
});
