/**
 * Regression fixtures: every input that ever failed a fuzz target, kept as
 * `test/fuzz/regressions/<target>/<id>.json` and replayed by `regressions.test.ts` on every
 * run. The file holds the input (bytes as `{ "$hex": "…" }`), the failure first seen, where
 * it came from and what was fixed, so the fixture explains itself.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the regression fixtures. */
export const REGRESSIONS_DIR = fileURLToPath(new URL('./regressions/', import.meta.url));

/** One regression fixture. */
export interface Regression {
  /** The target it fails (failed) on. */
  readonly target: string;
  /** The failure as first seen. */
  readonly failure: string;
  /** How it was found (`npm run fuzz -- --seed S`, case index), or who wrote it. */
  readonly found: string;
  /** What was fixed, once it is (the file stays either way). */
  readonly fixed?: string;
  /** The input, as {@link encodeInput} wrote it. */
  readonly input: unknown;
}

/** JSON of an input: Uint8Array as `{ "$hex": "…" }`, bigint as `{ "$bigint": "…" }`. */
export function encodeInput(input: unknown): unknown {
  return JSON.parse(
    JSON.stringify(input, (_k, v: unknown) => {
      if (v instanceof Uint8Array) return { $hex: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
      if (v === undefined) return { $undefined: true };
      if (typeof v === 'bigint') return { $bigint: v.toString() };
      return v;
    }),
  );
}

/** The input back from {@link encodeInput}'s JSON. */
export function decodeInput(json: unknown): unknown {
  return JSON.parse(JSON.stringify(json), (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && '$hex' in v) return new Uint8Array(Buffer.from(String((v as { $hex: string }).$hex), 'hex'));
    if (typeof v === 'object' && v !== null && '$undefined' in v) return undefined;
    if (typeof v === 'object' && v !== null && '$bigint' in v) return BigInt(String((v as { $bigint: string }).$bigint));
    return v;
  });
}

/** Writes a fixture (named by the hash of its input, so the same input is kept once); returns its path. */
export function saveRegression(regression: Regression): string {
  const dir = join(REGRESSIONS_DIR, regression.target);
  mkdirSync(dir, { recursive: true });
  const body = { ...regression, input: encodeInput(regression.input) };
  const id = createHash('sha256').update(JSON.stringify(body.input)).digest('hex').slice(0, 12);
  const path = join(dir, `${id}.json`);
  if (!existsSync(path)) writeFileSync(path, JSON.stringify(body, null, 2) + '\n');
  return path;
}

/** Every fixture, with its file name and decoded input. */
export function loadRegressions(): { readonly file: string; readonly regression: Regression }[] {
  if (!existsSync(REGRESSIONS_DIR)) return [];
  const out: { file: string; regression: Regression }[] = [];
  for (const target of readdirSync(REGRESSIONS_DIR, { withFileTypes: true })) {
    if (!target.isDirectory()) continue;
    for (const name of readdirSync(join(REGRESSIONS_DIR, target.name)).sort()) {
      if (!name.endsWith('.json')) continue;
      const raw = JSON.parse(readFileSync(join(REGRESSIONS_DIR, target.name, name), 'utf8')) as Regression;
      out.push({ file: `${target.name}/${name}`, regression: { ...raw, input: decodeInput(raw.input) } });
    }
  }
  return out;
}
