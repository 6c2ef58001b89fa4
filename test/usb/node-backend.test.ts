/**
 * The npm `usb` v3 backend without USB hardware: error mapping from the error shapes npm
 * `usb` 3.1 produces, the re-arming idle read, the one-transfer-per-endpoint guard,
 * close/release/unplug, the CCID filter of NodeUsbHost, and the no-USB-subsystem path
 * of this machine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsbTransportError } from '../../src/errors.ts';
import { parseDescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { parseConfiguration } from '../../src/descriptors/index.ts';
import type { UsbControlSetup, UsbDirection, UsbInTransferResult, UsbOutTransferResult } from '../../src/usb/transport.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import {
  classifyConfiguration,
  mapNodeUsbError,
  NodeUsbDevice,
  NodeUsbHost,
  udevRule,
  type NativeConfiguration,
  type NativeHostDevice,
  type NativeUsb,
} from '../../src/node.ts';

/** An error as npm `usb` 3.1 rejects with: napi's `Error::from_reason` (code GenericFailure). */
function nodeUsbError(message: string): Error {
  return Object.assign(new Error(message), { code: 'GenericFailure' });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm usb 3.1 itself (the traps the wrapper works around)', () => {
  const require = createRequire(import.meta.url);
  const usbDir = dirname(require.resolve('usb/package.json'));

  it('defaults every transfer to a 1000 ms timeout', () => {
    const js = readFileSync(join(usbDir, 'dist', 'index.js'), 'utf8');
    expect(js).toMatch(/const DEFAULT_TIMEOUT = 1000;/);
    expect(js).toMatch(/transferIn = async function \(endpointNumber, length, timeout = DEFAULT_TIMEOUT\)/);
  });

  it('has in its native binary the error texts the mapping relies on', () => {
    const pkgDir = join(usbDir, '..', '@node-usb');
    const binaries = readdirSync(pkgDir).flatMap((d) => readdirSync(join(pkgDir, d)).filter((f) => f.endsWith('.node')).map((f) => join(pkgDir, d, f)));
    expect(binaries.length).toBeGreaterThan(0);
    const text = readFileSync(binaries[0]!, 'latin1');
    for (const s of [
      'transferIn error: ',
      'transferIn error: endpoint not found',
      'claimInterface error: invalid state',
      'interface is busy',
      'permission denied',
      'device disconnected',
      'transfer was cancelled',
      'endpoint stalled',
      '/sys/bus/usb/devices/ not found',
      'CancelledStallDisconnectedFault',
    ]) {
      expect(text.includes(s), s).toBe(true);
    }
  });
});

describe('mapNodeUsbError', () => {
  const ctx = { operation: 'open', vendorId: 0x1d50, productId: 0x6141 };
  const code = (message: string, operation = 'op') => mapNodeUsbError(nodeUsbError(message), { ...ctx, operation }).code;

  it('no USB subsystem', () => {
    const e = mapNodeUsbError(nodeUsbError('getDevices error: /sys/bus/usb/devices/ not found (errno 2)'), { operation: 'getDevices' });
    expect(e).toBeInstanceOf(UsbTransportError);
    expect(e.code).toBe('CCID_ERR_USB_NO_SUBSYSTEM');
    expect(e.hint).toMatch(/no USB subsystem/);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('access denied, with the udev rule line for the VID:PID', () => {
    const e = mapNodeUsbError(nodeUsbError('open error: permission denied (errno 13)'), ctx);
    expect(e.code).toBe('CCID_ERR_USB_ACCESS_DENIED');
    expect(e.reader).toBe('1d50:6141');
    expect(e.hint).toContain('SUBSYSTEM=="usb", ATTR{idVendor}=="1d50", ATTR{idProduct}=="6141", MODE="0660", GROUP="plugdev"');
    expect(udevRule(0x08e6, 0x3437)).toBe('SUBSYSTEM=="usb", ATTR{idVendor}=="08e6", ATTR{idProduct}=="3437", MODE="0660", GROUP="plugdev"');
  });

  it('busy (pcscd holds the interface), with what to do', () => {
    const e = mapNodeUsbError(nodeUsbError('claimInterface error: interface is busy (errno 16)'), { ...ctx, operation: 'claimInterface' });
    expect(e.code).toBe('CCID_ERR_USB_BUSY');
    expect(e.hint).toContain('sudo systemctl stop pcscd.socket pcscd');
    expect(e.hint).toContain('--force');
    expect(code('selectConfiguration error: device is busy (errno 16)')).toBe('CCID_ERR_USB_BUSY');
  });

  it('device gone', () => {
    expect(code('transferIn error: Disconnected')).toBe('CCID_ERR_USB_DEVICE_GONE');
    expect(code('controlTransferIn error: device disconnected')).toBe('CCID_ERR_USB_DEVICE_GONE');
    expect(code('claimInterface error: device disconnected (errno 19)')).toBe('CCID_ERR_USB_DEVICE_GONE');
    expect(code('open error: device not found (errno 2)')).toBe('CCID_ERR_USB_DEVICE_GONE');
  });

  it('stall, timeout, closed, I/O', () => {
    expect(code('transferIn error: Stall')).toBe('CCID_ERR_USB_STALL');
    expect(code('controlTransferOut error: endpoint stalled')).toBe('CCID_ERR_USB_STALL');
    expect(code('transferOut error: Cancelled')).toBe('CCID_ERR_USB_TIMEOUT');
    expect(code('controlTransferIn error: transfer was cancelled')).toBe('CCID_ERR_USB_TIMEOUT');
    expect(code('claimInterface error: invalid state')).toBe('CCID_ERR_USB_CLOSED');
    expect(code('releaseInterface error: not claimed')).toBe('CCID_ERR_USB_CLOSED');
    expect(code('transferIn error: Fault')).toBe('CCID_ERR_USB_IO');
    expect(code('transferIn error: Unknown(71)')).toBe('CCID_ERR_USB_IO');
    const e = mapNodeUsbError(nodeUsbError('transferOut error: endpoint not found'), { ...ctx, operation: 'transferOut', target: 'endpoint 2' });
    expect(e.code).toBe('CCID_ERR_USB_IO');
    expect(e.message).toMatch(/another transfer is in flight/);
  });

  it('passes a UsbTransportError through', () => {
    const original = new UsbTransportError('CCID_ERR_USB_STALL', 'x');
    expect(mapNodeUsbError(original, ctx)).toBe(original);
  });
});

/** What a fake transfer does when called. */
type InBehaviour = (endpointNumber: number, length: number, timeout: number) => Promise<UsbInTransferResult>;

/** A fake npm `usb` device: records calls and timeouts; enforces one native transfer per endpoint like nusb. */
class FakeNative implements NativeHostDevice {
  vendorId = 0x1d50;
  productId = 0x6141;
  manufacturerName = 'sysmocom';
  productName = 'fake';
  serialNumber = '42';
  deviceVersionMajor = 2;
  deviceVersionMinor = 0;
  deviceVersionSubminor = 0;
  handle = 'DeviceId { bus: 1, addr: 5 }';
  opened = false;
  calls: { op: string; endpoint?: number; timeout?: number }[] = [];
  inFlight = new Map<number, number>();
  inBehaviour: InBehaviour = () => new Promise(() => undefined);
  outBehaviour: (timeout: number) => Promise<UsbOutTransferResult> = async () => ({ bytesWritten: 3, status: 'ok' });
  claimBehaviour: () => Promise<void> = async () => undefined;
  controlBehaviour: (setup: UsbControlSetup, length: number) => Promise<UsbInTransferResult> = async () => ({ status: 'ok', data: new DataView(new ArrayBuffer(0)) });
  configuration: NativeConfiguration | null = { interfaces: [{ interfaceNumber: 0, alternate: { interfaceClass: 0x0b } }] };

  async open() {
    this.opened = true;
  }
  async close() {
    this.opened = false;
  }
  async reset() {}
  async selectConfiguration() {}
  async claimInterface() {
    this.calls.push({ op: 'claim' });
    await this.claimBehaviour();
  }
  async releaseInterface() {
    this.calls.push({ op: 'release' });
  }
  async controlTransferIn(setup: UsbControlSetup, length: number, timeout?: number) {
    this.calls.push({ op: 'controlIn', ...(timeout === undefined ? {} : { timeout }) });
    return this.controlBehaviour(setup, length);
  }
  async controlTransferOut(_setup: UsbControlSetup, _data?: BufferSource, timeout?: number): Promise<UsbOutTransferResult> {
    this.calls.push({ op: 'controlOut', ...(timeout === undefined ? {} : { timeout }) });
    return { bytesWritten: 0, status: 'ok' };
  }
  async transferIn(endpointNumber: number, length: number, timeout?: number): Promise<UsbInTransferResult> {
    this.calls.push({ op: 'in', endpoint: endpointNumber, ...(timeout === undefined ? {} : { timeout }) });
    if ((this.inFlight.get(endpointNumber) ?? 0) > 0) throw nodeUsbError('transferIn error: endpoint not found');
    this.inFlight.set(endpointNumber, 1);
    try {
      return await this.inBehaviour(endpointNumber, length, timeout ?? 1000);
    } finally {
      this.inFlight.set(endpointNumber, 0);
    }
  }
  async transferOut(endpointNumber: number, _data: BufferSource, timeout?: number) {
    this.calls.push({ op: 'out', endpoint: endpointNumber, ...(timeout === undefined ? {} : { timeout }) });
    return this.outBehaviour(timeout ?? 1000);
  }
  async clearHalt(_direction: UsbDirection, _endpointNumber: number) {}
  detachKernelDriver = async (_n: number) => {
    this.calls.push({ op: 'detach' });
  };
}

/** A native read that times out after `timeout` ms the way nusb does. */
const idleUntilTimeout: InBehaviour = (_ep, _len, timeout) =>
  new Promise((_, reject) => setTimeout(() => reject(nodeUsbError('transferIn error: Cancelled')), timeout));

const bytes = (...b: number[]) => ({ status: 'ok' as const, data: new DataView(new Uint8Array(b).buffer) });

describe('NodeUsbDevice: reads', () => {
  it('re-arms an idle read that times out, with the explicit re-arm timeout, until data arrives', async () => {
    const native = new FakeNative();
    let n = 0;
    native.inBehaviour = async () => {
      n++;
      if (n < 4) throw nodeUsbError('transferIn error: Cancelled');
      return bytes(0x80, 0x02);
    };
    const device = new NodeUsbDevice(native, { inRearmMs: 1234 });
    await device.open();
    const result = await device.transferIn(2, 64);
    expect(Array.from(transferBytes(result))).toEqual([0x80, 0x02]);
    const ins = native.calls.filter((c) => c.op === 'in');
    expect(ins).toHaveLength(4);
    expect(ins.every((c) => c.timeout === 1234)).toBe(true);
  });

  it('returns a zero-length packet as an empty ok result', async () => {
    const native = new FakeNative();
    native.inBehaviour = async () => ({ status: 'ok', data: new DataView(new ArrayBuffer(0)) });
    const device = new NodeUsbDevice(native);
    await device.open();
    const result = await device.transferIn(2, 64);
    expect(result.status).toBe('ok');
    expect(transferBytes(result)).toHaveLength(0);
  });

  it('resolves a stall like WebUSB (status "stall"), not as an error', async () => {
    const native = new FakeNative();
    native.inBehaviour = async () => {
      throw nodeUsbError('transferIn error: Stall');
    };
    const device = new NodeUsbDevice(native);
    await device.open();
    expect(await device.transferIn(2, 64)).toEqual({ status: 'stall' });
  });

  it('rejects other failures with a typed error', async () => {
    const native = new FakeNative();
    native.inBehaviour = async () => {
      throw nodeUsbError('transferIn error: Disconnected');
    };
    const device = new NodeUsbDevice(native);
    await device.open();
    await expect(device.transferIn(2, 64)).rejects.toMatchObject({ name: 'UsbTransportError', code: 'CCID_ERR_USB_DEVICE_GONE' });
  });

  it('stops re-arming when the device is closed: the read rejects with CCID_ERR_USB_CLOSED at once', async () => {
    const native = new FakeNative();
    native.inBehaviour = idleUntilTimeout;
    const device = new NodeUsbDevice(native, { inRearmMs: 20 });
    await device.open();
    await device.claimInterface(0);
    const read = device.transferIn(2, 64);
    await sleep(70);
    const before = native.calls.filter((c) => c.op === 'in').length;
    expect(before).toBeGreaterThanOrEqual(2);
    const started = Date.now();
    const closing = device.close();
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    expect(Date.now() - started).toBeLessThan(20);
    await closing;
    expect(native.calls.filter((c) => c.op === 'release')).toHaveLength(1);
    expect(native.opened).toBe(false);
    await sleep(80);
    expect(native.calls.filter((c) => c.op === 'in').length).toBe(before);
  });

  it('stops re-arming when the interface is released', async () => {
    const native = new FakeNative();
    native.inBehaviour = idleUntilTimeout;
    const device = new NodeUsbDevice(native, { inRearmMs: 20 });
    await device.open();
    await device.claimInterface(0);
    const read = device.transferIn(3, 8);
    await sleep(30);
    await device.releaseInterface(0);
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    const count = native.calls.filter((c) => c.op === 'in').length;
    await sleep(80);
    expect(native.calls.filter((c) => c.op === 'in').length).toBe(count);
  });

  it('rejects a pending read with CCID_ERR_USB_DEVICE_GONE on unplug, and later transfers too', async () => {
    const native = new FakeNative();
    native.inBehaviour = idleUntilTimeout;
    const device = new NodeUsbDevice(native, { inRearmMs: 20 });
    await device.open();
    const read = device.transferIn(2, 64);
    device.markGone();
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    await expect(device.transferOut(1, new Uint8Array([1]))).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
  });

  it('waits for an abandoned native read before starting the next one on the endpoint (no "endpoint not found")', async () => {
    const native = new FakeNative();
    native.inBehaviour = idleUntilTimeout;
    const device = new NodeUsbDevice(native, { inRearmMs: 40 });
    await device.open();
    await device.claimInterface(0);
    const first = device.transferIn(2, 64);
    await sleep(5);
    await device.releaseInterface(0);
    await expect(first).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
    await device.claimInterface(0);
    native.inBehaviour = async () => bytes(0x81);
    const second = await device.transferIn(2, 64);
    expect(Array.from(transferBytes(second))).toEqual([0x81]);
  });

  it('rejects a read on a closed device', async () => {
    const device = new NodeUsbDevice(new FakeNative());
    await expect(device.transferIn(2, 64)).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' });
  });
});

describe('NodeUsbDevice: one transfer per endpoint', () => {
  it('refuses a second read on the same endpoint with a clear error, allows other endpoints', async () => {
    const native = new FakeNative();
    native.inBehaviour = idleUntilTimeout;
    const device = new NodeUsbDevice(native, { inRearmMs: 20 });
    await device.open();
    const first = device.transferIn(2, 64);
    const interrupt = device.transferIn(3, 8);
    await expect(device.transferIn(2, 64)).rejects.toThrow(/one transfer per endpoint/);
    const closed = Promise.all([
      expect(first).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' }),
      expect(interrupt).rejects.toMatchObject({ code: 'CCID_ERR_USB_CLOSED' }),
    ]);
    await device.close();
    await closed;
  });

  it('refuses a second write on the same endpoint while one is in flight', async () => {
    const native = new FakeNative();
    let release!: () => void;
    native.outBehaviour = () => new Promise((resolve) => (release = () => resolve({ bytesWritten: 10, status: 'ok' })));
    const device = new NodeUsbDevice(native);
    await device.open();
    const first = device.transferOut(1, new Uint8Array(10));
    const second = device.transferOut(1, new Uint8Array(10));
    await expect(second).rejects.toMatchObject({ code: 'CCID_ERR_USB_IO' });
    release();
    expect((await first).bytesWritten).toBe(10);
    const third = device.transferOut(1, new Uint8Array(10));
    release();
    expect((await third).bytesWritten).toBe(10);
  });
});

describe('NodeUsbDevice: timeouts and control transfers', () => {
  it('passes explicit timeouts to every npm usb call (never its 1000 ms default)', async () => {
    const native = new FakeNative();
    const device = new NodeUsbDevice(native, { controlTimeoutMs: 4321, outTimeoutMs: 8765 });
    await device.open();
    const setup: UsbControlSetup = { requestType: 'standard', recipient: 'device', request: 6, value: 0x0100, index: 0 };
    await device.controlTransferIn(setup, 18);
    await device.controlTransferOut({ ...setup, requestType: 'class', recipient: 'interface', request: 1 });
    await device.transferOut(1, new Uint8Array([0x65]));
    expect(native.calls.filter((c) => c.op !== 'in').map((c) => [c.op, c.timeout])).toEqual([
      ['controlIn', 4321],
      ['controlOut', 4321],
      ['out', 8765],
    ]);
  });

  it('a bulk-OUT that times out is CCID_ERR_USB_TIMEOUT; a control STALL resolves as status "stall"', async () => {
    const native = new FakeNative();
    native.outBehaviour = async () => {
      throw nodeUsbError('transferOut error: Cancelled');
    };
    native.controlBehaviour = async () => {
      throw nodeUsbError('controlTransferIn error: endpoint stalled');
    };
    const device = new NodeUsbDevice(native);
    await device.open();
    await expect(device.transferOut(1, new Uint8Array([1]))).rejects.toMatchObject({ code: 'CCID_ERR_USB_TIMEOUT' });
    const setup: UsbControlSetup = { requestType: 'class', recipient: 'interface', request: 3, value: 0, index: 0 };
    expect(await device.controlTransferIn(setup, 1024)).toEqual({ status: 'stall' });
  });

  it('exposes bcdDevice rebuilt from npm usb\'s split version', () => {
    const native = new FakeNative();
    native.deviceVersionMajor = 1;
    native.deviceVersionMinor = 2;
    native.deviceVersionSubminor = 0;
    expect(new NodeUsbDevice(native).deviceVersion).toBe(0x0120);
  });
});

describe('NodeUsbDevice: claiming', () => {
  it('maps a busy interface to CCID_ERR_USB_BUSY with the pcscd hint', async () => {
    const native = new FakeNative();
    native.claimBehaviour = async () => {
      throw nodeUsbError('claimInterface error: interface is busy (errno 16)');
    };
    const device = new NodeUsbDevice(native);
    await device.open();
    const error = await device.claimInterface(0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsbTransportError);
    expect((error as UsbTransportError).code).toBe('CCID_ERR_USB_BUSY');
    expect((error as UsbTransportError).hint).toMatch(/pcscd/);
    expect(native.calls.some((c) => c.op === 'detach')).toBe(false);
  });

  it('with detachKernelDriver (--force), detaches the other driver and claims again', async () => {
    const native = new FakeNative();
    let attempts = 0;
    native.claimBehaviour = async () => {
      if (attempts++ === 0) throw nodeUsbError('claimInterface error: interface is busy (errno 16)');
    };
    const device = new NodeUsbDevice(native, { detachKernelDriver: true });
    await device.open();
    await device.claimInterface(0);
    expect(native.calls.map((c) => c.op)).toEqual(['claim', 'detach', 'claim']);
  });
});

/** A fake npm `usb` object with connect/disconnect listeners. */
class FakeUsb implements NativeUsb {
  devices: NativeHostDevice[] = [];
  listError: Error | undefined;
  listeners = new Map<string, Set<(event: { readonly device: NativeHostDevice }) => void>>();
  async getDevices() {
    if (this.listError !== undefined) throw this.listError;
    return [...this.devices];
  }
  addEventListener(type: string, listener: (event: { readonly device: NativeHostDevice }) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }
  removeEventListener(type: string, listener: (event: { readonly device: NativeHostDevice }) => void) {
    this.listeners.get(type)?.delete(listener);
  }
  emit(type: 'connect' | 'disconnect', device: NativeHostDevice) {
    for (const l of this.listeners.get(type) ?? []) l({ device });
  }
}

/** A fake device that answers GET_DESCRIPTOR from a libccid fixture (VID:PID optionally replaced). */
function fixtureNative(file: string, ids?: { vid: number; pid: number }): FakeNative {
  const fx = parseDescriptorFixture(readFileSync(new URL(`../../../shared/reference/libccid/fixtures/${file}`, import.meta.url), 'latin1'));
  const device = fx.device.slice();
  if (ids !== undefined) {
    device[8] = ids.vid & 0xff;
    device[9] = ids.vid >> 8;
    device[10] = ids.pid & 0xff;
    device[11] = ids.pid >> 8;
  }
  const native = new FakeNative();
  native.vendorId = device[8]! | (device[9]! << 8);
  native.productId = device[10]! | (device[11]! << 8);
  native.handle = `fixture ${file}`;
  native.configuration = {
    interfaces: parseConfiguration(fx.configuration).configuration.interfaces.map((itf) => ({ interfaceNumber: itf.interfaceNumber, alternate: { interfaceClass: itf.interfaceClass } })),
  };
  const view = (b: Uint8Array, length: number) => ({ status: 'ok' as const, data: new DataView(b.slice(0, length).buffer) });
  native.controlBehaviour = async (setup, length) => {
    const type = setup.value >> 8;
    const index = setup.value & 0xff;
    if (setup.request === 6 && type === 1) return view(device, length);
    if (setup.request === 6 && type === 2) return view(fx.configuration, length);
    if (setup.request === 6 && type === 3) {
      if (index === 0) return view(new Uint8Array([4, 3, 0x09, 0x04]), length);
      const text = fx.strings.get(index);
      if (text !== undefined) {
        const body = new Uint8Array(text.length * 2);
        for (let i = 0; i < text.length; i++) body[2 * i] = text.charCodeAt(i);
        return view(new Uint8Array([2 + body.length, 3, ...body]), length);
      }
    }
    throw nodeUsbError('controlTransferIn error: endpoint stalled');
  };
  return native;
}

describe('NodeUsbHost', () => {
  it('on this machine: getDevices() says whether there is a USB subsystem', async () => {
    const host = new NodeUsbHost();
    if (existsSync('/sys/bus/usb/devices/')) {
      expect(Array.isArray(await host.getDevices())).toBe(true);
    } else {
      const error = await host.getDevices().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsbTransportError);
      expect((error as UsbTransportError).code).toBe('CCID_ERR_USB_NO_SUBSYSTEM');
      expect((error as UsbTransportError).message).toContain('/sys/bus/usb/devices/ not found');
    }
  });

  it('keeps only devices with a CCID interface: class 0x0B, or 0xFF with a CCID descriptor in the raw descriptors', async () => {
    const usb = new FakeUsb();
    const ccid = new FakeNative();
    ccid.handle = 'ccid';
    const hid = new FakeNative();
    hid.handle = 'hid';
    hid.vendorId = 0x046d;
    hid.productId = 0xc077;
    hid.configuration = { interfaces: [{ interfaceNumber: 0, alternate: { interfaceClass: 0x03 } }] };
    // A vendor-class reader, with its IDs replaced by unlisted ones: only its raw descriptors tell.
    const vendorReader = fixtureNative('CherrySmartTerminalST2XXX.desc', { vid: 0xf00d, pid: 0x0001 });
    // A vendor-class device without a CCID descriptor.
    const vendorOther = fixtureNative('CherrySmartTerminalST2XXX.desc', { vid: 0xf00d, pid: 0x0002 });
    const base = vendorOther.controlBehaviour;
    vendorOther.controlBehaviour = async (setup, length) => {
      const r = await base(setup, length);
      if (setup.value >> 8 !== 2 || r.data === undefined) return r;
      const b = new Uint8Array(transferBytes(r));
      for (let i = 0; i + 1 < b.length; i += b[i]!) if (b[i] === 0x36 && (b[i + 1] === 0x21 || b[i + 1] === 0xff)) b[i + 1] = 0x42;
      return { status: 'ok', data: new DataView(b.buffer) };
    };
    usb.devices = [ccid, hid, vendorReader, vendorOther];
    expect(classifyConfiguration(vendorReader.configuration!)).toBe('maybe-ccid');
    const found = await new NodeUsbHost({ usb }).getDevices();
    expect(found.map((d) => d.productId)).toEqual([0x6141, 0x0001]);
  });

  it('keeps a device it may not open only when it is a listed reader', async () => {
    const usb = new FakeUsb();
    const listed = new FakeNative();
    listed.handle = 'listed';
    const unlisted = new FakeNative();
    unlisted.handle = 'unlisted';
    unlisted.vendorId = 0xf00d;
    for (const d of [listed, unlisted]) {
      Object.defineProperty(d, 'configuration', {
        get() {
          throw nodeUsbError('open error: permission denied (errno 13)');
        },
      });
    }
    usb.devices = [listed, unlisted];
    const found = await new NodeUsbHost({ usb }).getDevices();
    expect(found.map((d) => d.vendorId)).toEqual([0x1d50]);
  });

  it('watch: reports connect and disconnect with the same object getDevices returns, and marks it gone', async () => {
    const usb = new FakeUsb();
    const host = new NodeUsbHost({ usb, device: { inRearmMs: 20 } });
    const events: { type: string; device: unknown }[] = [];
    const stop = host.watch((event) => events.push(event));
    await sleep(5);
    const native = new FakeNative();
    usb.devices = [native];
    usb.emit('connect', native);
    await sleep(5);
    expect(events.map((e) => e.type)).toEqual(['connect']);
    const [listed] = await host.getDevices();
    expect(listed).toBe(events[0]!.device);
    await listed!.open();
    const read = listed!.transferIn(2, 64);
    usb.emit('disconnect', native);
    await expect(read).rejects.toMatchObject({ code: 'CCID_ERR_USB_DEVICE_GONE' });
    expect(events.map((e) => e.type)).toEqual(['connect', 'disconnect']);
    expect(events[1]!.device).toBe(listed);
    stop();
    expect(usb.listeners.get('connect')?.size).toBe(0);
    usb.emit('connect', native);
    await sleep(5);
    expect(events).toHaveLength(2);
  });

  it('watch: with no USB subsystem, attaches no listener and reports the error to onError', async () => {
    const usb = new FakeUsb();
    usb.listError = nodeUsbError('getDevices error: /sys/bus/usb/devices/ not found (errno 2)');
    const errors: UsbTransportError[] = [];
    const host = new NodeUsbHost({ usb, onError: (e) => errors.push(e) });
    const stop = host.watch(() => undefined);
    await sleep(5);
    expect(usb.listeners.size).toBe(0);
    expect(errors.map((e) => e.code)).toEqual(['CCID_ERR_USB_NO_SUBSYSTEM']);
    stop();
  });
});
