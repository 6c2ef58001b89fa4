/**
 * Node-only helpers: profiles from fixture files on disk (`descriptors/*.desc`, the 592
 * libccid reference fixtures...). The core (`profiles.ts`) needs no file system.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDescriptorFixture } from '../fixtures/desc-file.ts';
import type { ReaderProfile } from './profile.ts';
import { loadProfile } from './profiles.ts';

/**
 * A profile from a `.desc` file; its name is the file name without `.desc`.
 * @throws {FixtureError} for a malformed fixture or one without a CCID interface.
 */
export function loadProfileFile(path: string): ReaderProfile {
  return loadProfile(parseDescriptorFixture(readFileSync(path, 'utf8')), basename(path).replace(/\.desc$/, ''));
}

/** The `.desc` files of a directory, sorted, as full paths. */
export function listFixtureFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.desc'))
    .sort()
    .map((f) => join(dir, f));
}
