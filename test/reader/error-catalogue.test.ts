/** The README error catalogue covers every code of ERROR_CODES, once. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.ts';
import { ERROR_MEANINGS, errorCatalogue } from './error-catalogue.ts';

describe('error catalogue', () => {
  it('has one row per code, each with a meaning', () => {
    const codes = Object.values(ERROR_CODES).flat();
    const table = errorCatalogue().split('\n').slice(2);
    expect(table.length).toBe(codes.length);
    for (const code of codes) {
      expect(ERROR_MEANINGS[code]?.length ?? 0).toBeGreaterThan(10);
      expect(table.filter((row) => row.startsWith(`| \`${code}\` |`)).length).toBe(1);
    }
    expect(Object.keys(ERROR_MEANINGS).sort()).toEqual([...codes].sort());
  });
});
