/**
 * Real-reader oddities, each on the fixture of a reader that has it: vendor-class
 * interfaces, the class descriptor after the endpoints, proprietary descriptor type, ICCD
 * A and B, composite devices, invalid bMaxCCIDBusySlots; and dwFeatures decoding.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFeatures, describeDevice, FEATURE_BITS, parseDescriptorSet, summarizeInterface, type CcidInterfaceDescription } from '../../src/descriptors/index.ts';
import { parseDescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { FixtureUsbDevice } from '../support/fixture-device.ts';

const reference = (name: string) => parseDescriptorFixture(readFileSync(new URL(`../../../shared/reference/libccid/fixtures/${name}.desc`, import.meta.url), 'utf8'));
const project = (name: string) => parseDescriptorFixture(readFileSync(new URL(`../../descriptors/${name}.desc`, import.meta.url), 'utf8'));
const only = async (fixture: ReturnType<typeof reference>): Promise<CcidInterfaceDescription> => {
  const desc = await describeDevice(new FixtureUsbDevice(fixture));
  expect(desc.interfaces).toHaveLength(1);
  return desc.interfaces[0]!;
};

describe('reader quirks', () => {
  it('finds the class descriptor after the endpoints (O2Micro OZ776 0b97:7762) and reports it', async () => {
    const itf = await only(project('Oz776S'));
    expect(itf.classDescriptorPlacement).toBe('after-endpoints');
    expect(itf.classDescriptorOffset).toBe(39);
    expect(itf.ccid.length).toBe(54);
    expect(itf.endpoints).toEqual({
      bulkIn: { address: 0x81, number: 1, maxPacketSize: 64, interval: 0 },
      bulkOut: { address: 0x02, number: 2, maxPacketSize: 64, interval: 0 },
      interruptIn: { address: 0x83, number: 3, maxPacketSize: 8, interval: 16 },
    });
    expect(itf.warnings).toContain('CCID class descriptor follows the endpoint descriptors (not CCID 1.1 §5.1 order)');
  });

  it('accepts a vendor-class (0xFF) interface with a CCID descriptor, inline or after the endpoints', async () => {
    const cherry = await only(reference('CherrySmartTerminalST2XXX'));
    expect([cherry.interfaceClass, cherry.classDescriptorPlacement, cherry.kind]).toEqual([0xff, 'after-interface', 'ccid']);
    const reiner = await only(reference('ReinerSCT'));
    expect([reiner.interfaceClass, reiner.classDescriptorPlacement]).toEqual([0xff, 'after-endpoints']);
  });

  it('accepts the proprietary class descriptor type 0xFF (Verisign token)', async () => {
    const itf = await only(reference('Verisign_secure_token'));
    expect(itf.ccid.descriptorType).toBe(0xff);
    expect(itf.warnings).toContain('CCID class descriptor has the proprietary bDescriptorType 0xFF');
  });

  it('tells ICCD version A and B apart, with their endpoints', async () => {
    const a = await only(reference('e-gate'));
    expect([a.kind, a.interfaceProtocol, a.endpoints]).toEqual(['iccd-a', 1, {}]);
    const b = await only(project('GnD_StarSignCardToken350'));
    expect([b.kind, b.interfaceProtocol]).toEqual(['iccd-b', 2]);
    expect(b.endpoints).toEqual({ interruptIn: { address: 0x81, number: 1, maxPacketSize: 8, interval: 16 } });
    expect(b.ccid.features.iccdToken).toBe(true);
    const oddA = await only(reference('ActivCardV2'));
    expect(oddA.warnings).toContain('ICCD version A interface with 3 endpoints (control transfers only)');
  });

  it('describes each interface of a composite device (ACS ACR1581: PICC, ICC, SAM)', async () => {
    const desc = await describeDevice(new FixtureUsbDevice(project('ACS_ACR1581')));
    expect(desc.interfaces.map((i) => [i.interfaceNumber, i.interfaceString, i.endpoints.bulkOut?.number, i.endpoints.interruptIn?.number ?? null])).toEqual([
      [0, { kind: 'text', text: 'ACR1581 1S Dual Reader PICC' }, 2, 3],
      [1, { kind: 'text', text: 'ACR1581 1S Dual Reader ICC' }, 5, 6],
      [2, { kind: 'text', text: 'ACR1581 1S Dual Reader SAM' }, 8, null],
    ]);
    expect(desc.interfaces.every((i) => i.exchangeLevel === 'extended-apdu')).toBe(true);
  });

  it('clamps bMaxCCIDBusySlots 0 or above the slot count, and flags it', async () => {
    const zero = await only(reference('Feitian_SCR310'));
    expect([zero.ccid.maxCcidBusySlots, zero.slotCount, zero.maxBusySlots, zero.maxBusySlotsClamped]).toEqual([0, 1, 1, true]);
    const five = await only(reference('SpringCard_E518_611A'));
    expect([five.ccid.maxCcidBusySlots, five.slotCount, five.maxBusySlots, five.maxBusySlotsClamped]).toEqual([5, 2, 2, true]);
    expect(five.warnings).toContain('bMaxCCIDBusySlots 5 is outside 1..2; using 2');
    const octsim = await only(project('sysmocom_sysmoOCTSIM'));
    expect([octsim.slotCount, octsim.maxBusySlots, octsim.maxBusySlotsClamped]).toEqual([8, 8, false]);
    expect(summarizeInterface(octsim)).toBe('interface 0 CCID: 8 slots (8 busy), TPDU, bulk-in 0x81/64, bulk-out 0x02/64, interrupt-in 0x83/8');
    expect(summarizeInterface(zero)).toBe('interface 0 CCID: 1 slot (1 busy, bMaxCCIDBusySlots 0 clamped), TPDU, bulk-in 0x81/64, bulk-out 0x02/64, interrupt-in 0x83/8');
  });

  it('reads the real 2ce3:9563 capture: 16-byte bulk endpoints, short+extended APDU, no strings recorded', async () => {
    const desc = await describeDevice(new FixtureUsbDevice(project('generic_emv_2ce3_9563')));
    const itf = desc.interfaces[0]!;
    expect([desc.device.vendorId, desc.device.productId, desc.device.deviceVersion, desc.device.usbVersion]).toEqual([0x2ce3, 0x9563, 0x0120, 0x0201]);
    expect(itf.endpoints.bulkIn).toEqual({ address: 0x83, number: 3, maxPacketSize: 16, interval: 0 });
    expect(itf.endpoints.bulkOut?.maxPacketSize).toBe(16);
    expect([itf.exchangeLevel, itf.ccid.maxCcidMessageLength, itf.ccid.numDataRatesSupported, itf.ccid.maxIfsd]).toEqual(['extended-apdu', 272, 95, 254]);
    expect(desc.strings).toEqual({});
    expect(desc.stringTable.get(1)).toEqual({ kind: 'error', text: 'LIBUSB_ERROR_PIPE' });
    expect(itf.clockFrequencies).toEqual({ kind: 'error', text: 'LIBUSB_ERROR_PIPE', reason: 'stall' });
  });
});

describe('dwFeatures', () => {
  it('decodes each defined bit alone, and nothing else', () => {
    for (const bit of FEATURE_BITS) {
      const f = decodeFeatures(bit.mask);
      const set = FEATURE_BITS.filter((b) => f[b.key]).map((b) => b.key);
      expect(set).toEqual([bit.key]);
      expect(f.reservedBits).toBe(0);
    }
    expect(FEATURE_BITS.map((b) => b.mask)).toEqual([0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0x10000, 0x20000, 0x40000, 0x100000]);
  });

  it('gives the exchange level of bits 16..18, flags combinations, keeps reserved bits', () => {
    expect(decodeFeatures(0x000100b0).exchangeLevel).toBe('tpdu');
    expect(decodeFeatures(0x000200b0).exchangeLevel).toBe('short-apdu');
    expect(decodeFeatures(0x000404be).exchangeLevel).toBe('extended-apdu');
    expect(decodeFeatures(0).exchangeLevel).toBe('character');
    expect(decodeFeatures(0x00030000)).toMatchObject({ exchangeLevel: 'short-apdu', exchangeLevelAmbiguous: true });
    expect(decodeFeatures(0x00010000).exchangeLevelAmbiguous).toBe(false);
    expect(decodeFeatures(0x80009001).reservedBits).toBe(0x80009001);
    expect(decodeFeatures(0xffffffff).value).toBe(0xffffffff);
  });

  it('matches the level libccid names for the sysmoOCTSIM and the USB wake-up bit', () => {
    const desc = parseDescriptorSet(project('sysmocom_sysmoOCTSIM'));
    const f = desc.interfaces[0]!.ccid.features;
    expect([f.automaticClockChange, f.automaticBaudRateChange, f.automaticPps, f.tpduLevel, f.usbWakeUp]).toEqual([true, true, true, true, false]);
    expect(decodeFeatures(0x001404be).usbWakeUp).toBe(true);
  });
});
