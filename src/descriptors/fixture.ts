/**
 * Saving a description as a descriptor fixture (`.desc`, format 1): the bytes and answers
 * it was built from, so that a reader seen once can be replayed by the tests, the
 * emulator and `ccid parse`.
 */
import type { DescriptorFixture, FixtureAnswer } from '../fixtures/desc-file.ts';
import { vidPid } from '../util/hex.ts';
import type { DeviceDescription } from './description.ts';
import type { ClassRequestResult } from './class-requests.ts';

function answerOf(result: ClassRequestResult): FixtureAnswer | undefined {
  if (result.kind === 'not-requested') return undefined;
  if (result.kind === 'values') return { kind: 'data', bytes: result.raw };
  // Failures, a 0-byte answer included, keep parse's wording, as the libccid fixtures do.
  return { kind: 'error', text: result.text };
}

/**
 * The fixture of a description. A string that could not be read gets no `string` line
 * (the format's way of saying the device STALLs it); the failure text is kept as a comment.
 */
export function toDescriptorFixture(desc: DeviceDescription, comments: readonly string[] = []): DescriptorFixture {
  const strings = new Map<number, string>();
  const notes = [...comments];
  if (notes.length === 0) notes.push(`descriptor fixture (format 1) of reader ${vidPid(desc.device.vendorId, desc.device.productId)}`);
  for (const [index, entry] of desc.stringTable) {
    if (entry.kind === 'text') strings.set(index, entry.text);
    else if (entry.kind === 'error') notes.push(`no string ${index}: ${entry.text}`);
  }
  const clockFrequencies = new Map<number, FixtureAnswer>();
  const dataRates = new Map<number, FixtureAnswer>();
  for (const itf of desc.interfaces) {
    const clocks = answerOf(itf.clockFrequencies);
    if (clocks !== undefined) clockFrequencies.set(itf.interfaceNumber, clocks);
    const rates = answerOf(itf.dataRates);
    if (rates !== undefined) dataRates.set(itf.interfaceNumber, rates);
  }
  return { device: desc.device.raw, configuration: desc.configuration.raw, strings, clockFrequencies, dataRates, comments: notes };
}
