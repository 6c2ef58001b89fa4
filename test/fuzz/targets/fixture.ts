/**
 * Target `fixture`: the `.desc` fixture reader and writer (`parseDescriptorFixture`,
 * `formatDescriptorFixture`) on the 604 real fixtures with lines mutated, random text, and
 * fixtures built from random fields.
 *
 * Properties: the reader throws only `FixtureError`; whatever it accepts, written again
 * and read back, gives the same fixture (read → write → read); and a fixture built from
 * fields the format can hold (texts without line breaks, nor a trailing CR, which the
 * reader strips as a Windows line end) survives write → read unchanged (the round trip).
 */
import fc from 'fast-check';
import { FixtureError } from '../../../src/errors.ts';
import { formatDescriptorFixture, parseDescriptorFixture, type DescriptorFixture, type FixtureAnswer } from '../../../src/fixtures/desc-file.ts';
import { attempt, holds, never, same, type FuzzTarget } from '../harness.ts';
import { mutateText } from '../mutate.ts';
import { fixtureTexts } from '../corpus.ts';
import type { Prng } from '../prng.ts';

/** Fixture fields as plain data (Maps as entry lists). */
export interface FixtureFields {
  device: Uint8Array;
  configuration: Uint8Array;
  strings: [number, string][];
  clockFrequencies: [number, FixtureAnswer][];
  dataRates: [number, FixtureAnswer][];
  comments: string[];
}

/** One case: a text to read, or fields to write and read back. */
export type FixtureInput = { kind: 'text'; text: string } | { kind: 'fields'; fields: FixtureFields };

const MAX_TEXT = 16384;

function plain(f: DescriptorFixture): unknown {
  return {
    device: [...f.device],
    configuration: [...f.configuration],
    strings: [...f.strings].sort((a, b) => a[0] - b[0]),
    clockFrequencies: [...f.clockFrequencies].sort((a, b) => a[0] - b[0]).map(([i, a]) => [i, a.kind === 'data' ? [...a.bytes] : a.text]),
    dataRates: [...f.dataRates].sort((a, b) => a[0] - b[0]).map(([i, a]) => [i, a.kind === 'data' ? [...a.bytes] : a.text]),
    comments: f.comments,
  };
}

function check(input: FixtureInput): boolean {
  if (input.kind === 'text') {
    const parsed = attempt('parseDescriptorFixture', () => parseDescriptorFixture(input.text), [FixtureError]);
    if (parsed instanceof Error) return false;
    const written = never('formatDescriptorFixture', () => formatDescriptorFixture(parsed));
    const again = attempt('re-reading a written fixture', () => parseDescriptorFixture(written), [FixtureError]);
    holds(!(again instanceof Error), () => `a fixture the reader accepted, once written, is refused: ${(again as Error).message}`);
    same(plain(again), plain(parsed), 'read → write → read');
    return true;
  }
  const f = input.fields;
  const fixture: DescriptorFixture = {
    device: f.device,
    configuration: f.configuration,
    strings: new Map(f.strings),
    clockFrequencies: new Map(f.clockFrequencies),
    dataRates: new Map(f.dataRates),
    comments: f.comments,
  };
  const text = never('formatDescriptorFixture', () => formatDescriptorFixture(fixture));
  const back = attempt('reading a written fixture', () => parseDescriptorFixture(text), [FixtureError]);
  holds(!(back instanceof Error), () => `a written fixture is refused: ${(back as Error).message}`);
  same(plain(back), plain(fixture), 'fields → write → read');
  return true;
}

/** A text the format can hold on one line. */
const lineText = fc.string({ maxLength: 30, unit: 'binary' }).map((s) => s.replace(/[\r\n]/g, ' '));
const answer: fc.Arbitrary<FixtureAnswer> = fc.oneof(
  fc.uint8Array({ maxLength: 20 }).map((bytes) => ({ kind: 'data' as const, bytes })),
  lineText.map((text) => ({ kind: 'error' as const, text })),
);
const index = fc.integer({ min: 1, max: 255 });
const fields: fc.Arbitrary<FixtureFields> = fc.record({
  device: fc.uint8Array({ maxLength: 18 }),
  configuration: fc.uint8Array({ maxLength: 100 }),
  strings: fc.uniqueArray(fc.tuple(index, lineText), { maxLength: 5, selector: (t) => t[0] }),
  clockFrequencies: fc.uniqueArray(fc.tuple(fc.nat(255), answer), { maxLength: 3, selector: (t) => t[0] }),
  dataRates: fc.uniqueArray(fc.tuple(fc.nat(255), answer), { maxLength: 3, selector: (t) => t[0] }),
  comments: fc.array(lineText, { maxLength: 3 }),
});

function arbitrary(): fc.Arbitrary<FixtureInput> {
  const texts = fixtureTexts();
  const edited = fc
    .tuple(fc.nat(texts.length - 1), fc.array(fc.record({ at: fc.nat(), text: fc.string({ maxLength: 6 }) }), { maxLength: 4 }))
    .map(([i, edits]) => {
      let t = texts[i]!;
      for (const e of edits) {
        const at = e.at % (t.length + 1);
        t = t.slice(0, at) + e.text + t.slice(at + e.text.length);
      }
      return { kind: 'text' as const, text: t };
    });
  return fc.oneof(
    fc.nat(texts.length - 1).map((i) => ({ kind: 'text' as const, text: texts[i]! })),
    edited,
    fc.string({ maxLength: 200, unit: 'binary' }).map((text) => ({ kind: 'text' as const, text })),
    fields.map((f) => ({ kind: 'fields' as const, fields: f })),
  );
}

function mutate(rng: Prng): FixtureInput {
  return { kind: 'text', text: mutateText(rng.pick(fixtureTexts()), rng, MAX_TEXT) };
}

/** The `fixture` target. */
export function fixtureTarget(): FuzzTarget<FixtureInput> {
  return {
    name: 'fixture',
    description: 'parseDescriptorFixture only FixtureError; read → write → read and fields → write → read give the same fixture',
    arbitrary: arbitrary(),
    mutate,
    check,
  };
}
