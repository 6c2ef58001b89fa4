/**
 * `ccid list` and `ccid info` through runCli, against a fake host made of fixture-backed
 * devices (libccid dumps rebuilt as `.desc`), and the no-USB path of this machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { memoryOutput } from '../../src/cli/output.ts';
import { setHostFactory } from '../../src/cli/devices.ts';
import { UsbTransportError } from '../../src/errors.ts';
import { parseDescriptorFixture } from '../../src/fixtures/desc-file.ts';
import type { UsbDevice, UsbHost } from '../../src/usb/transport.ts';
import { FixtureUsbDevice } from '../support/fixture-device.ts';

const LIBCCID = new URL('../../../shared/reference/libccid/', import.meta.url);

function fixtureDevice(name: string): FixtureUsbDevice {
  return new FixtureUsbDevice(parseDescriptorFixture(readFileSync(new URL(`fixtures/${name}.desc`, LIBCCID), 'latin1')));
}

/** A device this user may not open (no udev rule). */
class DeniedDevice extends FixtureUsbDevice {
  override async open(): Promise<void> {
    throw new UsbTransportError('CCID_ERR_USB_ACCESS_DENIED', 'open on 08e6:3437: permission denied (open error: permission denied (errno 13))', {
      reader: '08e6:3437',
      hint: 'SUBSYSTEM=="usb", ATTR{idVendor}=="08e6", ATTR{idProduct}=="3437", MODE="0660", GROUP="plugdev"',
    });
  }
}

/** A device whose interface pcscd holds. */
class BusyDevice extends FixtureUsbDevice {
  override async claimInterface(): Promise<void> {
    throw new UsbTransportError('CCID_ERR_USB_BUSY', 'claimInterface (interface 0): the interface is in use by another driver', { hint: 'stop pcscd: sudo systemctl stop pcscd.socket pcscd' });
  }
}

function hostOf(devices: UsbDevice[]): UsbHost {
  return { getDevices: async () => devices, watch: () => () => undefined };
}

async function run(argv: string[], devices?: UsbDevice[]) {
  if (devices !== undefined) setHostFactory(async () => hostOf(devices));
  const out = memoryOutput();
  const code = await runCli(argv, out);
  return { code, stdout: out.stdout, stderr: out.stderr };
}

afterEach(() => setHostFactory());

describe('ccid list', () => {
  it('prints one aligned line per reader: VID:PID, name, serial, slots, busy slots, level, list status', async () => {
    const r = await run(['list'], [fixtureDevice('sysmocom_sysmoOCTSIM'), fixtureDevice('Oz776S'), fixtureDevice('GemPCTwin')]);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^#\s+VID:PID\s+Reader\s+Serial\s+Slots\s+Busy\s+Level\s+List$/);
    const rows = r.stdout.slice(2, 5);
    expect(rows[0]).toMatch(/^0\s+1d50:6141\s+sysmocom - s\.f\.m\.c\. GmbH sysmoOCTSIM \S+\s+-\s+8\s+8\s+TPDU\s+should work$/);
    expect(rows[1]).toMatch(/^1\s+0b97:7762\s+O2 O2Micro CCID SC Reader\s+-\s+1\s+1\s+character\s+unsupported$/);
    expect(rows[2]).toMatch(/^2\s+08e6:3437\s+.*\s+1\s+1\s+TPDU\s+supported$/);
    const columns = r.stdout.slice(0, 5).map((l) => l.indexOf('VID:PID'));
    expect(r.stdout.slice(2, 5).every((l) => /^\d\s+[0-9a-f]{4}:/.test(l) && l.indexOf(l.split(/\s+/)[1]!) === columns[0])).toBe(true);
    expect(r.stderr.join('\n')).toMatch(/1: 0b97:7762: not used by default: O2 Micro Oz776: only 9600 bps works/);
  });

  it('marks a value changed by a quirk and explains the mark', async () => {
    const r = await run(['list'], [fixtureDevice('Cherry_SmartTerminal_XX44')]);
    expect(r.code).toBe(0);
    expect(r.stdout[2]).toMatch(/\sextended APDU\*\s/);
    expect(r.stdout).toContain('* changed by a reader quirk (ccid info shows which and why)');
  });

  it('lists a reader it may not open, with what to do', async () => {
    const r = await run(['list'], [new DeniedDevice(fixtureDevice('GemPCTwin').fixture)]);
    expect(r.code).toBe(0);
    expect(r.stdout[2]).toMatch(/^0\s+08e6:3437\s.*\(permission denied\)\s+supported$/);
    expect(r.stderr.join('\n')).toContain('ATTR{idVendor}=="08e6", ATTR{idProduct}=="3437"');
  });

  it('--json prints every reader with its list status, quirks and interfaces', async () => {
    const r = await run(['list', '--json'], [fixtureDevice('sysmocom_sysmoOCTSIM'), fixtureDevice('Oz776S')]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout.join('\n')) as Record<string, unknown>[];
    expect(json).toHaveLength(2);
    expect(json[0]).toMatchObject({ reader: '1d50:6141', list: { status: 'shouldwork' }, interfaces: [{ slots: 8, maxBusySlots: 8, exchangeLevel: 'tpdu' }], error: null });
    expect(json[1]).toMatchObject({ reader: '0b97:7762', list: { status: 'unsupported' }, quirks: ['dataRateLimit', 'noPps', 'avoidFullPacketCommands', 'classDescriptorAfterEndpoints'] });
  });

  it('says "no CCID reader found" and what to check, exit code 1', async () => {
    const r = await run(['list'], []);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([]);
    expect(r.stderr[0]).toBe('ccid list: no CCID reader found.');
    expect(r.stderr.join('\n')).toMatch(/udev rule/);
  });

  it('on this machine (npm usb): says there is no USB subsystem, or lists what it finds', async () => {
    const r = await run(['list']);
    if (existsSync('/sys/bus/usb/devices/')) {
      expect([0, 1]).toContain(r.code);
    } else {
      expect(r.code).toBe(1);
      expect(r.stderr[0]).toBe('ccid list: no USB subsystem on this machine: no reader can be reached [CCID_ERR_USB_NO_SUBSYSTEM]');
    }
  });
});

describe('ccid info', () => {
  it('prints the libccid parse layout identical to the libccid dump, then the list status', async () => {
    const device = fixtureDevice('sysmocom_sysmoOCTSIM');
    const r = await run(['info', '1d50:6141'], [device]);
    expect(r.code).toBe(0);
    const dump = readFileSync(new URL('readers/sysmocom_sysmoOCTSIM.txt', LIBCCID), 'latin1').split('\n');
    while (dump.at(-1) === '') dump.pop();
    expect(r.stdout.slice(0, dump.length)).toEqual(dump);
    expect(r.stdout).toContain('List status: should work (listed by libccid, untested) as "sysmocom - s.f.m.c. GmbH sysmoOCTSIM"');
    expect(r.stdout).toContain('Quirks applied: none');
    expect(device.claimed.size).toBe(0);
    expect(device.opened).toBe(false);
  });

  it('shows the quirks applied and why (O2 Micro Oz776S, by name)', async () => {
    const r = await run(['info', 'o2micro'], [fixtureDevice('sysmocom_sysmoOCTSIM'), fixtureDevice('Oz776S')]);
    expect(r.code).toBe(0);
    const text = r.stdout.join('\n');
    expect(text).toMatch(/List status: unsupported as "O2 Micro Oz776"\n  reason: O2 Micro Oz776: only 9600 bps works/);
    expect(text).toMatch(/Not used by default: /);
    expect(text).toMatch(/Quirks applied \(4\):\n  - dataRateLimit: data rate at most 9600 bps\n    why: bNumDataRatesSupported is 0/);
    expect(text).toMatch(/quirk: dwMaxDataRate \d+ → 9600 bps/);
  });

  it('--json adds list status, quirks and effective parameters to the decoded descriptors', async () => {
    const r = await run(['info', '0', '--json'], [fixtureDevice('Cherry_SmartTerminal_XX44')]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout.join('\n')) as Record<string, unknown>;
    expect(json).toMatchObject({ reader: '046a:00a7', list: { status: 'shouldwork' }, effective: [{ exchangeLevel: 'extended-apdu', pinSupport: 0 }] });
    expect((json['quirks'] as { kind: string }[]).map((q) => q.kind)).toEqual(['disablePinPad', 'exchangeLevel']);
    expect(Array.isArray(json['interfaces'])).toBe(true);
  });

  it('when pcscd holds the interface: prints the dump without class requests and what to do', async () => {
    const r = await run(['info'], [new BusyDevice(fixtureDevice('sysmocom_sysmoOCTSIM').fixture)]);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^ idVendor: 0x1D50/);
    const err = r.stderr.join('\n');
    expect(err).toMatch(/CCID_ERR_USB_BUSY/);
    expect(err).toMatch(/systemctl stop pcscd/);
    expect(err).toMatch(/GET_CLOCK_FREQUENCIES \/ GET_DATA_RATES not sent/);
  });

  it('a reader it may not open: the error, the hint, exit code 1', async () => {
    const r = await run(['info', '0'], [new DeniedDevice(fixtureDevice('GemPCTwin').fixture)]);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/CCID_ERR_USB_ACCESS_DENIED[\s\S]*ATTR\{idVendor\}=="08e6"/);
  });

  it('rejects a READER that matches nothing, listing the readers', async () => {
    const r = await run(['info', 'nosuchreader'], [fixtureDevice('sysmocom_sysmoOCTSIM')]);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/no reader matches "nosuchreader"; readers:\n  0: 1d50:6141 sysmocom/);
  });

  it('no reader: clear message, exit code 1', async () => {
    const r = await run(['info'], []);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toBe('ccid info: no CCID reader found.');
  });
});
