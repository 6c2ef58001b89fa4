/**
 * The embedded demo (`npm start`), the global `--sim` option on other commands, and
 * `ccid sim --list`.
 */
import { describe, expect, it } from 'vitest';
import { listProfiles } from '../../src/sim/index.ts';
import { jsonLines, run } from './run.ts';

describe('ccid demo', () => {
  it('lists the reader, dumps its descriptors, powers on 8 slots, runs hello world in parallel, says what next', async () => {
    const r = await run(['demo']);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toBe('(emulated reader: sysmoOCTSIM, 8 virtual cards)');
    expect(r.text).toMatch(/1d50:6141 +sysmocom - s\.f\.m\.c\. GmbH sysmoOCTSIM 0\.2\.40-172b +SIM0001 +8 +8 +TPDU/);
    expect(r.text).toContain('  dwFeatures: 0x000100B0');
    expect(r.text).toContain('  bMaxCCIDBusySlots: 8');
    expect(r.stdout.filter((l) => /^ {2}\d +3B 9A 96 80 31 FE 45 .* 5 V +T=0 +512\/32/.test(l))).toHaveLength(8);
    expect(r.stdout.filter((l) => /^ {2}\d +"Hello world!" +90 00 /.test(l))).toHaveLength(8);
    const speedUp = /Speed-up: ([\d.]+)× with 8 slots \(bMaxCCIDBusySlots 8; the reader saw up to (\d) slots busy at once\)/.exec(r.text);
    expect(speedUp).not.toBeNull();
    // Eight slots of ~45 ms card time overlap: far more than 2× even on a loaded machine.
    expect(Number(speedUp![1])).toBeGreaterThan(2);
    expect(Number(speedUp![2])).toBeGreaterThan(1);
    expect(r.text).toContain('5. What to run next');
    expect(r.text).toContain('ccid scan --sim');
  });

  it('--json: the figures, sum of per-slot times against wall time', async () => {
    const r = await run(['demo', '--json']);
    expect(r.code).toBe(0);
    const [figures] = jsonLines(r);
    const f = figures as { hello: { slot: number; text: string; sw: number; ms: number }[]; wallMs: number; sumMs: number; speedUp: number; emulated: boolean };
    expect(f.emulated).toBe(true);
    expect(f.hello.map((h) => [h.slot, h.text, h.sw])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, 'Hello world!', 0x9000]));
    expect(f.sumMs).toBeCloseTo(f.hello.reduce((s, h) => s + h.ms, 0), 6);
    expect(f.speedUp).toBeCloseTo(f.sumMs / f.wallMs, 6);
    expect(f.wallMs).toBeLessThan(f.sumMs / 2);
  });

  it('runs on another profile with --sim PROFILE', async () => {
    const r = await run(['demo', '--sim', '3slot-2busy', '--json']);
    expect(r.code).toBe(0);
    const [f] = jsonLines<{ hello: unknown[]; maxBusySlots: number; slots: number }>(r);
    expect(f.slots).toBe(3);
    expect(f.maxBusySlots).toBe(2);
    expect(f.hello).toHaveLength(3);
  });
});

describe('--sim on every command', () => {
  it('list: a header line in human output, "emulated": true in JSON', async () => {
    const human = await run(['list', '--sim']);
    expect(human.code).toBe(0);
    expect(human.stdout[0]).toBe('(emulated reader: sysmoOCTSIM, 8 virtual cards)');
    expect(human.text).toMatch(/1d50:6141 .* SIM0001 +8 +8 +TPDU/);
    const json = await run(['list', '--sim', '--json']);
    const [list] = jsonLines<Record<string, unknown>[]>(json);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ reader: '1d50:6141', emulated: true });
  });

  it('--sim=PROFILE and a .desc fixture file as profile', async () => {
    const r = await run(['list', '--sim=2slot-1busy']);
    expect(r.stdout[0]).toBe('(emulated reader: 2slot-1busy, 2 virtual cards)');
    // Any of libccid's 592 reader fixtures: here the Gemalto PC Twin (08e6:3437, 1 slot).
    const fixture = new URL('../../../shared/reference/libccid/fixtures/GemPCTwin.desc', import.meta.url).pathname;
    const g = await run(['scan', '-c', '--json', '--sim', fixture]);
    expect(g.code).toBe(0);
    expect(jsonLines(g)[0]).toMatchObject({ event: 'reader-added', vidPid: '08e6:3437', slots: 1 });
  });

  it('an unknown profile is an error naming the built-in ones', async () => {
    const r = await run(['list', '--sim=nope']);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/unknown reader profile "nope" \(built-in: sysmoOCTSIM, /);
  });

  it('--help lists the global options', async () => {
    const r = await run(['scan', '--help']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/--sim \[VALUE\] +run on the built-in emulator/);
    expect(r.text).toMatch(/--capture VALUE +write every USB transfer/);
  });
});

describe('ccid sim --list', () => {
  it('one row per profile: name, VID:PID, slots, busy, level, protocols', async () => {
    const r = await run(['sim', '--list']);
    expect(r.code).toBe(0);
    for (const p of listProfiles()) {
      expect(r.stdout).toContainEqual(expect.stringMatching(new RegExp(`^${p.name}( \\(default\\))? +${p.vidPid} +${p.slots} +${p.busySlots} +${p.exchangeLevel} +T=`)));
    }
    expect(r.text).toMatch(/^sysmoOCTSIM \(default\) +1d50:6141 +8 +8 +tpdu +T=0 +sysmoOCTSIM 0\.2\.40-172b$/m);
  });

  it('--json', async () => {
    const r = await run(['sim', '--list', '--json']);
    const [profiles] = jsonLines<{ name: string; protocols: string[]; default: boolean }[]>(r);
    expect(profiles.map((p) => p.name)).toEqual(listProfiles().map((p) => p.name));
    expect(profiles.find((p) => p.default)?.name).toBe('sysmoOCTSIM');
    expect(profiles[0]!.protocols).toEqual(['T=0']);
  });
});
