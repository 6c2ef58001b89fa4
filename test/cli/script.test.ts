/**
 * The APDU script format (parser and matcher) and `ccid script` runs on the emulator:
 * exit 0 when every expectation holds, 1 on a mismatch, a syntax error before anything
 * is sent, and the summary.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectationText, matchesPattern, meetsExpectation, parseScript } from '../../src/cli/apdu-script.ts';
import { onSimSession } from '../../src/cli/sim-node.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { jsonLines, run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'ccid-script-'));
function scriptFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('script format', () => {
  it('reads APDUs, comments, resets, exit, and expectations in both forms', () => {
    const steps = parseScript(
      [
        '# a comment',
        '// another one',
        '',
        'reset',
        'RESET cold',
        'reset warm  # comment after a keyword',
        '00 A4 04 00 0A A0000000620301 0C0601  # expect 90 00',
        '> 00 00 00 00',
        '< 48 65 6C 6C 6F XX ?? 6F 72 6C 64 21 90 00 : Normal processing.',
        '00b0000009 // expect 90 00 | 62 82',
        '00 C0 00 00 0C # just a comment, no expectation',
        'exit',
        'this line is never read',
      ].join('\n'),
      't.apdu',
    );
    expect(steps.map((s) => [s.kind, s.line])).toEqual([
      ['reset', 4],
      ['reset', 5],
      ['reset', 6],
      ['apdu', 7],
      ['apdu', 8],
      ['apdu', 10],
      ['apdu', 11],
      ['exit', 12],
    ]);
    expect(steps.slice(0, 3).map((s) => (s.kind === 'reset' ? s.mode : ''))).toEqual(['auto', 'cold', 'warm']);
    const apdus = steps.filter((s) => s.kind === 'apdu');
    expect(apdus.map((s) => toHex(s.apdu))).toEqual(['00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01', '00 00 00 00', '00 B0 00 00 09', '00 C0 00 00 0C']);
    expect(apdus.map((s) => (s.expect === undefined ? null : expectationText(s.expect)))).toEqual([
      '90 00',
      '48 65 6C 6C 6F XX XX 6F 72 6C 64 21 90 00',
      '90 00 | 62 82',
      null,
    ]);
  });

  it('two bytes check the status word only; more bytes check the whole response; XX matches any byte', () => {
    const first = parseScript('00000000 # expect 90 00')[0]!;
    if (first.kind !== 'apdu' || first.expect === undefined) throw new Error('no expectation');
    const sw = first.expect.alternatives[0]!;
    expect(sw.swOnly).toBe(true);
    expect(matchesPattern(sw, fromHex('48 65 90 00'))).toBe(true);
    expect(matchesPattern(sw, fromHex('90 01'))).toBe(false);
    const step = parseScript('00000000 # expect 48 XX 90 00 | 6A 82')[0]!;
    if (step.kind !== 'apdu' || step.expect === undefined) throw new Error('no expectation');
    expect(meetsExpectation(step.expect, fromHex('48 65 90 00'))).toBe(true);
    expect(meetsExpectation(step.expect, fromHex('48 65 66 90 00'))).toBe(false);
    expect(meetsExpectation(step.expect, fromHex('6A 82'))).toBe(true);
    expect(meetsExpectation(step.expect, fromHex('90 00'))).toBe(false);
  });

  it('names the file and line of an error', () => {
    expect(() => parseScript('00 A4 04 00\n00 A4 04 00 05 01', 's.apdu')).toThrow(/^s\.apdu:2: not a command APDU .*short Lc = 5/);
    expect(() => parseScript('hello', 's.apdu')).toThrow(/^s\.apdu:1: not a command APDU/);
    expect(() => parseScript('< 90 00', 's.apdu')).toThrow(/^s\.apdu:1: an expected answer \("<"\) must follow an APDU/);
    expect(() => parseScript('00000000 # expect 9', 's.apdu')).toThrow(/^s\.apdu:1: expected answer "9" is not whole bytes/);
    expect(() => parseScript('00000000 # expect 90 0G', 's.apdu')).toThrow(/"0G" in the expected answer is not a hex byte/);
    expect(() => parseScript('00000000 # expect 90', 's.apdu')).toThrow(/at least the two status bytes/);
    expect(() => parseScript('00000000 # expect 90 00\n< 90 00', 's.apdu')).toThrow(/^s\.apdu:2: the APDU of line 1 already has an expected answer/);
  });
});

const HELLO_SCRIPT = `# the PC/SC hello world
reset
00 A4 04 00 0A A0000000620301 0C0601   # expect 90 00
00 00 00 00                            # expect 48656C6C6F20776F726C6421 9000
// USIM side of the same card: the MF
00 A4 00 04 02 3F00
< XX XX 82 02 78 21 83 02 3F 00 8A 01 05 90 00
`;

describe('ccid script --sim', () => {
  it('passes: exit 0, ✓ lines and a summary', async () => {
    const r = await run(['script', '--sim', scriptFile('pass.apdu', HELLO_SCRIPT)]);
    expect(r.code).toBe(0);
    expect(r.text).toContain('Hello world!');
    expect(r.stdout.filter((l) => l.startsWith('  ✓ expected'))).toHaveLength(3);
    expect(r.stdout[r.stdout.length - 1]).toBe('3 APDUs sent, 3 checked: 3 passed, 0 failed');
  });

  it('a mismatch: exit 1, the script goes on, and the summary counts it', async () => {
    const path = scriptFile('mismatch.apdu', '00 A4 04 00 0A A0000000620301 0C0601 # expect 6A 82\n00000000 # expect 90 00\n');
    const r = await run(['script', '--sim', path]);
    expect(r.code).toBe(1);
    expect(r.text).toContain('✗ MISMATCH: expected 6A 82, got 90 00');
    expect(r.stdout[r.stdout.length - 1]).toBe('2 APDUs sent, 2 checked: 1 passed, 1 failed');
  });

  it('--stop-on-mismatch stops at the first mismatch', async () => {
    const path = scriptFile('stop.apdu', '00 A4 04 00 0A A0000000620301 0C0601 # expect 6A 82\n00000000 # expect 90 00\n');
    const r = await run(['script', '--sim', '--stop-on-mismatch', path]);
    expect(r.code).toBe(1);
    expect(r.stdout[r.stdout.length - 1]).toBe('1 APDU sent, 1 checked: 0 passed, 1 failed');
  });

  it('--json: one object per step and the summary', async () => {
    const r = await run(['script', '--sim', '--json', '--slot', '2', scriptFile('json.apdu', HELLO_SCRIPT)]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r);
    expect(lines[0]).toMatchObject({ line: 2, reset: 'cold', protocol: 0, emulated: true });
    expect(lines[1]).toEqual({ line: 3, command: '00A404000AA00000006203010C0601', response: '', sw: '9000', expected: '90 00', ok: true, emulated: true });
    expect(lines[2]).toMatchObject({ line: 4, response: '48656C6C6F20776F726C6421', sw: '9000', ok: true });
    expect(lines[lines.length - 1]).toEqual({ summary: { apdus: 3, checked: 3, passed: 3, failed: 0 }, emulated: true });
  });

  it('a syntax error: exit 1 with file:line, and no reader is opened', async () => {
    let sessions = 0;
    cleanups.push(onSimSession(() => sessions++));
    const path = scriptFile('bad.apdu', '00 A4 04 00 0A A0000000620301 0C0601\n00 A4 04 00 0A A0000000620301\n');
    const r = await run(['script', '--sim', path]);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toContain(`${path}:2: not a command APDU`);
    expect(sessions).toBe(0);
  });

  it('a card removed mid-script: stops, prints the summary, says what to do', async () => {
    cleanups.push(onSimSession((s) => setTimeout(() => s.readers[0]!.slots[0]!.remove(), 150)));
    const lines = ['00 A4 04 00 0A A0000000620301 0C0601 # expect 90 00'];
    for (let i = 0; i < 40; i++) lines.push('00 00 00 00 # expect 48656C6C6F20776F726C6421 9000');
    const r = await run(['script', '--sim', '--slot', '0', scriptFile('removed.apdu', lines.join('\n'))]);
    expect(r.code).toBe(1);
    expect(r.stdout[r.stdout.length - 1]).toMatch(/APDUs sent, \d+ checked: \d+ passed, 0 failed; stopped by an error at .*removed\.apdu:\d+$/);
    expect(r.stderr.join('\n')).toMatch(/CCID_ERR_CARD_REMOVED[\s\S]*insert one/);
  });
});
