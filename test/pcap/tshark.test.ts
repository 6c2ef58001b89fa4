/**
 * Differential test against an independent decoder: a session captured by
 * `captureDevice` (written by `openCaptureFile`) is decoded by Debian's tshark, which must
 * see USB CCID with no options, and the message types, slots, sequence numbers and ATR
 * must be what the session sent.
 *
 * tshark is required in CI (`.ci/run` installs it): there, its absence FAILS this file
 * with a message saying how to install it. Outside CI (no `CI` variable) the tests are
 * skipped when tshark is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaptureFile } from '../../src/cli/capture-node.ts';
import { extractConversation } from '../../src/pcap/conversation.ts';
import { readUsbPackets } from '../../src/pcap/usb-packet.ts';
import { toHex } from '../../src/util/hex.ts';
import { FakeReader, ccidFrame } from './fake-reader.ts';

function tsharkVersion(): string | undefined {
  try {
    return execFileSync('tshark', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).split('\n')[0];
  } catch {
    return undefined;
  }
}

const version = tsharkVersion();
const inCi = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';

function tshark(file: string, extra: string[], fields: string[]): string[][] {
  const args = ['-r', file, ...extra, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])];
  const text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

if (version === undefined && inCi) {
  describe('tshark decodes our captures', () => {
    it('needs tshark', () => {
      expect.fail('tshark is not installed, and CI requires it: apt-get install -y --no-install-recommends tshark');
    });
  });
} else {
  describe.skipIf(version === undefined)(`tshark (${version ?? 'not installed: skipped outside CI'}) decodes our captures`, () => {
    let dir = '';
    let file = '';
    const fake = new FakeReader();
    /** What the session sent and received, in order: [direction, type, slot, seq]. */
    const bulk: [string, number, number, number][] = [];
    const DEVICE = 6;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ccid-pcap-'));
      file = join(dir, 'session.pcap');
      const capture = openCaptureFile(file, { clock: (() => { let t = 1_750_000_000_000_000; return () => (t += 137); })() });
      const dev = capture.wrap(fake, { device: DEVICE });
      await dev.open();
      const exchange = async (message: Uint8Array<ArrayBuffer>) => {
        bulk.push(['out', message[0]!, message[5]!, message[6]!]);
        await dev.transferOut(2, message);
        const r = await dev.transferIn(1, 271);
        bulk.push(['in', r.data!.getUint8(0), r.data!.getUint8(5), r.data!.getUint8(6)]);
      };
      fake.queueInterrupt(new Uint8Array([0x50, 0x0b, 0x00])); // slots 0 and 1: card present, changed
      await dev.transferIn(3, 8);
      let seq = 0xfe; // wraps past 0xFF
      for (const slot of [0, 1]) {
        await exchange(ccidFrame(0x62, slot, seq++ & 0xff, [0, 0, 0])); // IccPowerOn → ATR
        await exchange(ccidFrame(0x6f, slot, seq++ & 0xff, [0, 0, 0], new Uint8Array([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00])));
      }
      await exchange(ccidFrame(0x65, 7, seq++ & 0xff, [0, 0, 0])); // GetSlotStatus
      fake.nextInStatus = 'stall';
      await dev.transferIn(1, 271);
      await dev.clearHalt('in', 1);
      capture.close();
    });

    afterAll(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('decodes the bulk messages as USB CCID with no options: types, slots, sequence numbers', () => {
      const rows = tshark(file, ['-Y', 'usbccid'], ['usb.endpoint_address', 'usbccid.bMessageType', 'usbccid.bSlot', 'usbccid.bSeq']);
      expect(rows).toEqual(bulk.map(([d, type, slot, seq]) => [d === 'out' ? '0x02' : '0x81', hex2(type), String(slot), String(seq)]));
      expect(rows.length).toBe(10);
    });

    it('shows the ATR of each IccPowerOn and the data of each XfrBlock', () => {
      const rows = tshark(file, ['-Y', 'usbccid.bMessageType == 0x80'], ['usbccid.bSeq', 'data.data']);
      const atr = toHex(fake.atr, '').toLowerCase();
      expect(rows).toEqual([
        ['254', atr],
        ['255', '9000'],
        ['0', atr],
        ['1', '9000'],
      ]);
    });

    it('decodes the NotifySlotChange when told the device is CCID (tshark 4.0 does not bind interrupt endpoints)', () => {
      const busDev = `0x${((1 << 16) | DEVICE).toString(16).padStart(8, '0')}`;
      const rows = tshark(file, ['-d', `usb.device==${busDev},usbccid`, '-Y', 'usbccid.bMessageType == 0x50'], ['usb.endpoint_address', 'usbccid.hf_ccid_bmSlotICCState']);
      expect(rows).toEqual([['0x83', '0x0b,0x00']]);
    });

    it('sees the stall as -EPIPE and the descriptor reads that taught it the class', () => {
      const stalls = tshark(file, ['-Y', 'usb.urb_status == -32'], ['usb.endpoint_address', 'usb.urb_type']);
      expect(stalls).toEqual([['0x81', "'C'"]]);
      const descriptors = tshark(file, ['-Y', 'usb.bDescriptorType == 0x02 && usb.bInterfaceClass == 0x0b'], ['usb.bInterfaceClass']);
      expect(descriptors.length).toBe(1);
    });

    it('agrees with our own decoder of the same file', () => {
      const ours = extractConversation(readUsbPackets(new Uint8Array(readFileSync(file))));
      expect(ours.filter((m) => m.dir !== 'interrupt').map((m) => [m.dir, m.messageType, m.slot, m.seq])).toEqual(bulk);
      expect(ours.filter((m) => m.dir === 'interrupt').map((m) => toHex(m.data))).toEqual(['50 0B 00']);
    });
  });
}
