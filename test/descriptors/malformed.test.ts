/**
 * Malformed descriptors give a typed {@link DescriptorError} at the right offset, never a
 * throw from deep inside or a hang; and a fast-check property: any bytes, random or
 * mutated from a real reader, make parseDescriptorSet (and describeDevice over a fake
 * device) either succeed or throw a CcidError, and a success always formats.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CcidError, DescriptorError } from '../../src/errors.ts';
import { descriptionToJson, describeDevice, formatLibccidParse, parseDescriptorSet } from '../../src/descriptors/index.ts';
import { parseDescriptorFixture, type DescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { FixtureUsbDevice } from '../support/fixture-device.ts';

const base = parseDescriptorFixture(readFileSync(new URL('../../descriptors/sysmocom_sysmoOCTSIM.desc', import.meta.url), 'utf8'));
// sysmoOCTSIM layout: configuration header 0..8, interface 9..17, CCID descriptor 18..71, endpoints 72, 79, 86; wTotalLength 93.

function withConfig(edit: (c: Uint8Array) => Uint8Array | void, device = base.device): DescriptorFixture {
  const copy = base.configuration.slice();
  return { ...base, device, configuration: edit(copy) ?? copy };
}

function malformedAt(input: DescriptorFixture): DescriptorError {
  try {
    parseDescriptorSet(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DescriptorError);
    const e = error as DescriptorError;
    expect(e.code).toBe('CCID_ERR_DESCRIPTOR_MALFORMED');
    return e;
  }
  throw new Error('expected a DescriptorError');
}

describe('malformed descriptors', () => {
  it('parses the untouched baseline', () => {
    const desc = parseDescriptorSet(base);
    expect(desc.interfaces).toHaveLength(1);
    expect(desc.warnings).toEqual([]);
  });

  it('rejects a truncated device descriptor, a bad bLength and a wrong type', () => {
    expect(malformedAt({ ...base, device: base.device.subarray(0, 17) }).offset).toBe(0);
    expect(malformedAt({ ...base, device: Uint8Array.of(0, ...base.device.subarray(1)) }).offset).toBe(0);
    expect(malformedAt({ ...base, device: Uint8Array.of(18, 2, ...base.device.subarray(2)) }).offset).toBe(1);
  });

  it('rejects a configuration whose wTotalLength is not the number of bytes (both ways)', () => {
    expect(malformedAt(withConfig((c) => c.subarray(0, 92))).offset).toBe(2);
    expect(malformedAt(withConfig((c) => Uint8Array.of(...c, 0, 0))).offset).toBe(2);
    expect(malformedAt(withConfig((c) => void (c[2] = 200))).offset).toBe(2);
    expect(malformedAt(withConfig((c) => void (c[2] = 8))).offset).toBe(2);
  });

  it('rejects a short or mistyped configuration header', () => {
    expect(malformedAt(withConfig((c) => c.subarray(0, 8))).offset).toBe(0);
    expect(malformedAt(withConfig((c) => void (c[1] = 4))).offset).toBe(1);
    expect(malformedAt(withConfig((c) => void (c[0] = 4))).offset).toBe(0);
  });

  it('rejects bLength 0 and 1 (a walk that would never advance) at their offset', () => {
    expect(malformedAt(withConfig((c) => void (c[9] = 0))).offset).toBe(9);
    expect(malformedAt(withConfig((c) => void (c[72] = 1))).offset).toBe(72);
  });

  it('rejects a descriptor that runs past wTotalLength, and a lone trailing byte', () => {
    expect(malformedAt(withConfig((c) => void (c[86] = 8))).offset).toBe(86);
    expect(malformedAt(withConfig((c) => void (c[18] = 0xff))).offset).toBe(18);
    const trailing = withConfig((c) => {
      const longer = Uint8Array.of(...c, 0x07);
      longer[2] = longer.length;
      return longer;
    });
    expect(malformedAt(trailing).offset).toBe(93);
  });

  it('rejects interface and endpoint descriptors shorter than their fixed size', () => {
    // Shrink the interface to 5 bytes by giving the 4 bytes to a vendor descriptor after it.
    const shortInterface = withConfig((c) => {
      c[9] = 5;
      c.set([4, 0xfe, 0, 0], 14);
    });
    expect(malformedAt(shortInterface).offset).toBe(9);
    const shortEndpoint = withConfig((c) => {
      c[72] = 4;
      c.set([3, 0xfe, 0], 76);
    });
    expect(malformedAt(shortEndpoint).offset).toBe(72);
  });

  it('skips, with a warning, a class-0x0B interface whose class descriptor is not 54 bytes', () => {
    // Split the 54-byte class descriptor into a 52-byte one and a 2-byte vendor descriptor.
    const split = withConfig((c) => {
      c[18] = 52;
      c.set([2, 0xfe], 70);
    });
    const desc = parseDescriptorSet(split);
    expect(desc.interfaces).toEqual([]);
    expect(desc.warnings).toContain('interface 0: class 0x0B without a 54-byte CCID class descriptor; skipped');
  });

  it('describeDevice: a device whose configuration is shorter than its wTotalLength, or not CCID, gives a typed error', async () => {
    const lying = withConfig((c) => void (c[2] = 200));
    await expect(describeDevice(new FixtureUsbDevice(lying))).rejects.toMatchObject({ name: 'DescriptorError', code: 'CCID_ERR_DESCRIPTOR_MALFORMED', offset: 93 });
    const hid = withConfig((c) => void (c[14] = 0x03));
    await expect(describeDevice(new FixtureUsbDevice(hid))).rejects.toMatchObject({ name: 'DescriptorError', code: 'CCID_ERR_NOT_CCID' });
    const desc = await describeDevice(new FixtureUsbDevice(hid), { requireCcid: false });
    expect(desc.interfaces).toEqual([]);
    const truncatedDevice = { ...base, device: base.device.subarray(0, 10) };
    await expect(describeDevice(new FixtureUsbDevice(truncatedDevice))).rejects.toMatchObject({ code: 'CCID_ERR_DESCRIPTOR_MALFORMED', offset: 10 });
  });
});

/** Mutations of a real descriptor set: flip, overwrite, cut, insert, or rewrite a length byte. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('fixTotal' as const) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, edits: Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const e of edits) {
    if (e.kind === 'set' && out.length > 0) out[e.at % out.length] = e.value;
    else if (e.kind === 'cut') out = out.slice(0, e.at % (out.length + 1));
    else if (e.kind === 'insert') {
      const at = e.at % (out.length + 1);
      out = Uint8Array.of(...out.subarray(0, at), ...e.bytes, ...out.subarray(at));
    } else if (e.kind === 'fixTotal' && out.length >= 4) {
      // Keep wTotalLength consistent so that mutations reach the walk, not only the header check.
      out[2] = out.length & 0xff;
      out[3] = out.length >> 8;
    }
  }
  return out;
}

function onlyCcidErrors(run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof CcidError)) throw error;
  }
}

describe('property: any bytes give a description or a CcidError', () => {
  const reference = readFileSync(new URL('../../../shared/reference/libccid/fixtures/ACS_ACR1581.desc', import.meta.url), 'utf8');
  const composite = parseDescriptorFixture(reference);

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 400 }), (device, configuration) => {
        onlyCcidErrors(() => {
          const desc = parseDescriptorSet({ device, configuration, strings: new Map() });
          formatLibccidParse(desc);
          JSON.stringify(descriptionToJson(desc));
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated real descriptor sets (sysmoOCTSIM, a 3-interface ACR1581)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.array(mutation, { maxLength: 2 }), (useComposite, configEdits, deviceEdits) => {
        const source = useComposite ? composite : base;
        const input = { ...source, device: mutate(source.device, deviceEdits), configuration: mutate(source.configuration, configEdits) };
        onlyCcidErrors(() => {
          const desc = parseDescriptorSet(input);
          formatLibccidParse(desc);
          JSON.stringify(descriptionToJson(desc));
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('describeDevice over a fake device serving mutated descriptors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 5 }), async (edits) => {
        const fake = new FixtureUsbDevice({ ...composite, configuration: mutate(composite.configuration, edits) });
        try {
          const desc = await describeDevice(fake, { requireCcid: false });
          formatLibccidParse(desc);
        } catch (error) {
          if (!(error instanceof CcidError)) throw error;
        }
        expect(fake.opened).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
