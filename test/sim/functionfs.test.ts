import { describe, expect, it } from 'vitest';
import {
  FUNCTIONFS_DESCRIPTORS_MAGIC_V2,
  FUNCTIONFS_HAS_FS_DESC,
  FUNCTIONFS_HAS_HS_DESC,
  FUNCTIONFS_STRINGS_MAGIC,
  decodeFunctionFsEvents,
  functionFsSetup,
} from '../../src/sim/functionfs.ts';
import { loadProfile } from '../../src/sim/index.ts';

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}

/** Splits a run of USB descriptors into [type, bytes] pairs. */
function walk(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += bytes[o]!) {
    expect(bytes[o]).toBeGreaterThanOrEqual(2);
    out.push(bytes.subarray(o, o + bytes[o]!));
  }
  return out;
}

describe('functionFsSetup', () => {
  const profile = loadProfile('sysmoOCTSIM');

  it('writes a v2 header whose length and count match the full-speed descriptors of the fixture', () => {
    const setup = functionFsSetup(profile);
    const d = setup.descriptors;
    expect(u32(d, 0)).toBe(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
    expect(u32(d, 4)).toBe(d.length);
    expect(u32(d, 8)).toBe(FUNCTIONFS_HAS_FS_DESC);
    const body = d.subarray(16);
    const descriptors = walk(body);
    expect(u32(d, 12)).toBe(descriptors.length);
    // Interface, CCID class descriptor (54 bytes, type 0x21), three endpoints: the
    // configuration's bytes after its own 9-byte header, iInterface renumbered to 1.
    expect(descriptors.map((x) => x[1])).toEqual([4, 0x21, 5, 5, 5]);
    expect(descriptors[1]!.length).toBe(54);
    const config = profile.fixture.configuration;
    const expected = config.slice(9);
    expected[8] = 1;
    expect(Array.from(body)).toEqual(Array.from(expected));
  });

  it('maps the ep files to the emulator endpoints in descriptor order', () => {
    const { endpoints, interfaceNumbers } = functionFsSetup(profile);
    expect(interfaceNumbers).toEqual([0]);
    expect(endpoints).toEqual([
      { file: 1, endpointNumber: 1, direction: 'in', type: 'bulk', maxPacketSize: 64 },
      { file: 2, endpointNumber: 2, direction: 'out', type: 'bulk', maxPacketSize: 64 },
      { file: 3, endpointNumber: 3, direction: 'in', type: 'interrupt', maxPacketSize: 8 },
    ]);
  });

  it('carries the interface string in its own table (one language, NUL-terminated)', () => {
    const s = functionFsSetup(profile).strings;
    expect(u32(s, 0)).toBe(FUNCTIONFS_STRINGS_MAGIC);
    expect(u32(s, 4)).toBe(s.length);
    expect(u32(s, 8)).toBe(1);
    expect(u32(s, 12)).toBe(1);
    expect(s[16] | (s[17]! << 8)).toBe(0x0409);
    expect(new TextDecoder().decode(s.subarray(18))).toBe(`${profile.fixture.strings.get(4)}\0`);
  });

  it('adds a high-speed set with 512-byte bulk packets and the interrupt interval in microframes', () => {
    const setup = functionFsSetup(profile, { highSpeed: true });
    const d = setup.descriptors;
    expect(u32(d, 8)).toBe(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
    const fsCount = u32(d, 12);
    const hsCount = u32(d, 16);
    const all = walk(d.subarray(20));
    expect(all.length).toBe(fsCount + hsCount);
    const hs = all.slice(fsCount).filter((x) => x[1] === 5);
    expect(hs.map((e) => e[4]! | (e[5]! << 8))).toEqual([512, 512, 8]);
    // 16 frames of 1 ms = 128 microframes = 2^(8-1): bInterval 8 (USB 2.0 §9.6.6).
    expect(hs[2]![6]).toBe(8);
    expect(setup.endpoints.map((e) => e.maxPacketSize)).toEqual([512, 512, 8]);
  });
});

describe('decodeFunctionFsEvents', () => {
  it('decodes ENABLE and a class SETUP (GET_CLOCK_FREQUENCIES) from one read', () => {
    const bytes = new Uint8Array(24);
    bytes[8] = 2; // ENABLE
    bytes.set([0xa1, 0x02, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00], 12);
    bytes[20] = 4; // SETUP
    expect(decodeFunctionFsEvents(bytes)).toEqual([
      { type: 'enable' },
      { type: 'setup', setup: { bmRequestType: 0xa1, bRequest: 2, wValue: 0, wIndex: 0, wLength: 16 } },
    ]);
  });

  it('ignores a trailing partial event and names unknown types', () => {
    const bytes = new Uint8Array(20);
    bytes[8] = 9;
    expect(decodeFunctionFsEvents(bytes)).toEqual([{ type: 'unknown' }]);
  });
});
