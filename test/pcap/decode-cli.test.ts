import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.ts';
import { decodeCommand } from '../../src/cli/commands/decode.ts';
import { memoryOutput } from '../../src/cli/output.ts';
import { ArgumentError } from '../../src/errors.ts';

const captures = new URL('../../../shared/reference/captures/', import.meta.url);
const path = (name: string) => new URL(name, captures).pathname;
const tsv = (name: string) =>
  readFileSync(new URL(name, captures), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));

async function decode(...argv: string[]) {
  const out = memoryOutput();
  const code = await decodeCommand.run(parseArgs(argv, [{ name: 'json', description: '' }, ...decodeCommand.options]), out);
  return { code, out };
}

const tmp = mkdtempSync(join(tmpdir(), 'ccid-decode-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ccid decode', () => {
  it('--json prints the 426 messages of the real capture, data = the whole message as in the .tsv', async () => {
    const { code, out } = await decode('--json', path('gcc_bad_habit_usb.pcapng'));
    expect(code).toBe(0);
    expect(out.stderr).toEqual([]);
    const objects = out.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.map((o) => [o['dir'], String(o['data']).toLowerCase()])).toEqual(tsv('gcc_bad_habit_usb.ccid.tsv').map((r) => [r[2]!.toLowerCase(), r[5]]));
    expect(objects[4]).toEqual({ dir: 'out', type: 'PC_to_RDR_SetParameters', slot: 0, seq: 0x24, data: '610500000000240000001100000A00', device: '1.2', frames: [2245, 2245] });
    expect(objects.every((o) => typeof o['data'] === 'string' && /^[0-9A-F]+$/.test(o['data']))).toBe(true);
  });

  it('--json gives null slot and seq for NotifySlotChange', async () => {
    const { out } = await decode('--json', path('synthetic_misc.pcap'));
    expect(JSON.parse(out.stdout[0]!)).toEqual({ dir: 'interrupt', type: 'RDR_to_PC_NotifySlotChange', slot: null, seq: null, data: '5003', device: '1.5', frames: [6, 6] });
    expect(out.stdout.length).toBe(17);
  });

  it('prints one described line per message with its hex, and a summary', async () => {
    const { code, out } = await decode(path('gcc_bad_habit_usb.pcapng'));
    expect(code).toBe(0);
    expect(out.stdout.length).toBe(426 + 2);
    expect(out.stdout[0]).toMatch(/^ +2237 +28\.537425 {2}1\.2 {2}> PC_to_RDR_IccPowerOff slot=0 seq=0x22 .*\| 63 00 00 00 00 00 22 00 00 00$/);
    expect(out.stdout[9]).toMatch(/^ +2282-2284 .* RDR_to_PC_DataBlock slot=0 seq=0x26 .*\| 80 24 00 00 00 00 26 00 00 00 6F 20 84 0E .* 90 00$/);
    expect(out.stdout.at(-1)).toBe('426 CCID messages (213 out, 213 in, 0 interrupt) from 1.2; 16 reassembled from several transfers; 7062 USB packets read');
  });

  it('--device selects a device; one without CCID traffic is reported', async () => {
    const { code, out } = await decode('--json', '--device', '1.2', path('gcc_bad_habit_usb.pcapng'));
    expect([code, out.stdout.length]).toEqual([0, 426]);
    const other = await decode('--device', '1.3', path('gcc_bad_habit_usb.pcapng'));
    expect(other.code).toBe(1);
    expect(other.out.stderr.join('\n')).toMatch(/no CCID traffic .* for device 1\.3 \(USB devices seen: 1\.1, 1\.2, 1\.3\)/);
    await expect(decode('--device', 'x', path('synthetic_misc.pcap'))).rejects.toThrow(ArgumentError);
  });

  it('a truncated capture: the messages before the damage, then the error and exit code 1', async () => {
    const bytes = readFileSync(path('synthetic_misc.pcap'));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    const { code, out } = await decode('--json', cut);
    expect(code).toBe(1);
    expect(out.stdout.length).toBe(16);
    expect(out.stderr.join('\n')).toMatch(/CCID_ERR_CAPTURE_MALFORMED/);
  });

  it('a missing file or a file that is no capture is an error that says so', async () => {
    await expect(decode(join(tmp, 'missing.pcap'))).rejects.toThrow(/cannot read/);
    const text = join(tmp, 'text.pcap');
    writeFileSync(text, 'not a capture at all');
    const { code, out } = await decode(text);
    expect(code).toBe(1);
    expect(out.stderr.join('\n')).toMatch(/not a pcap or pcapng file/);
  });
});
