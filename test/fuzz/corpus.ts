/**
 * Seed corpus of the fuzz targets: real inputs the mutators start from. Descriptor sets
 * of the project's readers and of all 592 libccid readers, the reference captures (real
 * and synthetic), and the 3043 ATRs of the pcsc-tools list. Loaded once, lazily (a fuzz
 * child loads only what its target needs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDescriptorFixture, type DescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { fromHex } from '../../src/util/hex.ts';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const shared = (path: string) => fileURLToPath(new URL(`../../../shared/reference/${path}`, import.meta.url));

function once<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}

function descFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.desc'))
    .sort()
    .map((n) => `${dir}/${n}`);
}

/** Texts of every `.desc` fixture (the project's, then libccid's). */
export const fixtureTexts = once((): string[] => [...descFiles(repo('descriptors')), ...descFiles(shared('libccid/fixtures'))].map((f) => readFileSync(f, 'utf8')));

/** Every `.desc` fixture, parsed. */
export const descriptorFixtures = once((): DescriptorFixture[] => fixtureTexts().map(parseDescriptorFixture));

/** The reference captures: the synthetic pcaps whole, and slices of the real pcapng. */
export const captureSeeds = once((): Uint8Array[] => {
  const load = (name: string) => new Uint8Array(readFileSync(shared(`captures/${name}`)));
  const real = load('gcc_bad_habit_usb.pcapng');
  return [
    load('synthetic_misc.pcap'),
    load('synthetic_poweron_atr.pcap'),
    load('synthetic_poweron_atr_nodesc.pcap'),
    real.subarray(0, 8192),
    real.subarray(0, 2048),
  ];
});

/** The ATRs of the pcsc-tools list (atr_vectors.tsv, column `atr`). */
export const atrSeeds = once((): Uint8Array[] => {
  const lines = readFileSync(shared('atr/atr_vectors.tsv'), 'utf8').split('\n');
  const header = lines.find((l) => l.startsWith('n\t'))!.split('\t');
  const col = header.indexOf('atr');
  const out: Uint8Array[] = [];
  for (const line of lines) {
    if (line.startsWith('#') || line.startsWith('n\t') || line.trim() === '') continue;
    const text = line.split('\t')[col];
    if (text !== undefined && text !== '') out.push(fromHex(text));
  }
  return out;
});
