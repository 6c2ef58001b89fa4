import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/errors.ts';
import { decodeUsbmonHeader, encodeUsbmonHeader, USBMON_DATA_IN_PENDING, USBMON_SETUP_ABSENT, type UsbmonHeader } from '../../src/pcap/usbmon.ts';
import { arbitraryHeader } from './arbitraries.ts';
import { usbmonToBigEndian } from './builders.ts';

const captures = new URL('../../../shared/reference/captures/', import.meta.url);

describe('usbmon header', () => {
  it('decodes the first record of the reference synthetic capture (GET_DESCRIPTOR(DEVICE) submission)', () => {
    const file = new Uint8Array(readFileSync(new URL('synthetic_poweron_atr.pcap', captures)));
    const h = decodeUsbmonHeader(file.subarray(24 + 16), true);
    expect(h).toMatchObject({
      urbId: 0xffff888000001100n,
      eventType: 'S',
      transferType: 2,
      endpoint: 0x80,
      device: 5,
      bus: 1,
      setupFlag: 0,
      dataFlag: USBMON_DATA_IN_PENDING,
      status: -115,
      urbLength: 18,
      dataLength: 0,
    });
    expect([...h.setup]).toEqual([0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00]);
    // Re-encoding gives the file's bytes back.
    expect(encodeUsbmonHeader(h)).toEqual(file.subarray(40, 104));
  });

  it('round-trips every header, in both byte orders', () => {
    fc.assert(
      fc.property(arbitraryHeader, fc.boolean(), (header, le) => {
        const bytes = encodeUsbmonHeader(header, le);
        expect(bytes.length).toBe(64);
        expect(decodeUsbmonHeader(bytes, le)).toEqual(header);
      }),
    );
  });

  it('big-endian files keep the setup packet in USB (little-endian) order', () => {
    fc.assert(
      fc.property(arbitraryHeader, (header) => {
        const be = usbmonToBigEndian(encodeUsbmonHeader(header, true));
        expect(decodeUsbmonHeader(be, false)).toEqual(header);
      }),
    );
  });

  it('reads the 48-byte header of link type 189, with the mmapped-only fields zero', () => {
    const header: UsbmonHeader = {
      urbId: 7n, eventType: 'C', transferType: 3, endpoint: 0x82, device: 4, bus: 2, setupFlag: USBMON_SETUP_ABSENT, dataFlag: 0,
      tsSec: 1_700_000_000, tsUsec: 12, status: 0, urbLength: 3, dataLength: 3, setup: new Uint8Array(8), interval: 9, startFrame: 9, xferFlags: 9, ndesc: 9,
    };
    const decoded = decodeUsbmonHeader(encodeUsbmonHeader(header).subarray(0, 48), true, 48);
    expect(decoded).toEqual({ ...header, interval: 0, startFrame: 0, xferFlags: 0, ndesc: 0 });
  });

  it('rejects short headers and unknown event types with CaptureError', () => {
    expect(() => decodeUsbmonHeader(new Uint8Array(63))).toThrow(CaptureError);
    const bytes = new Uint8Array(64);
    bytes[8] = 0x58; // 'X'
    expect(() => decodeUsbmonHeader(bytes)).toThrow(/event type/);
  });
});
