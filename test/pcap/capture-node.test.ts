import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.ts';
import { CAPTURE_OPTION, openCaptureFile, openCaptureFromArgs } from '../../src/cli/capture-node.ts';
import { ArgumentError } from '../../src/errors.ts';
import { readUsbPackets } from '../../src/pcap/usb-packet.ts';
import type { UsbHost, UsbHostEvent } from '../../src/usb/transport.ts';
import { FakeReader, ccidFrame } from './fake-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'ccid-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('capture files', () => {
  it('writes every wrapped device under its own device number, readable as it grows', async () => {
    const file = join(dir, 'two.pcap');
    const capture = openCaptureFile(file);
    const a = capture.wrap(new FakeReader());
    const b = capture.wrap(new FakeReader());
    await a.transferOut(2, ccidFrame(0x65, 0, 1, [0, 0, 0]));
    await b.transferOut(2, ccidFrame(0x65, 0, 2, [0, 0, 0]));
    // Synchronous writes: the file is complete before close.
    const devices = [...readUsbPackets(new Uint8Array(readFileSync(file)))].filter((p) => p.transfer === 'bulk').map((p) => p.device);
    expect(devices).toEqual([1, 1, 2, 2]);
    expect(capture.packets).toBe(2 * (6 + 2)); // per device: 3 descriptor reads + 1 bulk OUT, each S + C
    capture.close();
    capture.close(); // idempotent
  });

  it('wraps a host so each device is wrapped once, and events name the same wrapper', async () => {
    const capture = openCaptureFile(join(dir, 'host.pcap'));
    const device = new FakeReader();
    let listener: ((e: UsbHostEvent) => void) | undefined;
    const host: UsbHost = { getDevices: async () => [device], watch: (l) => ((listener = l), () => {}) };
    const wrapped = capture.wrapHost(host);
    const events: UsbHostEvent[] = [];
    wrapped.watch((e) => events.push(e));
    const [first] = await wrapped.getDevices();
    listener!({ type: 'disconnect', device });
    expect(first).not.toBe(device);
    expect(events[0]!.device).toBe(first);
    expect((await wrapped.getDevices())[0]).toBe(first);
    capture.close();
  });

  it('--capture FILE opens a capture; without a file name or with a bad path it says what is wrong', () => {
    const specs = [CAPTURE_OPTION];
    expect(openCaptureFromArgs(parseArgs([], specs))).toBeUndefined();
    const capture = openCaptureFromArgs(parseArgs(['--capture', join(dir, 'x.pcap')], specs))!;
    expect(capture.path).toBe(join(dir, 'x.pcap'));
    capture.close();
    expect(readFileSync(join(dir, 'x.pcap')).length).toBe(24); // just the pcap header
    expect(() => openCaptureFromArgs(parseArgs(['--capture='], specs))).toThrow(ArgumentError);
    expect(() => openCaptureFile(join(dir, 'no', 'such', 'dir.pcap'))).toThrow(/cannot create the capture file/);
  });
});
