/**
 * The oracle: libccid's reader database. For each of the 592 fixtures (raw bytes rebuilt
 * from a libccid `parse` dump), the fixture-backed fake device is described with
 * `describeDevice`, exactly as a live reader would be; then
 * - for the 315 dumps printed by today's `parse`, `formatLibccidParse` must equal the dump
 *   line for line;
 * - for every dump (all wordings, 2004–2026), every value the dump states must agree with
 *   the parsed fields.
 * Exceptions are listed below, each a defect of the dump itself, and the test checks that
 * each one differs exactly as explained (so a fixed dump or a new difference fails).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDevice, formatLibccidParse, type DeviceDescription } from '../../src/descriptors/index.ts';
import { parseDescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { FixtureUsbDevice } from '../support/fixture-device.ts';
import { readDump, type DumpBlock } from './libccid-dump.ts';
import { compareBlock } from './compare-dump.ts';
import { vidPid } from '../../src/util/hex.ts';

const LIBCCID = new URL('../../../shared/reference/libccid/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, LIBCCID), 'utf8');

/** Current-wording dumps that cannot match line for line, and why (all defects of the dump files). */
const LINE_EXCEPTIONS: Record<string, string> = {
  'Bit4id_Digital_DNA_Key_v2.txt': 'the dump file has CRLF line ends (saved on Windows); parse prints LF',
  'CherrySmartTerminalXX7X.txt': 'trailing spaces after "bNumClockSupported: 4" and "bNumDataRatesSupported: 127", which parse never prints (edited dump)',
  'Cherry_SmartTerminal_XX44.txt': 'trailing space after "02.... Short APDU level exchange" (edited dump)',
  'Dectel_CI692.txt': 'trailing space after "bMaxCCIDBusySlots: 1" (edited dump)',
};

/** Dumps whose values cannot all agree, why, and the exact mismatches expected. */
const VALUE_EXCEPTIONS: Record<string, { reason: string; mismatches: string[]; otherDevice?: string }> = {
  'ELYCTIS_CL_reader.txt': {
    reason: 'the dump also holds the block of another device (04E6:5810 "CNT reader", twice); the fixture keeps 1FFA:0002 only, whose block is compared',
    mismatches: [],
    otherDevice: '0x04E6',
  },
  'HID_Global_Crescendo_Key_0x0029.txt': { reason: 'bcdDevice printed "1.0", which parse\'s "%X.%02X" cannot produce (edited dump); the fixture uses 0x0100', mismatches: ['bcdDevice: dump 1.0, description 1.00'] },
  'HID_Global_Crescendo_Key_0x002B.txt': { reason: 'bcdDevice printed "1.0" (edited dump), as above', mismatches: ['bcdDevice: dump 1.0, description 1.00'] },
  'HID_Global_Crescendo_Key_0x002D.txt': { reason: 'bcdDevice printed "1.0" (edited dump), as above', mismatches: ['bcdDevice: dump 1.0, description 1.00'] },
};

/** Class-request results a dump does not show (its `parse` did not print one), by dump. */
const NOT_SHOWN: Record<string, string[]> = {
  // April 2005 parse printed the GET_DATA_RATES answer under bNumClockSupported and no clock list.
  'Verisign_secure_token.txt': ['clock frequencies'],
};

/** Lines of the dumps that are neither values nor known decoded comments. */
const ODD_LINES: Record<string, string[]> = {
  'Yubico_Yubikey_neo.txt': ['params'], // the wrapped end of the line before
};

interface Case {
  dump: string;
  text: string;
  desc: DeviceDescription;
  fake: FixtureUsbDevice;
}

const cases: Case[] = [];
const current = new Set(read('current-wording.txt').split('\n').filter((l) => l !== ''));

beforeAll(async () => {
  const fixtures = readdirSync(new URL('fixtures/', LIBCCID)).filter((f) => f.endsWith('.desc')).sort();
  for (const file of fixtures) {
    const fake = new FixtureUsbDevice(parseDescriptorFixture(read(`fixtures/${file}`)));
    const desc = await describeDevice(fake);
    const dump = file.replace(/\.desc$/, '.txt');
    cases.push({ dump, text: read(`readers/${dump}`), desc, fake });
  }
});

const uniqueBlocks = (blocks: DumpBlock[]) => blocks.filter((b, i) => blocks.findIndex((o) => o.text === b.text) === i);

describe('libccid reader database as the oracle', () => {
  it('describes all 592 fixtures through the fake device, each with at least one CCID interface', () => {
    expect(cases).toHaveLength(592);
    expect(current.size).toBe(315);
    expect(cases.filter((c) => c.desc.interfaces.length === 0).map((c) => c.dump)).toEqual([]);
    // 773 interface blocks in the dumps; minus repeated blocks and the other device of ELYCTIS_CL_reader.
    const interfaces = cases.reduce((n, c) => n + c.desc.interfaces.length, 0);
    const blocks = cases.reduce((n, c) => n + uniqueBlocks(readDump(c.text)).length, 0);
    expect(interfaces).toBe(blocks - 1);
    // index.tsv has one row per dump block: 665, of which 3 repeat a block and 1 is the other device.
    expect(interfaces).toBe(read('index.tsv').trim().split('\n').length - 1 - 3 - 1);
    // The class descriptor after the endpoints: exactly the four readers of libccid's O2MICRO_OZ776_PATCH.
    const late = cases.flatMap((c) => c.desc.interfaces.filter((i) => i.classDescriptorPlacement === 'after-endpoints').map(() => vidPid(c.desc.device.vendorId, c.desc.device.productId)));
    expect(late.sort()).toEqual(['0b97:7762', '0b97:7772', '0c4b:0300', '1b0e:1078']);
    // describeDevice claimed nothing and left the device closed as it found it.
    expect(cases.every((c) => c.fake.claimed.size === 0 && !c.fake.opened)).toBe(true);
  });

  it('prints the 315 current-wording dumps line for line, except the listed dump defects', () => {
    const exact: string[] = [];
    const differ: string[] = [];
    for (const c of cases.filter((c) => current.has(c.dump))) {
      const want = c.text.replace(/\n$/, '').split('\n');
      const got = formatLibccidParse(c.desc);
      if (got.join('\n') === want.join('\n')) exact.push(c.dump);
      else {
        differ.push(c.dump);
        // Each exception differs only by what its reason says: line ends and trailing blanks.
        expect(want.map((l) => l.trimEnd()), c.dump).toEqual(got);
      }
    }
    expect(differ.sort()).toEqual(Object.keys(LINE_EXCEPTIONS).sort());
    expect(exact).toHaveLength(315 - Object.keys(LINE_EXCEPTIONS).length);
  });

  it('agrees with every value of every dump (all parse versions 2004–2026), except the listed dump defects', () => {
    const failures: Record<string, string[]> = {};
    const notShown: Record<string, string[]> = {};
    let compared = 0;
    for (const c of cases) {
      let blocks = uniqueBlocks(readDump(c.text));
      const exception = VALUE_EXCEPTIONS[c.dump];
      if (exception?.otherDevice !== undefined) blocks = blocks.filter((b) => b.fields.get('idVendor') !== exception.otherDevice);
      expect(blocks.length, c.dump).toBe(c.desc.interfaces.length);
      const mismatches: string[] = [];
      blocks.forEach((block, i) => {
        const result = compareBlock(block, c.desc, c.desc.interfaces[i]!);
        mismatches.push(...result.mismatches);
        if (result.notShown.length > 0) notShown[c.dump] = result.notShown;
        compared++;
      });
      if (mismatches.length > 0 || exception !== undefined) failures[c.dump] = mismatches;
    }
    expect(failures).toEqual(Object.fromEntries(Object.entries(VALUE_EXCEPTIONS).map(([k, v]) => [k, v.mismatches])));
    expect(notShown).toEqual(NOT_SHOWN);
    expect(compared).toBe(cases.reduce((n, c) => n + c.desc.interfaces.length, 0));
  });

  it('reads every line of every dump as a value or a known decoded comment', () => {
    const odd: Record<string, string[]> = {};
    for (const c of cases) {
      const unknown = readDump(c.text).flatMap((b) => b.unknown);
      if (unknown.length > 0) odd[c.dump] = unknown;
    }
    expect(odd).toEqual(ODD_LINES);
  });

  it('sends each CCID interface GET_CLOCK_FREQUENCIES then GET_DATA_RATES, wLength 1024, to the interface recipient', () => {
    for (const c of cases) {
      const classRequests = c.fake.log.filter((l) => l.setup.requestType === 'class');
      const expected = c.desc.interfaces.flatMap((itf) => [
        { setup: { requestType: 'class', recipient: 'interface', request: 0x02, value: 0, index: itf.interfaceNumber }, length: 1024 },
        { setup: { requestType: 'class', recipient: 'interface', request: 0x03, value: 0, index: itf.interfaceNumber }, length: 1024 },
      ]);
      expect(classRequests, c.dump).toEqual(expected);
    }
  });
});
