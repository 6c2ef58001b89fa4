/**
 * The WebUSB backend with a fake `navigator.usb`: DOMException mapping, CCID pre-filter,
 * stable wrappers across getDevices/watch, the chooser.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, UsbTransportError } from '../../src/errors.ts';
import { mapWebUsbError, webUsbHost, type WebUsbDeviceLike, type WebUsbLike } from '../../src/usb/web/index.ts';

/** What Chromium rejects with: a DOMException with a name. */
const dom = (name: string, message: string) => new DOMException(message, name);

function fakeDevice(vendorId: number, productId: number, classes: number[], fail?: Error): WebUsbDeviceLike {
  const reject = async () => {
    if (fail !== undefined) throw fail;
  };
  return {
    vendorId,
    productId,
    productName: 'fake',
    opened: false,
    configuration: { interfaces: classes.map((c, i) => ({ interfaceNumber: i, alternate: { interfaceClass: c } })) },
    open: reject,
    close: reject,
    reset: reject,
    selectConfiguration: reject,
    claimInterface: reject,
    releaseInterface: reject,
    controlTransferIn: async () => {
      await reject();
      return { status: 'ok' };
    },
    controlTransferOut: async () => ({ bytesWritten: 0, status: 'ok' }),
    transferIn: async () => {
      await reject();
      return { status: 'ok' };
    },
    transferOut: async () => ({ bytesWritten: 0, status: 'ok' }),
    clearHalt: reject,
  };
}

describe('mapWebUsbError', () => {
  const ctx = { operation: 'claimInterface', vendorId: 0x08e6, productId: 0x3437 };

  it('protected class → CCID_ERR_USB_SECURITY with a plain-words hint', () => {
    const e = mapWebUsbError(dom('SecurityError', "Failed to execute 'claimInterface' on 'USBDevice': The requested interface implements a protected class."), ctx);
    expect(e.code).toBe('CCID_ERR_USB_SECURITY');
    expect(e.hint).toMatch(/since 2018/);
    expect(e.hint).toMatch(/usb-unrestricted/);
    expect(e.hint).toMatch(/setUSBProtectedClassesHandler/);
    expect(e.hint).toMatch(/0xFF/);
    expect(e.cause).toBeInstanceOf(DOMException);
  });

  it('maps the other DOMException names', () => {
    expect(mapWebUsbError(dom('SecurityError', 'Access denied.'), { ...ctx, operation: 'open' }).code).toBe('CCID_ERR_USB_ACCESS_DENIED');
    expect(mapWebUsbError(dom('NotFoundError', 'The device was disconnected.'), ctx).code).toBe('CCID_ERR_USB_DEVICE_GONE');
    expect(mapWebUsbError(dom('NetworkError', 'A transfer error has occurred.'), ctx).code).toBe('CCID_ERR_USB_IO');
    expect(mapWebUsbError(dom('NetworkError', 'Unable to claim interface.'), ctx).code).toBe('CCID_ERR_USB_BUSY');
    expect(mapWebUsbError(dom('InvalidStateError', 'The device must be opened first.'), ctx).code).toBe('CCID_ERR_USB_CLOSED');
    expect(mapWebUsbError(dom('AbortError', 'The transfer was cancelled.'), ctx).code).toBe('CCID_ERR_USB_CLOSED');
    expect(mapWebUsbError(new TypeError('bad'), ctx).code).toBe('CCID_ERR_USB_IO');
  });
});

describe('webUsbHost', () => {
  it('lists granted devices that may be CCID, wraps them once, and maps their errors', async () => {
    const reader = fakeDevice(0x08e6, 0x3437, [0x0b], dom('SecurityError', 'The requested interface implements a protected class.'));
    const vendor = fakeDevice(0x046a, 0x003e, [0xff]);
    const keyboard = fakeDevice(0x046d, 0xc31c, [0x03]);
    const usb: WebUsbLike = {
      getDevices: async () => [reader, vendor, keyboard],
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    };
    const host = webUsbHost(usb);
    const first = await host.getDevices();
    expect(first.map((d) => d.productId)).toEqual([0x3437, 0x003e]);
    expect((await host.getDevices())[0]).toBe(first[0]);
    const error = await first[0]!.claimInterface(0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsbTransportError);
    expect((error as UsbTransportError).code).toBe('CCID_ERR_USB_SECURITY');
  });

  it('reports connect/disconnect with the same wrapper, until stopped', () => {
    const listeners = new Map<string, (event: { readonly device: WebUsbDeviceLike }) => void>();
    const usb: WebUsbLike = {
      getDevices: async () => [],
      addEventListener: (type, l) => void listeners.set(type, l),
      removeEventListener: (type) => void listeners.delete(type),
    };
    const events: { type: string; device: unknown }[] = [];
    const stop = webUsbHost(usb).watch((e) => events.push(e));
    const reader = fakeDevice(0x1d50, 0x6141, [0x0b]);
    listeners.get('connect')!({ device: reader });
    listeners.get('connect')!({ device: fakeDevice(0x046d, 0xc31c, [0x03]) });
    listeners.get('disconnect')!({ device: reader });
    expect(events.map((e) => e.type)).toEqual(['connect', 'disconnect']);
    expect(events[0]!.device).toBe(events[1]!.device);
    stop();
    expect(listeners.size).toBe(0);
  });

  it('requestDevice: a closed chooser is a CancelledError', async () => {
    const usb: WebUsbLike = {
      getDevices: async () => [],
      requestDevice: async () => {
        throw dom('NotFoundError', "Failed to execute 'requestDevice' on 'USB': No device selected.");
      },
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    };
    await expect(webUsbHost(usb).requestDevice()).rejects.toBeInstanceOf(CancelledError);
  });
});
