/**
 * `npm run test:usb`: the real-USB test bed (run.sh) as a vitest entry. It boots the QEMU
 * guests, keeps their results, and asserts the functional outcome of every part: the
 * QEMU reader session on both Node USB backends with its host checks (lsusb, sysfs,
 * tshark), and the gadget runs of our driver (both backends), the two npm usb lines and
 * pcscd + libccid. Timings are printed by the runs and never asserted (TCG makes them
 * vary from boot to boot; see README).
 *
 * Not part of `npm test` (vitest.config.ts excludes test/usb/testbed): it needs QEMU and
 * minutes. `.ci/run` runs it after the unit tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const results = mkdtempSync(join(tmpdir(), 'ccid-testbed-'));
let exitCode: number | null = null;

function read(path: string): string {
  try {
    return readFileSync(join(results, path), 'utf8');
  } catch {
    return '';
  }
}

function resultLines(console: string, prefix: string): string[] {
  return console.split('\n').filter((l) => l.startsWith(prefix));
}

describe('real USB test bed (QEMU guest kernel, npm usb, dummy_hcd + FunctionFS, pcscd + libccid)', () => {
  beforeAll(() => {
    const run = spawnSync('bash', [join(here, 'run.sh'), '--keep', results], { stdio: 'inherit', timeout: 25 * 60_000 });
    exitCode = run.status;
  }, 26 * 60_000);

  afterAll(() => {
    if (exitCode === 0) rmSync(results, { recursive: true, force: true });
    else console.log(`test bed results kept in ${results}`);
  });

  it('QEMU reader: the session (ATR, SELECT → 61 0D, GET RESPONSE, power off) passes on both backends', () => {
    for (const file of ['qemu-reader/qemu-reader.json', 'qemu-reader/qemu-reader-nusb.json']) {
      const run = JSON.parse(read(file) || '{"ok":false,"checks":[]}') as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
      expect(run.checks.filter((c) => !c.ok), file).toEqual([]);
      expect(run.checks.length, file).toBeGreaterThanOrEqual(6);
      expect(run.ok, file).toBe(true);
    }
  });

  it('QEMU reader: ccid list / ccid info agree with the kernel (lsusb -v, sysfs) and tshark decodes the capture', () => {
    const console = read('qemu-reader/console.log');
    expect(console).not.toMatch(/^FAIL /m);
    const hostChecks = read('qemu-reader/host-checks.log');
    expect(hostChecks).not.toMatch(/^FAIL /m);
    expect(hostChecks).toMatch(/^PASS ccid info vs lsusb -v/m);
    expect(hostChecks).toMatch(/^PASS pcap decoded by tshark/m);
    expect(hostChecks).toMatch(/^OK host checks/m);
    const list = JSON.parse(read('qemu-reader/list.json') || '[]') as { vendorId?: number }[];
    expect(list.length).toBeGreaterThan(0);
  });

  it('gadget: our driver serves all 8 emulated slots on both backends, every answer right', () => {
    const console = read('gadget/console.log');
    expect(console).not.toMatch(/^FAIL /m);
    for (const variant of ['libusb', 'nusb']) {
      const lines = resultLines(console, `RESULT ours-${variant} `);
      expect(lines.length, variant).toBe(1);
      expect(lines[0]).toMatch(/wall1=\d+ wall8=\d+ ratio=[\d.]+/);
    }
  });

  it('gadget: the two npm usb lines bare, and pcscd + libccid on 1 and 8 slots, all answers right', () => {
    const console = read('gadget/console.log');
    expect(resultLines(console, 'RESULT raw-usb3 ')[0]).toMatch(/wrong=0$/);
    expect(resultLines(console, 'RESULT raw-usb2 ')[0]).toMatch(/wrong=0$/);
    const libccid = resultLines(console, 'RESULT libccid round=');
    expect(libccid.length).toBe(8);
    for (const line of libccid) expect(line).toMatch(/ok=(\d)\/\1$/);
    expect(resultLines(console, 'COMPARE ').length).toBeGreaterThanOrEqual(2);
  });

  it('run.sh exits 0 (no functional failure anywhere)', () => {
    expect(exitCode).toBe(0);
  });
});
