/**
 * npm usb v3 refuses a class request to an interface that is not claimed yet ("invalid
 * state" → CCID_ERR_USB_CLOSED), as seen in the QEMU test bed on a real kernel. Opening a
 * reader must still work, and the clock/data-rate lists must be asked for once claimed.
 */
import { describe, expect, it } from 'vitest';
import { openReader } from '../../src/reader/index.ts';
import { describeDevice } from '../../src/descriptors/index.ts';
import { createEmulatedReader, helloWorldCard } from '../../src/sim/index.ts';
import { UsbTransportError } from '../../src/errors.ts';
import type { UsbControlSetup, UsbDevice } from '../../src/usb/transport.ts';
import { loadProfileFile } from '../../src/sim/profiles-node.ts';

/** A reader that answers GET_CLOCK_FREQUENCIES and GET_DATA_RATES with lists. */
const FIXTURE = new URL('../../descriptors/HID_Global_OMNIKEY_3x21_Smart_Card_Reader.desc', import.meta.url).pathname;

/** Wraps a device so that class requests before claimInterface fail the way npm usb v3 fails them. */
function likeNodeUsbV3(device: UsbDevice): UsbDevice & { classRequestsRefused: number } {
  const claimed = new Set<number>();
  const overrides = {
    classRequestsRefused: 0,
    async claimInterface(n: number): Promise<void> {
      await device.claimInterface(n);
      claimed.add(n);
    },
    async releaseInterface(n: number): Promise<void> {
      claimed.delete(n);
      await device.releaseInterface(n);
    },
    async controlTransferIn(setup: UsbControlSetup, length: number) {
      if (setup.requestType === 'class' && setup.recipient === 'interface' && !claimed.has(setup.index & 0xff)) {
        overrides.classRequestsRefused++;
        throw new UsbTransportError('CCID_ERR_USB_CLOSED', 'controlTransferIn error: invalid state');
      }
      return device.controlTransferIn(setup, length);
    },
  };
  // Everything else goes to the device itself, with `this` bound to it.
  return new Proxy(device, {
    get(target, key) {
      if (key in overrides) return overrides[key as keyof typeof overrides];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as UsbDevice & { classRequestsRefused: number };
}

describe('class requests on an unclaimed interface (npm usb v3)', () => {
  it('describeDevice records the refusal per request instead of failing', async () => {
    const emulated = createEmulatedReader('sysmoOCTSIM', { timeScale: 0, strictClaim: false });
    const device = likeNodeUsbV3(emulated.device);
    const description = await describeDevice(device);
    expect(device.classRequestsRefused).toBe(2);
    expect(description.interfaces[0]!.clockFrequencies.kind).toBe('error');
    expect(description.interfaces[0]!.dataRates.kind).toBe('error');
  });

  it('openReader opens the reader and asks for the lists after claiming', async () => {
    const emulated = createEmulatedReader(loadProfileFile(FIXTURE), { timeScale: 0, strictClaim: false });
    emulated.slots[0]!.insert(helloWorldCard());
    const device = likeNodeUsbV3(emulated.device);
    const reader = await openReader(device);
    try {
      expect(device.classRequestsRefused).toBe(0);
      const caps = reader.capabilities();
      expect(caps.slots).toBe(emulated.slots.length);
      // The lists came from the requests sent after claiming (the description has none).
      expect(reader.description.interfaces[0]!.clockFrequencies.kind).toBe('not-requested');
      expect(caps.clocks.listKhz.length).toBeGreaterThan(0);
      expect(caps.rates.listBps.length).toBeGreaterThan(0);
      await reader.slots[0]!.powerOn();
      const answer = await reader.slots[0]!.transmit(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x0a, 0xa0, 0x00, 0x00, 0x00, 0x62, 0x03, 0x01, 0x0c, 0x06, 0x01));
      expect(answer.sw).toBe(0x9000);
    } finally {
      await reader.close();
    }
  });
});
