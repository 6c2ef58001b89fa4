/** fast-check arbitraries shared by the pcap tests. */
import fc from 'fast-check';
import { USBMON_SETUP_ABSENT, type UsbmonHeader } from '../../src/pcap/usbmon.ts';

/** Any header the 64-byte layout can hold. */
export const arbitraryHeader: fc.Arbitrary<UsbmonHeader> = fc.record({
  urbId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  eventType: fc.constantFrom('S' as const, 'C' as const, 'E' as const),
  transferType: fc.integer({ min: 0, max: 3 }),
  endpoint: fc.integer({ min: 0, max: 255 }),
  device: fc.integer({ min: 0, max: 127 }),
  bus: fc.integer({ min: 0, max: 0xffff }),
  setupFlag: fc.constantFrom(0, USBMON_SETUP_ABSENT),
  dataFlag: fc.constantFrom(0, 0x3c, 0x3e),
  tsSec: fc.integer({ min: 0, max: 2 ** 40 }),
  tsUsec: fc.integer({ min: 0, max: 999_999 }),
  status: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  urbLength: fc.integer({ min: 0, max: 0xffffffff }),
  dataLength: fc.integer({ min: 0, max: 0xffffffff }),
  setup: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  interval: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  startFrame: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  xferFlags: fc.integer({ min: 0, max: 0xffffffff }),
  ndesc: fc.integer({ min: 0, max: 0xffffffff }),
});
