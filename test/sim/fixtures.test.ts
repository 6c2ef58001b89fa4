import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDescriptorFixture, parseDescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { SYNTHETIC_PROFILES, createEmulatedReader, listProfiles, loadProfile, synthesizeFixture } from '../../src/sim/index.ts';
import { BUILTIN_FIXTURES } from '../../src/sim/profiles-data.ts';
import { listFixtureFiles, loadProfileFile } from '../../src/sim/profiles-node.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { toHex } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const referenceDir = fileURLToPath(new URL('../../../shared/reference/libccid/fixtures/', import.meta.url));

describe('emulated reader: profiles', () => {
  it('lists the built-in profiles with their shape', () => {
    const byName = new Map(listProfiles().map((p) => [p.name, p]));
    expect(byName.get('sysmoOCTSIM')).toMatchObject({ vidPid: '1d50:6141', slots: 8, busySlots: 8, exchangeLevel: 'tpdu', protocols: 1, synthetic: false });
    expect(byName.get('short-apdu-1slot')).toMatchObject({ slots: 1, exchangeLevel: 'short-apdu', synthetic: true });
    expect(byName.get('tpdu-t1-1slot')).toMatchObject({ slots: 1, exchangeLevel: 'tpdu', protocols: 3 });
    expect(byName.get('extended-apdu-1slot')).toMatchObject({ slots: 1, exchangeLevel: 'extended-apdu' });
    expect(byName.get('3slot-2busy')).toMatchObject({ slots: 3, busySlots: 2 });
    expect(byName.get('2slot-1busy')).toMatchObject({ slots: 2, busySlots: 1 });
    expect(loadProfile('sysmoOCTSIM').functions[0]!.ccid.dwDefaultClock).toBe(2500);
    expect(() => loadProfile('no-such-reader')).toThrow(/unknown reader profile/);
  });

  it('embeds exactly the descriptors/ files, and the sim-*.desc files are the synthesizer\'s output', () => {
    for (const spec of SYNTHETIC_PROFILES) {
      const file = readFileSync(`${root}descriptors/sim-${spec.name}.desc`, 'utf8');
      expect(BUILTIN_FIXTURES[spec.name]).toBe(file);
      expect(formatDescriptorFixture(synthesizeFixture(spec))).toBe(file);
    }
    expect(BUILTIN_FIXTURES['sysmoOCTSIM']).toBe(readFileSync(`${root}descriptors/sysmocom_sysmoOCTSIM.desc`, 'utf8'));
  });

  it('loads each of the 592 libccid reference fixtures and serves it through the USB face', async () => {
    const files = listFixtureFiles(referenceDir);
    expect(files.length).toBe(592);
    let slots = 0;
    let interfaces = 0;
    for (const file of files) {
      const fixture = parseDescriptorFixture(readFileSync(file, 'utf8'));
      const profile = loadProfileFile(file);
      const reader = createEmulatedReader(profile, { timeScale: 0 });
      const d = reader.device;
      await d.open();
      const dev = transferBytes(await d.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0100, index: 0 }, 18));
      expect(toHex(dev)).toBe(toHex(fixture.device));
      const head = transferBytes(await d.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0200, index: 0 }, 9));
      const total = head[2]! | (head[3]! << 8);
      const cfg = transferBytes(await d.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0200, index: 0 }, total));
      expect(toHex(cfg)).toBe(toHex(fixture.configuration));
      for (const [index, text] of fixture.strings) {
        const s = transferBytes(await d.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0300 | index, index: 0x0409 }, 255));
        expect(s.length).toBe(2 + 2 * Math.min(126, text.length));
      }
      for (const fn of profile.functions) {
        interfaces++;
        await d.claimInterface(fn.interfaceNumber);
        const clock = await d.controlTransferIn({ requestType: 'class', recipient: 'interface', request: 2, value: 0, index: fn.interfaceNumber }, 1024);
        const recorded = fixture.clockFrequencies.get(fn.interfaceNumber);
        expect(clock.status).toBe(recorded?.kind === 'data' ? 'ok' : 'stall');
        if (fn.bulkIn === undefined || fn.bulkOut === undefined) continue;
        slots += fn.slotCount;
        // GetSlotStatus on the last slot: answered with its bSlot, bSeq and "no card".
        const last = fn.slotCount - 1;
        await d.transferOut(fn.bulkOut.number, Uint8Array.of(0x65, 0, 0, 0, 0, last, 0x33, 0, 0, 0));
        const answer = transferBytes(await d.transferIn(fn.bulkIn.number, 64));
        expect(toHex(answer)).toBe(`81 00 00 00 00 ${toHex(Uint8Array.of(last))} 33 02 00 00`);
      }
      await d.close();
    }
    expect(interfaces).toBeGreaterThanOrEqual(592);
    expect(slots).toBeGreaterThan(592);
  });
});
