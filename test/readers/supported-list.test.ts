import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReaderList, OUTPUT_URL, parseSupportedReaders, SOURCE_URL } from '../../readers/generate.ts';
import listFile from '../../readers/supported-readers.json' with { type: 'json' };
import { UNSUPPORTED_REASONS } from '../../readers/unsupported-reasons.ts';
import { listedReaders, lookupReader } from '../../src/readers/index.ts';

const sourceText = readFileSync(SOURCE_URL, 'latin1');

/** Counts the active lines of each section with a scan independent of the generator's parser. */
function countBySection(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('# section: ')) section = line.slice('# section: '.length).trim();
    else if (line.startsWith('0x')) counts.set(section, (counts.get(section) ?? 0) + 1);
  }
  return counts;
}

describe('readers/supported-readers.json', () => {
  it('is up to date with libccid supported_readers.txt (run npm run readers:generate)', () => {
    expect(readFileSync(OUTPUT_URL, 'utf8')).toBe(formatReaderList(parseSupportedReaders(sourceText)));
  });

  it('has the 642 active entries: 61 supported, 552 should work, 29 unsupported', () => {
    const independent = countBySection(sourceText);
    expect(Object.fromEntries(independent)).toEqual({ supported: 61, shouldwork: 552, unsupported: 29 });
    expect(listFile.readers).toHaveLength(642);
    for (const status of ['supported', 'shouldwork', 'unsupported'] as const) {
      expect(listFile.readers.filter((r) => r.status === status)).toHaveLength(independent.get(status)!);
      expect(listFile.counts[status]).toBe(independent.get(status));
    }
  });

  it('keeps the disabled entries apart (never claimed) and skips the duplicates notes', () => {
    const disabledLines = sourceText.split('\n').filter((l) => /^#0x[0-9A-F]{4}:0x[0-9A-F]{4}:/i.test(l) && !/\(\S+\.txt\)$/.test(l));
    expect(listFile.disabled).toHaveLength(disabledLines.length);
    expect(listFile.disabled.length).toBeGreaterThan(0);
    const active = new Set(listFile.readers.map((r) => `${r.vid}:${r.pid}`));
    for (const d of listFile.disabled) expect(active.has(`${d.vid}:${d.pid}`)).toBe(false);
  });

  it('has no duplicate VID:PID and only 4-digit upper-case hex IDs', () => {
    const keys = listFile.readers.map((r) => `${r.vid}:${r.pid}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of listFile.readers) {
      expect(r.vid).toMatch(/^[0-9A-F]{4}$/);
      expect(r.pid).toMatch(/^[0-9A-F]{4}$/);
      expect(r.name.trim()).not.toBe('');
    }
  });

  it('rejects an active entry listed twice', () => {
    const twice = '# section: supported\n0x1D50:0x6141:A\n# section: shouldwork\n0x1D50:0x6141:B\n';
    expect(() => parseSupportedReaders(twice)).toThrow(/1D50:6141 is listed twice/);
  });
});

describe('lookupReader', () => {
  it('returns the status and name of every listed reader', () => {
    const all = listedReaders();
    expect(all).toHaveLength(642);
    for (const r of all) {
      const found = lookupReader(r.vendorId, r.productId);
      expect(found.status).toBe(r.status);
      expect(found.name).toBe(r.name);
    }
  });

  it('knows the sysmoOCTSIM (1d50:6141) as "should work"', () => {
    expect(lookupReader(0x1d50, 0x6141)).toEqual({ status: 'shouldwork', name: 'sysmocom - s.f.m.c. GmbH sysmoOCTSIM' });
  });

  it('reports an unknown reader as unlisted, without a name', () => {
    expect(lookupReader(0xffff, 0x0001)).toEqual({ status: 'unlisted' });
  });

  it('reports a disabled reader as unlisted, with its name and why', () => {
    const r = lookupReader(0x0c4b, 0x0300);
    expect(r.status).toBe('unlisted');
    expect(r.name).toBe('Reiner-SCT cyberJack pinpad(a)');
    expect(r.reason).toMatch(/disabled/);
  });

  it('gives every unsupported reader a reason, and has reasons only for unsupported readers', () => {
    const unsupported = listFile.readers.filter((r) => r.status === 'unsupported').map((r) => `${r.vid}:${r.pid}`);
    expect(Object.keys(UNSUPPORTED_REASONS).sort()).toEqual([...unsupported].sort());
    for (const key of unsupported) {
      const [vid, pid] = key.split(':').map((h) => parseInt(h, 16));
      const r = lookupReader(vid!, pid!);
      expect(r.status).toBe('unsupported');
      expect(r.reason).toBe(UNSUPPORTED_REASONS[key]);
    }
  });
});
