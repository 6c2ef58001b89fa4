/** `ccid atr` through the CLI entry point, output captured in memory. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { memoryOutput } from '../../src/cli/output.ts';

const LIST = fileURLToPath(new URL('../../../shared/reference/atr/smartcard_list.txt', import.meta.url));
const OPENPGP = '3B DA 18 FF 81 B1 FE 75 1F 03 00 31 C5 73 C0 01 40 00 90 00 0C';

async function run(...argv: string[]) {
  const out = memoryOutput();
  const code = await runCli(['atr', ...argv], out);
  return { code, out };
}

describe('ccid atr --json', () => {
  it('prints the parsed fields and the identification', async () => {
    const { code, out } = await run('--json', '--atr-db', LIST, OPENPGP);
    expect(code).toBe(0);
    expect(out.stdout).toHaveLength(1);
    const json = JSON.parse(out.stdout[0]!) as Record<string, unknown>;
    expect(json).toMatchObject({
      protocols: [1], fi: 372, di: 12, n: 255, wi: 10, ifsc: 254, bwi: 7, cwi: 5,
      historicalBytes: '00 31 C5 73 C0 01 40 00 90 00', tck: 'ok', errors: [],
      identification: ['OpenPGP Card V2'], atrList: LIST, clockStop: 'not supported', classes: ['A', 'B'],
    });
    // At 4 MHz and Fi/Di = 372/12: BWT = 11 etu + 2^7 · 960 · 372 / 4000 kHz = 0.08525 + 11427.84 ms.
    expect(json['timing']).toMatchObject({ clockKhz: 4000, fi: 372, di: 12, t0: null, t1: { bwtMs: 11427.92525, readTimeoutMs: 12537 } });
  });

  it('accepts hex with or without spaces, in one or several arguments', async () => {
    const a = await run('--json', '--atr-db', LIST, OPENPGP);
    const b = await run('--json', '--atr-db', LIST, OPENPGP.replaceAll(' ', '').toLowerCase());
    const c = await run('--json', '--atr-db', LIST, ...OPENPGP.split(' '));
    expect(b.out.stdout).toEqual(a.out.stdout);
    expect(c.out.stdout).toEqual(a.out.stdout);
  });

  it('gives the defaults and nulls for a plain T=0 ATR', async () => {
    const { code, out } = await run('--json', '--atr-db', LIST, '3B 02 14 50');
    expect(code).toBe(0);
    expect(JSON.parse(out.stdout[0]!)).toMatchObject({
      protocols: [0], fi: 372, di: 1, n: 0, wi: 10, ifsc: null, bwi: null, cwi: null, historicalBytes: '14 50', tck: 'absent', errors: [],
    });
  });

  it('still reports what it could read from a bad ATR, with errors and exit code 1', async () => {
    const { code, out } = await run('--json', '--atr-db', LIST, '3B FA 13 00 00 81 31 FE 45 4A 43 4F 50 34 31 56');
    expect(code).toBe(1);
    const json = JSON.parse(out.stdout[0]!) as { protocols: number[]; ifsc: number; tck: string; errors: string[]; historicalBytes: string };
    expect(json.protocols).toEqual([1]);
    expect(json.ifsc).toBe(254);
    expect(json.tck).toBe('absent');
    expect(json.historicalBytes).toBe('4A 43 4F 50 34 31 56');
    expect(json.errors).toEqual([
      'ATR is truncated: 3 of the 10 historical bytes are missing',
      'TCK is missing: TD announces T=1, so ISO/IEC 7816-3 §8.2.5 requires it',
    ]);
  });

  it('uses --clock for the timing figures', async () => {
    const { out } = await run('--json', '--atr-db', LIST, '--clock', '3580', '3B 02 14 50');
    // WWT = 960 · 10 · 372 / 3580 kHz = 997.5419 ms.
    expect(JSON.parse(out.stdout[0]!).timing.t0.wwtMs).toBe(997.541899);
  });
});

describe('ccid atr (readable)', () => {
  it('prints the analysis, the timing and the identification', async () => {
    const { code, out } = await run('--atr-db', LIST, OPENPGP);
    expect(code).toBe(0);
    expect(out.stdout[0]).toBe(`ATR: ${OPENPGP}`);
    expect(out.stdout).toContain('  TB(3) = 75: BWI = 7, CWI = 5');
    expect(out.stdout).toContain('  T=1: BWT = 11.428 s, CWT = 333.25 µs, CCID read timeout 12.537 s');
    expect(out.stdout).toContain(`Possibly identified card (using ${LIST}):`);
    expect(out.stdout.slice(-2)).toEqual([`  ${OPENPGP}`, '      OpenPGP Card V2']);
  });

  it('says when the card is not in the list', async () => {
    const { out } = await run('--atr-db', LIST, '3B 00');
    expect(out.stdout[out.stdout.length - 1]).toBe('  not in the list');
  });

  it('fails with a clear message on bad input', async () => {
    const none = await run();
    expect(none.code).toBe(1);
    expect(none.out.stderr[0]).toMatch(/give the ATR in hex/);
    const bad = await run('3B 0G');
    expect(bad.code).toBe(1);
    expect(bad.out.stderr[0]).toMatch(/not a hex string/);
    const missing = await run('--atr-db', '/nonexistent/smartcard_list.txt', '3B 00');
    expect(missing.code).toBe(1);
    expect(missing.out.stderr[0]).toMatch(/ATR list not found: \/nonexistent\/smartcard_list.txt/);
    const clock = await run('--clock', 'fast', '3B 00');
    expect(clock.out.stderr[0]).toMatch(/--clock takes a clock frequency in kHz/);
  });
});
