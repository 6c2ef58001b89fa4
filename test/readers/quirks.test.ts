import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { parseDescriptorSet, type DeviceDescription } from '../../src/descriptors/index.ts';
import {
  applyQuirks,
  assessReader,
  describeQuirk,
  parametersFromInterface,
  quirkTable,
  quirksFor,
  type Quirk,
  type QuirkKind,
  type ReaderParameters,
} from '../../src/readers/index.ts';

const FIXTURES = new URL('../../../shared/reference/libccid/fixtures/', import.meta.url);
const key = (vid: number, pid: number) => `${vid.toString(16).padStart(4, '0')}:${pid.toString(16).padStart(4, '0')}`;

function loadFixtures(): { file: string; desc: DeviceDescription }[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.desc'))
    .sort()
    .map((file) => {
      const fx = parseDescriptorFixture(readFileSync(new URL(file, FIXTURES), 'latin1'));
      return { file, desc: parseDescriptorSet(fx) };
    });
}

/** VID:PIDs whose table entries (any firmware) carry a quirk of `kind`. */
function keysWithKind(kind: QuirkKind): Set<string> {
  return new Set(quirkTable().filter((e) => e.match.pid !== undefined).filter((e) => e.quirks.some((q) => q.kind === kind)).map((e) => key(e.match.vid, e.match.pid!)));
}

const base: ReaderParameters = {
  exchangeLevel: 'tpdu',
  pinSupport: 0x01,
  maxDataRate: 344086,
  dataRates: [9600, 19200, 115200, 250000],
  maxIfsd: 254,
  autoIfsdExchange: false,
  maxBusySlots: 1,
  maxMessageLength: 0x10012,
};

describe('the quirk table', () => {
  it('has a reason on every quirk and valid 16-bit IDs on every entry', () => {
    expect(quirkTable().length).toBeGreaterThan(50);
    for (const entry of quirkTable()) {
      expect(entry.match.vid).toBeGreaterThanOrEqual(0);
      expect(entry.match.vid).toBeLessThanOrEqual(0xffff);
      if (entry.match.pid !== undefined) expect(entry.match.pid).toBeLessThanOrEqual(0xffff);
      expect(entry.label.trim()).not.toBe('');
      expect(entry.quirks.length).toBeGreaterThan(0);
      for (const q of entry.quirks) {
        expect(q.reason.trim().length).toBeGreaterThan(10);
        expect(describeQuirk(q).trim()).not.toBe('');
      }
    }
  });

  it('names exactly the four readers whose class descriptor follows the endpoints', () => {
    expect([...keysWithKind('classDescriptorAfterEndpoints')].sort()).toEqual(['0b97:7762', '0b97:7772', '0c4b:0300', '1b0e:1078']);
  });
});

describe('quirk table against the 592 libccid fixtures', () => {
  const fixtures = loadFixtures();

  it('reads every fixture', () => {
    expect(fixtures).toHaveLength(592);
  });

  it('flags "class descriptor after the endpoints" for every reader whose fixture has it, and only those', () => {
    const seen = new Set<string>();
    for (const { desc } of fixtures) {
      if (desc.interfaces.some((itf) => itf.classDescriptorPlacement === 'after-endpoints')) seen.add(key(desc.device.vendorId, desc.device.productId));
    }
    // ReinerSCT (0C4B:0300) is class 0xFF with the descriptor after the endpoints: libccid's
    // parse ignores it, and so may the descriptor layer; the other three must be found.
    for (const k of seen) expect(keysWithKind('classDescriptorAfterEndpoints').has(k)).toBe(true);
    expect(seen.has('0b97:7762') && seen.has('0b97:7772') && seen.has('1b0e:1078')).toBe(true);
  });

  it('has a busySlots quirk for every reader whose bMaxCCIDBusySlots is 0 or above its slot count', () => {
    const bogus = new Set<string>();
    for (const { desc } of fixtures) {
      for (const itf of desc.interfaces) {
        const stated = itf.ccid.maxCcidBusySlots;
        if (stated === 0 || stated > itf.slotCount) bogus.add(key(desc.device.vendorId, desc.device.productId));
      }
    }
    expect(bogus.size).toBeGreaterThan(0);
    expect([...bogus].sort()).toEqual([...keysWithKind('busySlots')].sort());
  });

  it('gives each busySlots quirk a value the descriptor layer agrees with (its clamp)', () => {
    for (const { file, desc } of fixtures) {
      for (const itf of desc.interfaces) {
        const q = quirksFor(desc.device.vendorId, desc.device.productId, desc.device.deviceVersion).find((x) => x.kind === 'busySlots');
        if (q === undefined || q.kind !== 'busySlots') continue;
        expect(q.value, file).toBe(itf.maxBusySlots);
      }
    }
  });

  it('has a maxMessageLength 263 → 270 quirk exactly for the readers that announce 263', () => {
    const announced263 = new Set<string>();
    for (const { desc } of fixtures) {
      if (desc.interfaces.some((itf) => itf.ccid.maxCcidMessageLength === 263)) announced263.add(key(desc.device.vendorId, desc.device.productId));
    }
    const quirked = new Set(
      quirkTable()
        .filter((e) => e.quirks.some((q) => q.kind === 'maxMessageLength' && q.announced === 263))
        .map((e) => key(e.match.vid, e.match.pid!)),
    );
    expect([...quirked].sort()).toEqual([...announced263].sort());
  });

  it('applies quirks to real descriptor parameters (Oz776S: 9600 bps, character level untouched)', () => {
    const oz = fixtures.find((f) => f.file === 'Oz776S.desc')!;
    const itf = oz.desc.interfaces[0]!;
    const quirks = quirksFor(0x0b97, 0x7762, oz.desc.device.deviceVersion);
    const { parameters, changes } = applyQuirks(parametersFromInterface(itf), quirks);
    expect(itf.ccid.maxDataRate).toBeGreaterThan(9600);
    expect(parameters.maxDataRate).toBe(9600);
    expect(parameters.exchangeLevel).toBe(itf.exchangeLevel);
    expect(changes.map((c) => c.quirk.kind)).toEqual(['dataRateLimit']);
  });
});

describe('quirksFor', () => {
  it('matches firmware conditions exactly (Cherry KC 1000 SC: chaining only on firmware 1.00)', () => {
    const kinds = (bcd?: number) => quirksFor(0x046a, 0x00a1, bcd).map((q) => q.kind);
    expect(kinds(0x0100)).toContain('exchangeLevel');
    expect(kinds(0x0101)).not.toContain('exchangeLevel');
    expect(kinds(undefined)).not.toContain('exchangeLevel');
    expect(kinds(0x0101)).toContain('pinMessageCount');
  });

  it('matches "below" conditions (SCM SCR 331: firmware < 5.16 is bogus)', () => {
    expect(quirksFor(0x04e6, 0xe001, 0x0515).some((q) => q.kind === 'bogusFirmware')).toBe(true);
    expect(quirksFor(0x04e6, 0xe001, 0x0516).some((q) => q.kind === 'bogusFirmware')).toBe(false);
  });

  it('applies vendor-wide entries to every product of the vendor', () => {
    const gemalto = quirksFor(0x08e6, 0x1234, 0x0100).map((q) => q.kind);
    expect(gemalto).toContain('vendorInit');
    expect(quirksFor(0x1d50, 0x6141, 0)).toEqual([]);
  });

  it('tells the QEMU usb-ccid (bcdDevice 0.00) from a real GemPC 433 SL (0.01)', () => {
    const qemu = quirksFor(0x08e6, 0x4433, 0x0000).map((q) => q.kind);
    const real = quirksFor(0x08e6, 0x4433, 0x0001).map((q) => q.kind);
    expect(qemu).toContain('cardActiveBeforePowerOn');
    expect(real).not.toContain('cardActiveBeforePowerOn');
    expect(real).toContain('powerOnRetryEscape');
  });
});

describe('applyQuirks', () => {
  it('turns the QEMU descriptor values into what the device does', () => {
    const { parameters, changes } = applyQuirks(base, quirksFor(0x08e6, 0x4433, 0x0000));
    expect(parameters.exchangeLevel).toBe('short-apdu');
    expect(parameters.maxMessageLength).toBe(384);
    expect(parameters.pinSupport).toBe(0);
    expect(changes.map((c) => c.description)).toEqual([
      'exchange level TPDU → short APDU',
      'dwMaxCCIDMessageLength 65554 → 384',
      'bPINSupport 0x01 → 0x00 (no PIN pad)',
    ]);
  });

  it('leaves values alone when a conditional quirk does not apply', () => {
    const extended = { ...base, exchangeLevel: 'extended-apdu' as const, maxMessageLength: 271 };
    const { parameters, changes } = applyQuirks(extended, quirksFor(0x08e6, 0x4433, 0x0000));
    expect(parameters.exchangeLevel).toBe('extended-apdu');
    expect(parameters.maxMessageLength).toBe(271);
    expect(changes.map((c) => c.quirk.kind)).toEqual(['disablePinPad']);
  });

  it('limits the data rates of secondary slots only (GemCore POS Pro)', () => {
    const quirks = quirksFor(0x08e6, 0x3479, 0x0100);
    expect(applyQuirks(base, quirks, 0).parameters.maxDataRate).toBe(base.maxDataRate);
    const slot1 = applyQuirks(base, quirks, 1).parameters;
    expect(slot1.maxDataRate).toBe(125000);
    expect(slot1.dataRates).toEqual([10753, 21505, 43011, 125000]);
  });

  it('filters the reader\'s own rate list by a maximum (AU9540)', () => {
    const p = applyQuirks(base, quirksFor(0x058f, 0x9540, 0x0100)).parameters;
    expect(p.maxDataRate).toBe(200000);
    expect(p.dataRates).toEqual([9600, 19200, 115200]);
  });

  it('sets IFSD and skips IFSD negotiation where the table says so', () => {
    expect(applyQuirks(base, quirksFor(0x09be, 0x0002, 0x0100)).parameters.maxIfsd).toBe(254);
    expect(applyQuirks({ ...base, maxIfsd: 32 }, quirksFor(0x09be, 0x0002, 0x0100)).parameters.maxIfsd).toBe(254);
    expect(applyQuirks(base, quirksFor(0x0529, 0x0620, 0x0012)).parameters.autoIfsdExchange).toBe(true);
    expect(applyQuirks(base, quirksFor(0x0529, 0x0620, 0x0014)).parameters.autoIfsdExchange).toBe(false);
  });

  it('ignores behaviour-only quirks', () => {
    const behaviour: Quirk[] = [{ kind: 'noPps', reason: 'test reader without PPS' }];
    expect(applyQuirks(base, behaviour)).toEqual({ parameters: base, changes: [] });
  });
});

describe('assessReader', () => {
  it('does not use an unsupported reader by default, and says why', () => {
    const a = assessReader(0x0a5c, 0x5805, 0x0100);
    expect(a.listing.status).toBe('unsupported');
    expect(a.notUsedBecause).toMatch(/64 bytes/);
  });

  it('does not use a listed reader with bogus firmware', () => {
    const a = assessReader(0x04e6, 0xe001, 0x0500);
    expect(a.listing.status).toBe('supported');
    expect(a.notUsedBecause).toMatch(/5\.16/);
    expect(assessReader(0x04e6, 0xe001, 0x0520).notUsedBecause).toBeUndefined();
  });

  it('uses an unlisted reader', () => {
    expect(assessReader(0x1234, 0x5678, 0x0100)).toEqual({ listing: { status: 'unlisted' }, quirks: [] });
  });
});
