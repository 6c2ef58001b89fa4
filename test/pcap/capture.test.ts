import { describe, expect, it } from 'vitest';
import { UsbTransportError } from '../../src/errors.ts';
import { captureDevice, encodeSetupPacket } from '../../src/pcap/capture.ts';
import { extractConversation } from '../../src/pcap/conversation.ts';
import { PcapWriter, type UsbmonSink } from '../../src/pcap/pcap-writer.ts';
import { readUsbPackets } from '../../src/pcap/usb-packet.ts';
import type { UsbmonHeader } from '../../src/pcap/usbmon.ts';
import { toHex } from '../../src/util/hex.ts';
import { cat } from './builders.ts';
import { FakeReader, ccidFrame } from './fake-reader.ts';

function recorder() {
  const events: { h: UsbmonHeader; data: Uint8Array }[] = [];
  const sink: UsbmonSink = { packet: (h, data) => void events.push({ h, data: data.slice() }) };
  return { events, sink };
}

const T0 = 1_700_000_000_000_000;
function fakeClock(stepMicros = 250) {
  let t = T0;
  return () => (t += stepMicros);
}

describe('captureDevice', () => {
  it('reads the descriptors once, through the capture, before the first bulk transfer', async () => {
    const fake = new FakeReader();
    const { events, sink } = recorder();
    const dev = captureDevice(fake, sink, { device: 3, clock: fakeClock() });
    fake.queueInterrupt(new Uint8Array([0x50, 0x03, 0x00]));
    // Interrupt read and a command issued at the same time: one descriptor read for both.
    await Promise.all([dev.transferIn(3, 8), dev.transferOut(2, ccidFrame(0x65, 0, 0, [0, 0, 0]))]);
    const setups = events.filter((e) => e.h.setupFlag === 0).map((e) => toHex(e.h.setup));
    expect(setups).toEqual(['80 06 00 01 00 00 12 00', '80 06 00 02 00 00 09 00', '80 06 00 02 00 00 5D 00']);
    const config = events.find((e) => e.h.eventType === 'C' && e.data.length === 0x5d)!;
    expect(config.h).toMatchObject({ transferType: 2, endpoint: 0x80, status: 0, urbLength: 0x5d, dataLength: 0x5d, setupFlag: 0x2d, dataFlag: 0 });
    // The interrupt endpoint 0x83 (bInterval 16 in the sysmoOCTSIM descriptor) is recorded as interrupt.
    const intr = events.filter((e) => e.h.endpoint === 0x83);
    expect(intr.map((e) => [e.h.eventType, e.h.transferType, e.h.interval])).toEqual([['S', 1, 16], ['C', 1, 16]]);
    const bulkOut = events.filter((e) => e.h.endpoint === 0x02);
    expect(bulkOut.map((e) => [e.h.eventType, e.h.transferType, e.h.status, e.h.urbLength, e.h.dataLength, e.h.dataFlag])).toEqual([
      ['S', 3, -115, 10, 10, 0],
      ['C', 3, 0, 10, 0, 0x3e],
    ]);
    expect(events.every((e) => e.h.bus === 1 && e.h.device === 3)).toBe(true);
  });

  it('pairs each submission with its completion by URB id, and stamps the injected clock', async () => {
    const fake = new FakeReader();
    const { events, sink } = recorder();
    const dev = captureDevice(fake, sink, { clock: fakeClock(1_000_001), ensureDescriptors: false, firstUrbId: 0x10n });
    await dev.transferOut(2, ccidFrame(0x62, 0, 7, [0, 0, 0]));
    const reply = await dev.transferIn(1, 271);
    expect(reply.data?.getUint8(0)).toBe(0x80); // the wrapped device's result, untouched
    expect(events.map((e) => [e.h.eventType, e.h.urbId])).toEqual([['S', 0x10n], ['C', 0x10n], ['S', 0x11n], ['C', 0x11n]]);
    const stamps = events.map((e) => e.h.tsSec * 1_000_000 + e.h.tsUsec - T0);
    expect(stamps).toEqual([1_000_001, 2_000_002, 3_000_003, 4_000_004]);
    const inSubmit = events[2]!.h;
    expect(inSubmit).toMatchObject({ endpoint: 0x81, transferType: 3, dataFlag: 0x3c, urbLength: 271, dataLength: 0 });
    const inComplete = events[3]!;
    expect(inComplete.h).toMatchObject({ status: 0, urbLength: 10 + fake.atr.length, dataLength: 10 + fake.atr.length });
    expect(toHex(inComplete.data.subarray(10))).toBe(toHex(fake.atr));
  });

  it('records a stall as -EPIPE and a failure as the errno Linux reports, rethrowing the same error', async () => {
    const fake = new FakeReader();
    const { events, sink } = recorder();
    const dev = captureDevice(fake, sink, { ensureDescriptors: false, clock: fakeClock() });
    fake.nextInStatus = 'stall';
    expect((await dev.transferIn(1, 64)).status).toBe('stall');
    const gone = new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', 'unplugged');
    fake.nextInError = gone;
    await expect(dev.transferIn(1, 64)).rejects.toBe(gone);
    fake.nextInError = new UsbTransportError('CCID_ERR_USB_CLOSED', 'closed');
    await expect(dev.transferIn(1, 64)).rejects.toThrow('closed');
    expect(events.filter((e) => e.h.eventType === 'C').map((e) => e.h.status)).toEqual([-32, -108, -2]);
  });

  it('records clearHalt as CLEAR_FEATURE(ENDPOINT_HALT) and control OUT with its data', async () => {
    const fake = new FakeReader();
    const { events, sink } = recorder();
    const dev = captureDevice(fake, sink, { ensureDescriptors: false, clock: fakeClock() });
    await dev.clearHalt('in', 1);
    await dev.controlTransferOut({ requestType: 'class', recipient: 'interface', request: 1, value: 0x0503, index: 0 }, new Uint8Array([9, 8]));
    expect(events.map((e) => [e.h.eventType, toHex(e.h.setup), toHex(e.data), e.h.endpoint])).toEqual([
      ['S', '02 01 00 00 81 00 00 00', '', 0],
      ['C', '00 00 00 00 00 00 00 00', '', 0],
      ['S', '21 01 03 05 00 00 02 00', '09 08', 0],
      ['C', '00 00 00 00 00 00 00 00', '', 0],
    ]);
  });

  it('does not read descriptors itself when the driver already did', async () => {
    const fake = new FakeReader();
    const { events, sink } = recorder();
    const dev = captureDevice(fake, sink, { clock: fakeClock() });
    await dev.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0200, index: 0 }, 0x5d);
    await dev.transferOut(2, ccidFrame(0x65, 0, 0, [0, 0, 0]));
    expect(events.filter((e) => e.h.setupFlag === 0).length).toBe(1);
  });

  it('encodes WebUSB setups as USB setup packets', () => {
    expect(toHex(encodeSetupPacket({ requestType: 'vendor', recipient: 'other', request: 0xab, value: 0x1234, index: 0x5678 }, 'in', 0x9abc))).toBe('C3 AB 34 12 78 56 BC 9A');
  });

  it('gives a pcap whose CCID conversation is exactly what was exchanged', async () => {
    const fake = new FakeReader();
    const chunks: Uint8Array[] = [];
    const dev = captureDevice(fake, new PcapWriter((c) => chunks.push(c)), { device: 9, clock: fakeClock() });
    const sent: string[] = [];
    const exchange = async (message: Uint8Array<ArrayBuffer>) => {
      sent.push(`out ${toHex(message, '')}`);
      await dev.transferOut(2, message);
      const r = await dev.transferIn(1, 271);
      sent.push(`in ${toHex(new Uint8Array(r.data!.buffer, r.data!.byteOffset, r.data!.byteLength), '')}`);
    };
    fake.queueInterrupt(new Uint8Array([0x50, 0x02, 0x00]));
    await dev.transferIn(3, 8);
    sent.push('interrupt 500200');
    await exchange(ccidFrame(0x62, 5, 0, [1, 0, 0]));
    await exchange(ccidFrame(0x6f, 5, 1, [0, 0, 0], new Uint8Array([0x00, 0xa4, 0x04, 0x00, 0x00])));
    await exchange(ccidFrame(0x63, 5, 2, [0, 0, 0]));
    const messages = extractConversation(readUsbPackets(cat(...chunks)));
    expect(messages.map((m) => `${m.dir} ${toHex(m.data, '')}`)).toEqual(sent);
    expect(messages.map((m) => m.type)).toEqual([
      'RDR_to_PC_NotifySlotChange',
      'PC_to_RDR_IccPowerOn',
      'RDR_to_PC_DataBlock',
      'PC_to_RDR_XfrBlock',
      'RDR_to_PC_DataBlock',
      'PC_to_RDR_IccPowerOff',
      'RDR_to_PC_SlotStatus',
    ]);
    expect(messages.every((m) => m.device === 9 && m.complete)).toBe(true);
  });
});
