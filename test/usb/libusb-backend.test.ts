/**
 * The npm `usb` 2.x (libusb) backend without USB hardware: the real module's shape, error
 * mapping from libusb's codes, transfers through a fake libusb `Transfer` (completion,
 * stall, babble, cancellation on close / release / unplug, re-use), claiming with
 * `--force`, the host's CCID filter on libusb's cached descriptors, sysfs names, and a
 * whole reader session (power on, APDUs, power off) on the emulator behind the fake.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsbTransportError } from '../../src/errors.ts';
import { openReader } from '../../src/reader/index.ts';
import { createSimSession } from '../../src/cli/sim-node.ts';
import { describeDevice } from '../../src/descriptors/index.ts';
import type { UsbDevice } from '../../src/usb/transport.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import {
  LIBUSB_ERROR,
  LIBUSB_TRANSFER,
  LibusbDevice,
  LibusbHost,
  classifyLibusbInterfaces,
  mapLibusbError,
  type LibusbConfigDescriptor,
  type LibusbError,
  type LibusbModule,
  type LibusbNativeDevice,
  type LibusbNativeInterface,
  type LibusbTransferConstructor,
} from '../../src/usb/libusb/index.ts';
import { createNodeUsbHost, nodeUsbBackendFromEnv, parseNodeUsbBackend } from '../../src/usb/node-backend.ts';

function libusbError(errno: number, message = `LIBUSB_${errno}`): LibusbError {
  return Object.assign(new Error(message), { errno });
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** What a fake transfer does when submitted: complete with bytes, or fail with a status. */
type Completion = { data?: Uint8Array; status?: number; actual?: number };

/**
 * A scripted libusb: each submitted transfer waits until the test completes it
 * (`complete(address, ...)`), or until `cancel()`, which completes it with
 * LIBUSB_TRANSFER_CANCELLED as libusb does, asynchronously.
 */
class FakeLibusb {
  readonly submitted: { address: number; buffer: Uint8Array; timeout: number }[] = [];
  readonly created: number[] = [];
  readonly pending = new Map<number, { buffer: Uint8Array; done: (error: LibusbError | undefined, buffer: Uint8Array, actual: number) => void }[]>();

  readonly Transfer: LibusbTransferConstructor;

  constructor() {
    const fake = this;
    this.Transfer = class {
      #active = false;
      #buffer: Uint8Array = new Uint8Array(0);
      constructor(
        _device: LibusbNativeDevice,
        readonly address: number,
        _type: number,
        readonly timeout: number,
        readonly callback: (error: LibusbError | undefined, buffer: Uint8Array, actual: number) => void,
      ) {
        fake.created.push(address);
      }
      submit(buffer: Uint8Array): unknown {
        if (this.#active) throw new Error('Transfer is already active');
        this.#active = true;
        this.#buffer = buffer;
        fake.submitted.push({ address: this.address, buffer, timeout: this.timeout });
        const list = fake.pending.get(this.address) ?? [];
        list.push({
          buffer,
          done: (error, b, actual) => {
            this.#active = false;
            this.callback(error, b, actual);
          },
        });
        fake.pending.set(this.address, list);
        return this;
      }
      cancel(): boolean {
        if (!this.#active) return false;
        const list = fake.pending.get(this.address) ?? [];
        const i = list.findIndex((p) => p.buffer === this.#buffer);
        if (i < 0) return false;
        const [p] = list.splice(i, 1);
        setTimeout(() => p!.done(libusbError(LIBUSB_TRANSFER.CANCELLED, 'LIBUSB_TRANSFER_CANCELLED'), this.#buffer, 0), 0);
        return true;
      }
    };
  }

  complete(address: number, completion: Completion): void {
    const p = this.pending.get(address)?.shift();
    if (p === undefined) throw new Error(`no transfer pending on 0x${address.toString(16)}`);
    let actual = completion.actual ?? 0;
    if (completion.data !== undefined) {
      p.buffer.set(completion.data.subarray(0, p.buffer.length));
      actual = Math.min(completion.data.length, p.buffer.length);
    } else if (completion.actual === undefined && (address & 0x80) === 0) {
      actual = p.buffer.length;
    }
    p.done(completion.status === undefined ? undefined : libusbError(completion.status), p.buffer, actual);
  }
}

/** A one-interface CCID configuration as libusb describes it: bulk-OUT, bulk-IN, interrupt-IN addresses. */
function ccidConfig(bulkOut: number, bulkIn: number, interruptIn: number): LibusbConfigDescriptor {
  return {
    bConfigurationValue: 1,
    interfaces: [
      [
        {
          bInterfaceNumber: 0,
          bAlternateSetting: 0,
          bInterfaceClass: 0x0b,
          extra: new Uint8Array(0),
          endpoints: [
            { bEndpointAddress: bulkOut, bmAttributes: 2, wMaxPacketSize: 64 },
            { bEndpointAddress: bulkIn, bmAttributes: 2, wMaxPacketSize: 64 },
            { bEndpointAddress: interruptIn, bmAttributes: 3, wMaxPacketSize: 8 },
          ],
        },
      ],
    ],
  };
}

const CONFIG = ccidConfig(0x02, 0x81, 0x83);

class FakeInterface implements LibusbNativeInterface {
  claimed = false;
  kernelDriver = false;
  detached = 0;
  claimError: LibusbError | undefined;
  readonly cleared: number[] = [];
  readonly endpoints = [0x02, 0x81, 0x83].map((address) => ({ address, clearHalt: (cb: (error?: LibusbError) => void) => (this.cleared.push(address), setTimeout(() => cb(), 0)) }));
  claim(): void {
    if (this.kernelDriver) throw libusbError(LIBUSB_ERROR.BUSY, 'LIBUSB_ERROR_BUSY');
    if (this.claimError) throw this.claimError;
    this.claimed = true;
  }
  release(callback: (error?: LibusbError) => void): void {
    this.claimed = false;
    setTimeout(() => callback(), 0);
  }
  isKernelDriverActive(): boolean {
    return this.kernelDriver;
  }
  detachKernelDriver(): void {
    this.detached++;
    this.kernelDriver = false;
  }
}

class FakeNativeDevice implements LibusbNativeDevice {
  busNumber = 1;
  deviceAddress = 7;
  portNumbers = [3, 1];
  deviceDescriptor = { idVendor: 0x1d50, idProduct: 0x6141, bcdDevice: 0x0102 };
  configDescriptor: LibusbConfigDescriptor | undefined = CONFIG;
  timeout = 1000;
  isOpen = false;
  pendingRequests = 0;
  readonly itf = new FakeInterface();
  readonly controls: { bmRequestType: number; bRequest: number; wValue: number; wIndex: number; dataOrLength: number | Uint8Array }[] = [];
  controlAnswer: { error?: LibusbError; data?: Uint8Array } = { data: Uint8Array.of(1, 2, 3) };
  open(): void {
    this.isOpen = true;
  }
  close(): void {
    if (this.pendingRequests > 0) throw new Error("Can't close device with a pending request");
    this.isOpen = false;
  }
  interface(n: number): LibusbNativeInterface {
    if (n !== 0) throw new Error(`Interface not found for address: ${n}`);
    return this.itf;
  }
  setConfiguration(_value: number, callback: (error?: LibusbError) => void): void {
    setTimeout(() => callback(), 0);
  }
  reset(callback: (error?: LibusbError) => void): void {
    setTimeout(() => callback(), 0);
  }
  controlTransfer(
    bmRequestType: number,
    bRequest: number,
    wValue: number,
    wIndex: number,
    dataOrLength: number | Uint8Array,
    callback: (error: LibusbError | undefined, data: Uint8Array | number | undefined) => void,
  ): unknown {
    this.controls.push({ bmRequestType, bRequest, wValue, wIndex, dataOrLength });
    const { error, data } = this.controlAnswer;
    setTimeout(() => callback(error, typeof dataOrLength === 'number' ? data : dataOrLength.length), 0);
    return this;
  }
}

function setup(options: { detachKernelDriver?: boolean } = {}) {
  const libusb = new FakeLibusb();
  const native = new FakeNativeDevice();
  const device = new LibusbDevice(native, libusb.Transfer, { outTimeoutMs: 1234, ...options });
  return { libusb, native, device };
}

describe('npm usb 2.x itself (usb-libusb)', () => {
  it('is the libusb line, loads here, and has the API the backend uses', async () => {
    const require = createRequire(import.meta.url);
    const pkg = require('usb-libusb/package.json') as { version: string };
    expect(pkg.version).toMatch(/^2\./);
    const mod = require('usb-libusb') as Record<string, unknown> & { usb: Record<string, unknown> };
    expect(typeof mod['getDeviceList']).toBe('function');
    expect(typeof mod['Transfer']).toBe('function');
    expect(typeof mod.usb['on']).toBe('function');
    // The constants the error mapping is written against.
    expect(mod.usb['LIBUSB_TRANSFER_CANCELLED']).toBe(LIBUSB_TRANSFER.CANCELLED);
    expect(mod.usb['LIBUSB_TRANSFER_STALL']).toBe(LIBUSB_TRANSFER.STALL);
    expect(mod.usb['LIBUSB_TRANSFER_NO_DEVICE']).toBe(LIBUSB_TRANSFER.NO_DEVICE);
    expect(mod.usb['LIBUSB_TRANSFER_OVERFLOW']).toBe(LIBUSB_TRANSFER.OVERFLOW);
    expect(mod.usb['LIBUSB_ERROR_ACCESS']).toBe(LIBUSB_ERROR.ACCESS);
    expect(mod.usb['LIBUSB_ERROR_BUSY']).toBe(LIBUSB_ERROR.BUSY);
    expect(mod.usb['LIBUSB_ERROR_NO_DEVICE']).toBe(LIBUSB_ERROR.NO_DEVICE);
  });
});

describe('mapLibusbError', () => {
  const ctx = { operation: 'claimInterface', vendorId: 0x1d50, productId: 0x6141, target: 'interface 0' };
  it('maps libusb codes and transfer statuses to typed errors with hints', () => {
    expect(mapLibusbError(libusbError(LIBUSB_ERROR.ACCESS), ctx).code).toBe('CCID_ERR_USB_ACCESS_DENIED');
    expect(mapLibusbError(libusbError(LIBUSB_ERROR.ACCESS), ctx).hint).toContain('ATTR{idVendor}=="1d50", ATTR{idProduct}=="6141"');
    expect(mapLibusbError(libusbError(LIBUSB_ERROR.BUSY), ctx).hint).toContain('pcscd');
    expect(mapLibusbError(libusbError(LIBUSB_ERROR.NO_DEVICE), ctx).code).toBe('CCID_ERR_USB_DEVICE_GONE');
    expect(mapLibusbError(libusbError(LIBUSB_TRANSFER.NO_DEVICE), ctx).code).toBe('CCID_ERR_USB_DEVICE_GONE');
    expect(mapLibusbError(libusbError(LIBUSB_TRANSFER.STALL), ctx).code).toBe('CCID_ERR_USB_STALL');
    expect(mapLibusbError(libusbError(LIBUSB_ERROR.PIPE), ctx).code).toBe('CCID_ERR_USB_STALL');
    expect(mapLibusbError(libusbError(LIBUSB_TRANSFER.TIMED_OUT), ctx).code).toBe('CCID_ERR_USB_TIMEOUT');
    expect(mapLibusbError(libusbError(LIBUSB_TRANSFER.CANCELLED), ctx).code).toBe('CCID_ERR_USB_CLOSED');
    expect(mapLibusbError(new Error('Device is not open'), ctx).code).toBe('CCID_ERR_USB_CLOSED');
    const io = mapLibusbError(libusbError(LIBUSB_ERROR.IO, 'LIBUSB_ERROR_IO'), ctx);
    expect(io.code).toBe('CCID_ERR_USB_IO');
    expect(io.message).toContain('claimInterface (interface 0) on 1d50:6141');
    expect(io.cause).toBeInstanceOf(Error);
    const typed = new UsbTransportError('CCID_ERR_USB_BUSY', 'x');
    expect(mapLibusbError(typed, ctx)).toBe(typed);
  });
});

describe('LibusbDevice: transfers', () => {
  it('reads with no timeout (0) and writes with the OUT timeout, re-using one libusb transfer per endpoint', async () => {
    const { libusb, device } = setup();
    await device.open();
    await device.claimInterface(0);
    for (let i = 0; i < 3; i++) {
      const out = device.transferOut(2, Uint8Array.of(0x65, 0, 0, 0, 0, 0, i, 0, 0, 0));
      libusb.complete(0x02, {});
      await expect(out).resolves.toEqual({ bytesWritten: 10, status: 'ok' });
      const read = device.transferIn(1, 64);
      libusb.complete(0x81, { data: Uint8Array.of(0x81, 0, 0, 0, 0, 0, i, 0, 0, 0) });
      const result = await read;
      expect(result.status).toBe('ok');
      expect([...transferBytes(result)]).toEqual([0x81, 0, 0, 0, 0, 0, i, 0, 0, 0]);
    }
    expect(libusb.created).toEqual([0x02, 0x81]);
    expect(libusb.submitted.filter((s) => s.address === 0x81).every((s) => s.timeout === 0 && s.buffer.length === 64)).toBe(true);
    expect(libusb.submitted.filter((s) => s.address === 0x02).every((s) => s.timeout === 1234)).toBe(true);
  });

  it('allows a second transfer on an endpoint (libusb queues it) with its own libusb transfer', async () => {
    const { libusb, device } = setup();
    await device.open();
    const a = device.transferIn(1, 64);
    const b = device.transferIn(1, 64);
    libusb.complete(0x81, { data: Uint8Array.of(1) });
    libusb.complete(0x81, { data: Uint8Array.of(2) });
    expect([...transferBytes(await a)]).toEqual([1]);
    expect([...transferBytes(await b)]).toEqual([2]);
    expect(libusb.created).toEqual([0x81, 0x81]);
  });

  it('a zero-length packet is an empty ok result; a stall and babble are statuses, as in WebUSB', async () => {
    const { libusb, device } = setup();
    await device.open();
    const zlp = device.transferIn(1, 64);
    libusb.complete(0x81, { actual: 0 });
    expect(await zlp).toMatchObject({ status: 'ok' });
    expect(transferBytes(await zlp).length).toBe(0);
    const stall = device.transferIn(1, 64);
    libusb.complete(0x81, { status: LIBUSB_TRANSFER.STALL });
    expect(await stall).toEqual({ status: 'stall' });
    const babble = device.transferIn(1, 64);
    libusb.complete(0x81, { status: LIBUSB_TRANSFER.OVERFLOW, actual: 64 });
    expect((await babble).status).toBe('babble');
    const outStall = device.transferOut(2, Uint8Array.of(1, 2));
    libusb.complete(0x02, { status: LIBUSB_TRANSFER.STALL, actual: 0 });
    expect(await outStall).toEqual({ bytesWritten: 0, status: 'stall' });
  });

  it('a bulk-OUT that times out is CCID_ERR_USB_TIMEOUT; an unplugged device mid-transfer is CCID_ERR_USB_DEVICE_GONE', async () => {
    const { libusb, device } = setup();
    await device.open();
    const out = device.transferOut(2, Uint8Array.of(1));
    libusb.complete(0x02, { status: LIBUSB_TRANSFER.TIMED_OUT, actual: 0 });
    await expect(out).rejects.toMatchObject({ code: 'CCID_ERR_USB_TIMEOUT' });
    const read = device.transferIn(1, 64);
    libusb.complete(0x81, { status: LIBUSB_TRANSFER.NO_DEVICE });
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
  });

  it('close() cancels pending reads (CCID_ERR_USB_CLOSED), waits for libusb to finish them, releases, then closes', async () => {
    const { libusb, native, device } = setup();
    await device.open();
    await device.claimInterface(0);
    const bulk = device.transferIn(1, 64);
    const interrupt = device.transferIn(3, 8);
    bulk.catch(() => undefined);
    interrupt.catch(() => undefined);
    await device.close();
    await expect(bulk).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    await expect(interrupt).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    expect(native.itf.claimed).toBe(false);
    expect(native.isOpen).toBe(false);
    expect(device.opened).toBe(false);
    expect(libusb.pending.get(0x81)?.length ?? 0).toBe(0);
    await expect(device.transferIn(1, 64)).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
  });

  it('releaseInterface() cancels pending reads with CCID_ERR_USB_CLOSED', async () => {
    const { device, native } = setup();
    await device.open();
    await device.claimInterface(0);
    const read = device.transferIn(1, 64);
    read.catch(() => undefined);
    await device.releaseInterface(0);
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    expect(native.itf.claimed).toBe(false);
  });

  it('markGone() (unplug) rejects pending and later transfers with CCID_ERR_USB_DEVICE_GONE', async () => {
    const { device } = setup();
    await device.open();
    const read = device.transferIn(1, 64);
    read.catch(() => undefined);
    device.markGone();
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await expect(device.transferOut(2, Uint8Array.of(1))).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await device.close();
  });
});

describe('LibusbDevice: control transfers, claiming, identity', () => {
  it('builds bmRequestType from WebUSB setup fields; a control STALL resolves as status "stall"', async () => {
    const { device, native } = setup();
    await device.open();
    const r = await device.controlTransferIn({ requestType: 'class', recipient: 'interface', request: 0x03, value: 0, index: 0 }, 16);
    expect([...transferBytes(r)]).toEqual([1, 2, 3]);
    expect(native.controls[0]).toMatchObject({ bmRequestType: 0xa1, bRequest: 0x03, dataOrLength: 16 });
    const w = await device.controlTransferOut({ requestType: 'class', recipient: 'interface', request: 0x01, value: 0x0301, index: 0 });
    expect(w).toEqual({ bytesWritten: 0, status: 'ok' });
    expect(native.controls[1]).toMatchObject({ bmRequestType: 0x21, bRequest: 0x01, wValue: 0x0301 });
    expect(native.timeout).toBe(5000);
    native.controlAnswer = { error: libusbError(LIBUSB_TRANSFER.STALL) };
    expect(await device.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0300, index: 0 }, 255)).toEqual({ status: 'stall' });
  });

  it('a busy interface is CCID_ERR_USB_BUSY with the pcscd hint; with --force the kernel driver is detached and the claim retried', async () => {
    const plain = setup();
    await plain.device.open();
    plain.native.itf.kernelDriver = true;
    await expect(plain.device.claimInterface(0)).rejects.toMatchObject({ code: 'CCID_ERR_USB_BUSY' });
    const forced = setup({ detachKernelDriver: true });
    await forced.device.open();
    forced.native.itf.kernelDriver = true;
    await forced.device.claimInterface(0);
    expect(forced.native.itf.detached).toBe(1);
    expect(forced.native.itf.claimed).toBe(true);
  });

  it('clears a halt through the claimed interface that has the endpoint', async () => {
    const { device, native } = setup();
    await device.open();
    await device.claimInterface(0);
    await device.clearHalt('in', 1);
    expect(native.itf.cleared).toEqual([0x81]);
  });

  it('gives VID, PID, bcdDevice from libusb and names from the string reader', () => {
    const libusb = new FakeLibusb();
    const names: Record<string, string> = { manufacturer: 'sysmocom', product: 'sysmoOCTSIM', serial: 'X1' };
    const device = new LibusbDevice(new FakeNativeDevice(), libusb.Transfer, { readString: (a) => names[a] });
    expect([device.vendorId, device.productId, device.deviceVersion]).toEqual([0x1d50, 0x6141, 0x0102]);
    expect([device.manufacturerName, device.productName, device.serialNumber]).toEqual(['sysmocom', 'sysmoOCTSIM', 'X1']);
  });
});

describe('LibusbHost', () => {
  it('on this machine: getDevices() says whether there is a USB subsystem', async () => {
    const host = new LibusbHost();
    try {
      const devices = await host.getDevices();
      expect(Array.isArray(devices)).toBe(true);
    } catch (error) {
      expect(error).toBeInstanceOf(UsbTransportError);
      expect((error as UsbTransportError).code).toBe('CCID_ERR_USB_NO_SUBSYSTEM');
      expect((error as UsbTransportError).hint).toContain('no USB subsystem');
    }
  });

  it('classifies by libusb\'s cached descriptors: class 0x0B, or vendor class with the CCID descriptor in extra bytes or after the endpoints', () => {
    const ccidDescriptor = new Uint8Array(0x36);
    ccidDescriptor[0] = 0x36;
    ccidDescriptor[1] = 0x21;
    const base = { bInterfaceNumber: 0, bAlternateSetting: 0, extra: new Uint8Array(0), endpoints: [] };
    expect(classifyLibusbInterfaces([[{ ...base, bInterfaceClass: 0x0b }]])).toBe('ccid');
    expect(classifyLibusbInterfaces([[{ ...base, bInterfaceClass: 0xff, extra: ccidDescriptor }]])).toBe('ccid');
    const afterEndpoints = { bEndpointAddress: 0x81, bmAttributes: 2, wMaxPacketSize: 64, extra: ccidDescriptor };
    expect(classifyLibusbInterfaces([[{ ...base, bInterfaceClass: 0xff, endpoints: [afterEndpoints] }]])).toBe('ccid');
    expect(classifyLibusbInterfaces([[{ ...base, bInterfaceClass: 0xff }]])).toBe('maybe-ccid');
    expect(classifyLibusbInterfaces([[{ ...base, bInterfaceClass: 0x03 }]])).toBe('not-ccid');
    // A malformed extra (zero length) ends the walk instead of looping.
    expect(classifyLibusbInterfaces([[{ ...base, bInterfaceClass: 0xff, extra: Uint8Array.of(0, 0x21) }]])).toBe('maybe-ccid');
  });

  function fakeModule(devices: LibusbNativeDevice[]) {
    const libusb = new FakeLibusb();
    const listeners = new Map<string, Set<(d: LibusbNativeDevice) => void>>();
    const module: LibusbModule = {
      getDeviceList: () => devices,
      Transfer: libusb.Transfer,
      usb: {
        on: (event, listener) => listeners.set(event, (listeners.get(event) ?? new Set()).add(listener)),
        removeListener: (event, listener) => listeners.get(event)?.delete(listener),
      },
    };
    const emit = (event: 'attach' | 'detach', d: LibusbNativeDevice) => [...(listeners.get(event) ?? [])].forEach((l) => l(d));
    return { module, emit, listeners };
  }

  it('lists CCID devices only, with names from sysfs, the same object each time', async () => {
    const sysfs = mkdtempSync(join(tmpdir(), 'ccid-sysfs-'));
    mkdirSync(join(sysfs, '1-3.1'));
    writeFileSync(join(sysfs, '1-3.1', 'product'), 'sysmoOCTSIM\n');
    writeFileSync(join(sysfs, '1-3.1', 'manufacturer'), 'sysmocom - s.f.m.c. GmbH\n');
    const reader = new FakeNativeDevice();
    const keyboard = new FakeNativeDevice();
    keyboard.deviceAddress = 9;
    keyboard.deviceDescriptor = { idVendor: 0x046d, idProduct: 0xc31c, bcdDevice: 1 };
    keyboard.configDescriptor = { bConfigurationValue: 1, interfaces: [[{ bInterfaceNumber: 0, bAlternateSetting: 0, bInterfaceClass: 3, extra: new Uint8Array(0), endpoints: [] }]] };
    const { module } = fakeModule([keyboard, reader]);
    const host = new LibusbHost({ module, sysfs });
    const first = await host.getDevices();
    expect(first).toHaveLength(1);
    expect(first[0]!.vendorId).toBe(0x1d50);
    expect(first[0]!.productName).toBe('sysmoOCTSIM');
    expect(first[0]!.manufacturerName).toBe('sysmocom - s.f.m.c. GmbH');
    expect(first[0]!.serialNumber).toBeUndefined();
    expect((await host.getDevices())[0]).toBe(first[0]);
  });

  it('watch: reports attach and detach with the same object, and the detached device is gone', async () => {
    const reader = new FakeNativeDevice();
    const { module, emit, listeners } = fakeModule([]);
    const host = new LibusbHost({ module, sysfs: null });
    const events: { type: string; device: UsbDevice }[] = [];
    const stop = host.watch((e) => events.push(e));
    await flush();
    emit('attach', reader);
    await flush();
    expect(events.map((e) => e.type)).toEqual(['connect']);
    const device = events[0]!.device;
    await device.open();
    const read = device.transferIn(1, 64);
    read.catch(() => undefined);
    emit('detach', reader);
    expect(events.map((e) => e.type)).toEqual(['connect', 'disconnect']);
    expect(events[1]!.device).toBe(device);
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    stop();
    expect(listeners.get('attach')?.size).toBe(0);
  });
});

/**
 * libusb as the emulator would be seen through it: each submitted transfer is carried out
 * on the emulated reader's USB device (bytes only), so the whole driver runs over the
 * libusb wrapper.
 */
function emulatorBehindLibusb(sim: UsbDevice, config: LibusbConfigDescriptor): { native: LibusbNativeDevice; Transfer: LibusbTransferConstructor } {
  const native: LibusbNativeDevice = {
    busNumber: 1,
    deviceAddress: 2,
    portNumbers: [1],
    deviceDescriptor: { idVendor: sim.vendorId, idProduct: sim.productId, bcdDevice: 0x0100 },
    configDescriptor: config,
    timeout: 1000,
    open: () => void sim.open(),
    close: () => undefined,
    interface: () => ({
      claim: () => void sim.claimInterface(0),
      release: (cb) => void sim.releaseInterface(0).then(() => cb(), cb),
      isKernelDriverActive: () => false,
      detachKernelDriver: () => undefined,
      endpoints: [],
    }),
    setConfiguration: (_v, cb) => cb(),
    reset: (cb) => cb(),
    controlTransfer: (bmRequestType, bRequest, wValue, wIndex, dataOrLength, cb) => {
      const setup = {
        requestType: (['standard', 'class', 'vendor'] as const)[(bmRequestType >> 5) & 3]!,
        recipient: (['device', 'interface', 'endpoint', 'other'] as const)[bmRequestType & 3]!,
        request: bRequest,
        value: wValue,
        index: wIndex,
      };
      if (typeof dataOrLength === 'number') {
        sim.controlTransferIn(setup, dataOrLength).then((r) => cb(r.status === 'stall' ? libusbError(LIBUSB_TRANSFER.STALL) : undefined, transferBytes(r)), (e: Error) => cb(e, undefined));
      } else {
        sim.controlTransferOut(setup, dataOrLength as Uint8Array<ArrayBuffer>).then((r) => cb(undefined, r.bytesWritten), (e: Error) => cb(e, undefined));
      }
      return undefined;
    },
  };
  class Transfer {
    #cancelled = false;
    #active = false;
    constructor(
      _d: LibusbNativeDevice,
      readonly address: number,
      _t: number,
      _timeout: number,
      readonly callback: (error: LibusbError | undefined, buffer: Uint8Array, actual: number) => void,
    ) {}
    submit(buffer: Uint8Array): unknown {
      this.#active = true;
      this.#cancelled = false;
      const endpoint = this.address & 0x7f;
      const done = (error: LibusbError | undefined, actual: number) => {
        if (this.#cancelled || !this.#active) return;
        this.#active = false;
        this.callback(error, buffer, actual);
      };
      if (this.address & 0x80) {
        sim.transferIn(endpoint, buffer.length).then(
          (r) => {
            const bytes = transferBytes(r);
            buffer.set(bytes);
            done(undefined, bytes.length);
          },
          () => done(libusbError(LIBUSB_TRANSFER.NO_DEVICE), 0),
        );
      } else {
        sim.transferOut(endpoint, buffer.slice() as Uint8Array<ArrayBuffer>).then(
          (r) => done(undefined, r.bytesWritten),
          () => done(libusbError(LIBUSB_TRANSFER.NO_DEVICE), 0),
        );
      }
      return this;
    }
    cancel(): boolean {
      if (!this.#active) return false;
      this.#cancelled = true;
      this.#active = false;
      setTimeout(() => this.callback(libusbError(LIBUSB_TRANSFER.CANCELLED), new Uint8Array(0), 0), 0);
      return true;
    }
  }
  return { native, Transfer };
}

describe('LibusbDevice: a whole reader session over the libusb wrapper (emulated sysmoOCTSIM behind a fake libusb)', () => {
  it('power on, SELECT + READ BINARY on two slots at once, power off, close', async () => {
    const session = createSimSession('sysmoOCTSIM', { timeScale: 0 });
    const [sim] = await session.host.getDevices();
    const description = await describeDevice(sim!, { classRequests: false });
    const eps = description.interfaces[0]!.endpoints;
    const config = ccidConfig(eps.bulkOut!.number, 0x80 | eps.bulkIn!.number, 0x80 | eps.interruptIn!.number);
    const { native, Transfer } = emulatorBehindLibusb(sim!, config);
    const device = new LibusbDevice(native, Transfer);
    const reader = await openReader(device, { description });
    try {
      const SELECT = Uint8Array.of(0x00, 0xa4, 0x00, 0x0c, 0x02, 0x2f, 0xe2);
      const READ = Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x0a);
      const iccids = await Promise.all(
        [reader.slots[2]!, reader.slots[5]!].map(async (slot) => {
          const on = await slot.powerOn();
          expect(on.atr.length).toBeGreaterThan(2);
          expect((await slot.transmit(SELECT)).sw).toBe(0x9000);
          const answers = [];
          for (let i = 0; i < 5; i++) answers.push(await slot.transmit(READ));
          expect(answers.every((a) => a.sw === 0x9000 && a.data.length === 10)).toBe(true);
          expect(new Set(answers.map((a) => a.data.join(','))).size).toBe(1);
          await slot.powerOff();
          return answers[0]!.data.join(',');
        }),
      );
      expect(iccids[0]).not.toBe(iccids[1]);
    } finally {
      await reader.close();
    }
    expect(device.opened).toBe(false);
  });
});

describe('choosing the Node USB backend', () => {
  it('parses backend names and the CCID_USB_BACKEND variable, refusing unknown names', () => {
    expect(parseNodeUsbBackend('libusb')).toBe('libusb');
    expect(parseNodeUsbBackend('nusb')).toBe('nusb');
    expect(() => parseNodeUsbBackend('winusb')).toThrow(/unknown USB backend "winusb"/);
    expect(nodeUsbBackendFromEnv({ CCID_USB_BACKEND: 'nusb' })).toBe('nusb');
    expect(nodeUsbBackendFromEnv({})).toBe('libusb');
    expect(createNodeUsbHost({ backend: 'libusb' })).toBeInstanceOf(LibusbHost);
    expect(createNodeUsbHost({ backend: 'nusb' })).not.toBeInstanceOf(LibusbHost);
  });
});
