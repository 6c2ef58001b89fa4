/**
 * describeDevice against the fixture device and small variations of it: what it asks the
 * device, how string and class-request failures are recorded, cancellation, open/close,
 * and transport errors that are fatal. Also the fixture and JSON views of a description.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsbTransportError } from '../../src/errors.ts';
import {
  descriptionToJson,
  describeDevice,
  formatLibccidParse,
  parseDescriptorSet,
  toDescriptorFixture,
} from '../../src/descriptors/index.ts';
import { formatDescriptorFixture, parseDescriptorFixture, type DescriptorFixture } from '../../src/fixtures/desc-file.ts';
import type { UsbControlSetup, UsbInTransferResult } from '../../src/usb/transport.ts';
import { FixtureUsbDevice } from '../support/fixture-device.ts';

const octsim = parseDescriptorFixture(readFileSync(new URL('../../descriptors/sysmocom_sysmoOCTSIM.desc', import.meta.url), 'utf8'));

/** A fixture device whose control transfers can be intercepted. */
class HookedDevice extends FixtureUsbDevice {
  constructor(
    fixture: DescriptorFixture,
    private readonly hook: (setup: UsbControlSetup, count: number) => Promise<UsbInTransferResult> | undefined,
  ) {
    super(fixture);
  }
  override async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    const hooked = this.hook(setup, this.log.length);
    if (hooked !== undefined) {
      this.log.push({ setup, length });
      return hooked;
    }
    return super.controlTransferIn(setup, length);
  }
}

describe('describeDevice', () => {
  it('reads device, configuration header then whole configuration, LANGID, each used string, then the class requests', async () => {
    const fake = new FixtureUsbDevice(octsim);
    await describeDevice(fake);
    const std = (value: number, index: number, length: number) => ({ setup: { requestType: 'standard', recipient: 'device', request: 6, value, index }, length });
    const cls = (request: number) => ({ setup: { requestType: 'class', recipient: 'interface', request, value: 0, index: 0 }, length: 1024 });
    expect(fake.log).toEqual([std(0x0100, 0, 18), std(0x0200, 0, 9), std(0x0200, 0, 93), std(0x0300, 0, 255), std(0x0301, 0x0409, 255), std(0x0302, 0x0409, 255), std(0x0304, 0x0409, 255), cls(2), cls(3)]);
  });

  it('records a STALLed string, reads iSerialNumber, and keeps the LANGID', async () => {
    const device = octsim.device.slice();
    device[16] = 3; // iSerialNumber
    const strings = new Map(octsim.strings);
    strings.delete(2); // iProduct STALLs
    strings.set(3, 'SN-0042');
    const desc = await describeDevice(new FixtureUsbDevice({ ...octsim, device, strings }));
    expect(desc.strings).toEqual({ manufacturer: 'sysmocom - s.f.m.c. GmbH', serialNumber: 'SN-0042' });
    expect(desc.stringTable.get(2)).toEqual({ kind: 'error', text: 'LIBUSB_ERROR_PIPE' });
    expect(desc.languageId).toBe(0x0409);
    expect(formatLibccidParse(desc)[3]).toBe("  Can't get iProduct string: LIBUSB_ERROR_PIPE");
  });

  it('keeps class-request values, wrong sizes, empty answers, STALLs and timeouts', async () => {
    const answers = (clock: DescriptorFixture['clockFrequencies'], rates: DescriptorFixture['dataRates']) => describeDevice(new FixtureUsbDevice({ ...octsim, clockFrequencies: clock, dataRates: rates }));
    const data = (...bytes: number[]) => ({ kind: 'data' as const, bytes: Uint8Array.from(bytes) });
    const desc = await answers(new Map([[0, data(0xc4, 0x09, 0, 0, 0x88, 0x13, 0, 0)]]), new Map([[0, data(1, 2, 3)]]));
    expect(desc.interfaces[0]!.clockFrequencies).toMatchObject({ kind: 'values', values: [2500, 5000], wrongSize: false });
    expect(desc.interfaces[0]!.dataRates).toMatchObject({ kind: 'values', values: [], wrongSize: true });
    const failed = await answers(new Map([[0, { kind: 'error', text: 'LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED' }]]), new Map());
    expect(failed.interfaces[0]!.clockFrequencies).toEqual({ kind: 'error', text: 'LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED', reason: 'empty' });
    expect(failed.interfaces[0]!.dataRates).toEqual({ kind: 'error', text: 'LIBUSB_ERROR_PIPE', reason: 'stall' });
    const timeout = await describeDevice(new FixtureUsbDevice(octsim));
    expect(timeout.interfaces[0]!.clockFrequencies).toEqual({ kind: 'error', text: 'LIBUSB_ERROR_TIMEOUT', reason: 'timeout', code: 'CCID_ERR_USB_TIMEOUT' });
  });

  it('records a browser-style rejection of an unclaimed interface as the request failure', async () => {
    const fake = new HookedDevice(octsim, (setup) =>
      setup.requestType === 'class' ? Promise.reject(new DOMException('The specified interface has not been claimed.', 'InvalidStateError')) : undefined,
    );
    const desc = await describeDevice(fake);
    expect(desc.interfaces[0]!.clockFrequencies).toEqual({
      kind: 'error',
      text: 'InvalidStateError: The specified interface has not been claimed.',
      reason: 'transport',
      code: 'CCID_ERR_USB_IO',
    });
  });

  it('lets a device that goes away fail the whole description', async () => {
    const fake = new HookedDevice(octsim, (setup) => (setup.requestType === 'class' ? Promise.reject(new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', 'unplugged')) : undefined));
    await expect(describeDevice(fake)).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    expect(fake.opened).toBe(false);
    const stalled = new HookedDevice(octsim, (setup) => (setup.value === 0x0100 ? Promise.resolve({ status: 'stall' }) : undefined));
    await expect(describeDevice(stalled)).rejects.toMatchObject({ name: 'UsbTransportError', code: 'CCID_ERR_USB_STALL' });
  });

  it('stops between transfers when the signal aborts, and sends nothing when it already has', async () => {
    const controller = new AbortController();
    const fake = new HookedDevice(octsim, (_setup, count) => {
      if (count === 4) controller.abort();
      return undefined;
    });
    await expect(describeDevice(fake, { signal: controller.signal })).rejects.toMatchObject({ name: 'CancelledError', code: 'CCID_ERR_CANCELLED' });
    expect(fake.log).toHaveLength(5);
    expect(fake.opened).toBe(false);
    const idle = new FixtureUsbDevice(octsim);
    await expect(describeDevice(idle, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CCID_ERR_CANCELLED' });
    expect(idle.log).toEqual([]);
  });

  it('leaves an open device open, and skips class requests when asked', async () => {
    const fake = new FixtureUsbDevice(octsim);
    await fake.open();
    const desc = await describeDevice(fake, { classRequests: false });
    expect(fake.opened).toBe(true);
    expect(fake.log.some((l) => l.setup.requestType === 'class')).toBe(false);
    expect(desc.interfaces[0]!.clockFrequencies).toEqual({ kind: 'not-requested' });
    expect(formatLibccidParse(desc).some((l) => l.includes('GET CLOCK FREQUENCIES'))).toBe(false);
  });
});

describe('views of a description', () => {
  it('saves a fixture that describes to the same libccid dump (all 592 reference fixtures)', () => {
    const dir = new URL('../../../shared/reference/libccid/fixtures/', import.meta.url);
    const names = readdirSync(dir).filter((f) => f.endsWith('.desc'));
    expect(names).toHaveLength(592);
    for (const name of names) {
      const original = parseDescriptorSet(parseDescriptorFixture(readFileSync(new URL(name, dir), 'utf8')));
      const saved = formatDescriptorFixture(toDescriptorFixture(original));
      const again = parseDescriptorSet(parseDescriptorFixture(saved));
      expect(formatLibccidParse(again), name).toEqual(formatLibccidParse(original));
      expect(again.configuration.raw).toEqual(original.configuration.raw);
    }
  });

  it('gives JSON with every field decoded and raw bytes as hex', () => {
    const json = JSON.parse(JSON.stringify(descriptionToJson(parseDescriptorSet(octsim))));
    expect(json.reader).toBe('1d50:6141');
    expect(json.device.raw).toBe('12 01 00 02 00 00 00 40 50 1D 41 61 00 00 01 02 00 01');
    const itf = json.interfaces[0];
    expect([itf.slotCount, itf.maxBusySlots, itf.exchangeLevel, itf.kind, itf.classDescriptorPlacement]).toEqual([8, 8, 'tpdu', 'ccid', 'after-interface']);
    expect(itf.ccid.features).toMatchObject({ value: 0x000100b0, tpduLevel: true, automaticPps: true, iccdToken: false });
    expect(itf.ccid.raw.split(' ')).toHaveLength(54);
    expect(itf.featureNames).toHaveLength(4);
    expect(itf.clockFrequencies).toEqual({ kind: 'error', text: 'LIBUSB_ERROR_TIMEOUT', reason: 'timeout' });
    expect(json.stringTable['4']).toEqual({ kind: 'text', text: 'CCID' });
  });
});
