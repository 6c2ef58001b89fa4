/**
 * `ccid parse`: the libccid layout of a project fixture, byte for byte against libccid's
 * own dump, its JSON, and its errors.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { memoryOutput } from '../../src/cli/output.ts';

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const dump = (name: string) => readFileSync(new URL(`../../../shared/reference/libccid/readers/${name}.txt`, import.meta.url), 'utf8');

describe('ccid parse', () => {
  it('prints the sysmoOCTSIM fixture exactly as libccid dumped the reader', async () => {
    const out = memoryOutput();
    expect(await runCli(['parse', repo('descriptors/sysmocom_sysmoOCTSIM.desc')], out)).toBe(0);
    expect(out.stdout.join('\n') + '\n').toBe(dump('sysmocom_sysmoOCTSIM'));
    expect(out.stderr).toEqual([]);
  });

  it('prints the project fixtures whose dumps are in current wording exactly, and every one of them without error', async () => {
    // The reader fixtures of this layer (descriptors/ also holds the emulator's profiles).
    const files = [
      'ACS_ACR1581.desc',
      'Cherry_SmartTerminal_1150.desc',
      'GnD_StarSignCardToken350.desc',
      'HID_Global_OMNIKEY_3x21_Smart_Card_Reader.desc',
      'Oz776S.desc',
      'generic_emv_2ce3_9563.desc',
      'sysmocom_sysmoOCTSIM.desc',
    ];
    expect(readdirSync(repo('descriptors'))).toEqual(expect.arrayContaining(files));
    for (const file of files) {
      const out = memoryOutput();
      expect(await runCli(['parse', repo(`descriptors/${file}`)], out), file).toBe(0);
      expect(out.stdout[0], file).toMatch(/^ idVendor: 0x[0-9A-F]{4}$/);
    }
    for (const name of ['ACS_ACR1581', 'Cherry_SmartTerminal_1150', 'HID_Global_OMNIKEY_3x21_Smart_Card_Reader']) {
      const out = memoryOutput();
      await runCli(['parse', repo(`descriptors/${name}.desc`)], out);
      expect(out.stdout.join('\n') + '\n', name).toBe(dump(name));
    }
  });

  it('warns on standard error about odd descriptors, keeping standard output clean', async () => {
    const out = memoryOutput();
    expect(await runCli(['parse', repo('descriptors/Oz776S.desc')], out)).toBe(0);
    expect(out.stderr).toEqual([`ccid parse: ${repo('descriptors/Oz776S.desc')}: warning: interface 0: CCID class descriptor follows the endpoint descriptors (not CCID 1.1 §5.1 order)`]);
    expect(out.stdout.filter((l) => l.includes('warning'))).toEqual([]);
  });

  it('--json prints one JSON object with the decoded interfaces', async () => {
    const out = memoryOutput();
    expect(await runCli(['parse', '--json', repo('descriptors/ACS_ACR1581.desc')], out)).toBe(0);
    expect(out.stdout).toHaveLength(1);
    const json = JSON.parse(out.stdout[0]!);
    expect(json.reader).toBe('072f:2301');
    expect(json.interfaces.map((i: { interfaceNumber: number; exchangeLevel: string }) => [i.interfaceNumber, i.exchangeLevel])).toEqual([
      [0, 'extended-apdu'],
      [1, 'extended-apdu'],
      [2, 'extended-apdu'],
    ]);
  });

  it('fails with exit code 1 and a typed message on a missing or malformed file, or without a file', async () => {
    const missing = memoryOutput();
    expect(await runCli(['parse', repo('descriptors/no-such.desc')], missing)).toBe(1);
    expect(missing.stderr[0]).toMatch(/^ccid parse: cannot read .*no-such\.desc.*\[CCID_ERR_INVALID_ARGUMENT\]$/);
    const bad = memoryOutput();
    expect(await runCli(['parse', repo('package.json')], bad)).toBe(1);
    expect(bad.stderr[0]).toMatch(/\[CCID_ERR_FIXTURE_MALFORMED\]$/);
    const none = memoryOutput();
    expect(await runCli(['parse'], none)).toBe(1);
    expect(none.stderr[0]).toMatch(/give one descriptor fixture/);
  });
});
