/**
 * Generates `readers/supported-readers.json` from libccid's reader list
 * (`../shared/reference/libccid/readers/supported_readers.txt`): `npm run readers:generate`.
 *
 * The source is a list of `0xVVVV:0xPPPP:Name` lines grouped in sections introduced by
 * `# section: NAME`. The `supported`, `shouldwork` and `unsupported` sections hold the
 * active lines (every one of them is claimed by libccid's driver); the `disabled`
 * section holds commented-out `#0x...` lines that libccid never claims; the
 * `duplicates` section only notes VID:PID pairs shared by several descriptor dumps.
 * We keep the facts (IDs, name, section) in our own format, one reader per line so that
 * a regeneration reads well in a diff.
 *
 * The parsing and formatting functions are pure and exported: the test
 * `test/readers/supported-list.test.ts` regenerates in memory and compares.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A section of libccid's list whose entries are claimed by the driver. */
export type ActiveSection = 'supported' | 'shouldwork' | 'unsupported';

/** One reader of the list. */
export interface ListEntry {
  /** idVendor, 4 upper-case hex digits. */
  readonly vid: string;
  /** idProduct, 4 upper-case hex digits. */
  readonly pid: string;
  /** Manufacturer and product as libccid lists them. */
  readonly name: string;
}

/** The whole generated file. */
export interface ReaderListFile {
  readonly source: string;
  readonly generatedBy: string;
  readonly counts: Readonly<Record<ActiveSection | 'disabled', number>>;
  /** Active entries, in list order, with their section. */
  readonly readers: readonly (ListEntry & { readonly status: ActiveSection })[];
  /** Entries commented out in the `disabled` section (not claimed by libccid). */
  readonly disabled: readonly ListEntry[];
}

const ACTIVE: readonly string[] = ['supported', 'shouldwork', 'unsupported'];
const ENTRY = /^(#?)0x([0-9A-Fa-f]{4}):0x([0-9A-Fa-f]{4}):(.+)$/;

/**
 * Parses the text of `supported_readers.txt`.
 * @throws Error on an entry line outside a known section, or an active VID:PID listed twice.
 */
export function parseSupportedReaders(text: string): ReaderListFile {
  let section: string | undefined;
  const readers: (ListEntry & { status: ActiveSection })[] = [];
  const disabled: ListEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const header = /^# section: (\w+)\s*$/.exec(line);
    if (header !== null) {
      section = header[1]!;
      continue;
    }
    const m = ENTRY.exec(line);
    if (m === null) continue;
    const [, hash, vidText, pidText, nameText] = m;
    const entry: ListEntry = { vid: vidText!.toUpperCase(), pid: pidText!.toUpperCase(), name: nameText!.trimEnd() };
    if (hash === '#') {
      // duplicates lines name the dump file in parentheses; they add no reader.
      if (section === 'disabled') disabled.push(entry);
      continue;
    }
    if (section === undefined || !ACTIVE.includes(section)) {
      throw new Error(`line ${i + 1}: active entry outside the supported/shouldwork/unsupported sections`);
    }
    const key = `${entry.vid}:${entry.pid}`;
    if (seen.has(key)) throw new Error(`line ${i + 1}: ${key} is listed twice`);
    seen.add(key);
    readers.push({ ...entry, status: section as ActiveSection });
  }
  const count = (s: ActiveSection) => readers.filter((r) => r.status === s).length;
  return {
    source: 'libccid readers/supported_readers.txt (https://github.com/LudovicRousseau/CCID)',
    generatedBy: 'readers/generate.ts (npm run readers:generate)',
    counts: { supported: count('supported'), shouldwork: count('shouldwork'), unsupported: count('unsupported'), disabled: disabled.length },
    readers,
    disabled,
  };
}

/** Formats the list as JSON with one reader per line. */
export function formatReaderList(list: ReaderListFile): string {
  const row = (value: unknown) => `    ${JSON.stringify(value)}`;
  return [
    '{',
    `  "source": ${JSON.stringify(list.source)},`,
    `  "generatedBy": ${JSON.stringify(list.generatedBy)},`,
    `  "counts": ${JSON.stringify(list.counts)},`,
    '  "readers": [',
    list.readers.map((r) => row({ vid: r.vid, pid: r.pid, name: r.name, status: r.status })).join(',\n'),
    '  ],',
    '  "disabled": [',
    list.disabled.map((r) => row({ vid: r.vid, pid: r.pid, name: r.name })).join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}

/** Where the source list lives, relative to this file. */
export const SOURCE_URL = new URL('../../shared/reference/libccid/readers/supported_readers.txt', import.meta.url);
/** Where the generated list is written. */
export const OUTPUT_URL = new URL('./supported-readers.json', import.meta.url);

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const list = parseSupportedReaders(readFileSync(SOURCE_URL, 'latin1'));
  writeFileSync(OUTPUT_URL, formatReaderList(list));
  const { supported, shouldwork, unsupported, disabled } = list.counts;
  process.stdout.write(
    `wrote ${fileURLToPath(OUTPUT_URL)}: ${list.readers.length} readers (supported ${supported}, shouldwork ${shouldwork}, unsupported ${unsupported}), ${disabled} disabled\n`,
  );
}
