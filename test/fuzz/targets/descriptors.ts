/**
 * Target `descriptors`: `parseDescriptorSet`, `parseConfiguration` and
 * `parseCcidClassDescriptor` on device/configuration bytes mutated from the 604 real
 * descriptor sets (wTotalLength usually patched back, so the walk goes deep), or random.
 *
 * Properties: only `DescriptorError` is thrown; an accepted set formats (libccid layout
 * and JSON) without throwing; and it round-trips through the fixture format:
 * description → `.desc` text → description gives the same JSON.
 */
import fc from 'fast-check';
import { DescriptorError } from '../../../src/errors.ts';
import { descriptionToJson, formatLibccidParse, parseCcidClassDescriptor, parseConfiguration, parseDescriptorSet, toDescriptorFixture } from '../../../src/descriptors/index.ts';
import { formatDescriptorFixture, parseDescriptorFixture, type FixtureAnswer } from '../../../src/fixtures/desc-file.ts';
import { attempt, holds, never, same, type FuzzTarget } from '../harness.ts';
import { mutateBytes } from '../mutate.ts';
import { descriptorFixtures } from '../corpus.ts';
import type { Prng } from '../prng.ts';

/** A descriptor set as plain data (Maps as entry lists, so it serialises). */
export interface DescriptorInput {
  device: Uint8Array;
  configuration: Uint8Array;
  strings: [number, string][];
  clockFrequencies: [number, FixtureAnswer][];
  dataRates: [number, FixtureAnswer][];
}

const MAX_CONFIGURATION = 1024;
/** Tokens: descriptor headers of the types a CCID configuration holds. */
const DICTIONARY = [
  [0x09, 0x02],
  [0x09, 0x04],
  [0x07, 0x05],
  [0x36, 0x21],
  [0x36, 0xff],
  [0x09, 0x04, 0x00, 0x00, 0x03, 0x0b, 0x00, 0x00],
  [0x07, 0x05, 0x81, 0x02],
  [0x07, 0x05, 0x83, 0x03],
].map((a) => Uint8Array.from(a));

function patchTotalLength(configuration: Uint8Array): Uint8Array {
  if (configuration.length >= 4) {
    configuration[2] = configuration.length & 0xff;
    configuration[3] = configuration.length >> 8;
  }
  return configuration;
}

const answer: fc.Arbitrary<FixtureAnswer> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ kind: 'data' as const, bytes })),
  fc.constantFrom('LIBUSB_ERROR_PIPE', 'LIBUSB_ERROR_TIMEOUT', 'LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED', '').map((text) => ({ kind: 'error' as const, text })),
);

function inputOf(i: number): DescriptorInput {
  const f = descriptorFixtures()[i % descriptorFixtures().length]!;
  return {
    device: f.device,
    configuration: f.configuration,
    strings: [...f.strings],
    clockFrequencies: [...f.clockFrequencies],
    dataRates: [...f.dataRates],
  };
}

/** A string a device could hold in a string descriptor (any UTF-16 text, but fixture lines hold no CR/LF). */
const stringText = fc.string({ maxLength: 40, unit: 'binary' }).map((s) => s.replace(/[\r\n]/g, ' '));

function arbitrary(): fc.Arbitrary<DescriptorInput> {
  const n = descriptorFixtures().length;
  const edited = fc
    .record({
      base: fc.nat(n - 1),
      edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      patch: fc.boolean(),
      inDevice: fc.boolean(),
      strings: fc.option(fc.array(fc.tuple(fc.integer({ min: 1, max: 255 }), stringText), { maxLength: 4 }), { nil: undefined }),
      clock: fc.option(answer, { nil: undefined }),
    })
    .map((r) => {
      const input = inputOf(r.base);
      const target = (r.inDevice ? input.device : input.configuration).slice();
      for (const e of r.edits) if (target.length > 0) target[e.at % target.length] = e.value;
      let bytes: Uint8Array = r.cut === undefined ? target : target.subarray(0, r.cut % (target.length + 1));
      if (!r.inDevice && r.patch) bytes = patchTotalLength(bytes.slice());
      if (r.inDevice) input.device = bytes;
      else input.configuration = bytes;
      if (r.strings !== undefined) input.strings = [...new Map([...input.strings, ...r.strings])];
      if (r.clock !== undefined) input.clockFrequencies = [[0, r.clock]];
      return input;
    });
  const random = fc.record({
    device: fc.uint8Array({ maxLength: 24 }),
    configuration: fc.uint8Array({ maxLength: 200 }).map((c) => (c.length > 4 && c[0]! % 2 === 0 ? patchTotalLength(c) : c)),
    strings: fc.array(fc.tuple(fc.integer({ min: 1, max: 255 }), stringText), { maxLength: 3 }),
    clockFrequencies: fc.array(fc.tuple(fc.nat(3), answer), { maxLength: 2 }),
    dataRates: fc.array(fc.tuple(fc.nat(3), answer), { maxLength: 2 }),
  });
  return fc.oneof({ weight: 4, arbitrary: edited }, { weight: 1, arbitrary: random });
}

function mutate(rng: Prng): DescriptorInput {
  const input = inputOf(rng.int(1 << 20));
  const splice = [inputOf(rng.int(1 << 20)).configuration];
  if (rng.chance(0.15)) {
    input.device = mutateBytes(input.device, rng, { maxLength: 32, dictionary: DICTIONARY });
  } else {
    input.configuration = mutateBytes(input.configuration, rng, { maxLength: MAX_CONFIGURATION, splice, dictionary: DICTIONARY });
    if (rng.chance(0.8)) patchTotalLength(input.configuration);
  }
  return input;
}

function check(input: DescriptorInput): boolean {
  const set = {
    device: input.device,
    configuration: input.configuration,
    strings: new Map(input.strings),
    clockFrequencies: new Map(input.clockFrequencies),
    dataRates: new Map(input.dataRates),
  };
  const walk = attempt('parseConfiguration', () => parseConfiguration(input.configuration), [DescriptorError]);
  if (!(walk instanceof Error)) {
    // Every class-specific or vendor descriptor the walk found, through the public class-descriptor parser.
    const c = walk.configuration;
    const extras = [...c.extra, ...c.interfaces.flatMap((i) => [...i.extra, ...i.endpoints.flatMap((e) => e.extra)])];
    for (const extra of extras) {
      if (extra.type !== 0x21 && extra.type !== 0xff) continue;
      const parsed = attempt('parseCcidClassDescriptor', () => parseCcidClassDescriptor(extra.raw, extra.offset), [DescriptorError]);
      if (!(parsed instanceof Error)) holds(parsed.raw.length === 54, 'class descriptor raw is not 54 bytes');
    }
  }
  const desc = attempt('parseDescriptorSet', () => parseDescriptorSet(set), [DescriptorError]);
  if (desc instanceof Error) return false;
  holds(!(walk instanceof Error), 'parseDescriptorSet accepted a configuration parseConfiguration refuses');
  const lines = never('formatLibccidParse', () => formatLibccidParse(desc));
  holds(lines.length < 400 + 40 * input.configuration.length, 'libccid layout grows faster than its input');
  const json = never('descriptionToJson', () => JSON.stringify(descriptionToJson(desc)));
  // Round trip through the fixture format.
  const text = never('formatDescriptorFixture', () => formatDescriptorFixture(toDescriptorFixture(desc)));
  const again = never('re-reading the written fixture', () => parseDescriptorSet(parseDescriptorFixture(text)));
  same(JSON.parse(JSON.stringify(descriptionToJson(again))), JSON.parse(json), 'description → .desc → description');
  return true;
}

/** The `descriptors` target. */
export function descriptorsTarget(): FuzzTarget<DescriptorInput> {
  return {
    name: 'descriptors',
    description: 'parseDescriptorSet / parseConfiguration / parseCcidClassDescriptor: only DescriptorError; accepted sets format and round-trip through .desc',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
