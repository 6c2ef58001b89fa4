/**
 * `ccid apdu` on the emulator: the hello world in text and JSON, argument forms, slot
 * choice, and errors that say what to do next.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseApduArguments } from '../../src/cli/commands/apdu.ts';
import { setHostFactory } from '../../src/cli/devices.ts';
import { nextStep } from '../../src/cli/main.ts';
import { onSimSession, simCardFor } from '../../src/cli/sim-node.ts';
import { SlotError, UsbTransportError } from '../../src/errors.ts';
import { SimHost, createEmulatedReader } from '../../src/sim/index.ts';
import type { UsbDevice, UsbHost } from '../../src/usb/transport.ts';
import { toHex } from '../../src/util/hex.ts';
import { jsonLines, run } from './run.ts';

const SELECT = '00A404000AA00000006203010C0601';
const HELLO = '00000000';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  setHostFactory();
});

describe('ccid apdu --sim', () => {
  it('sends the hello world and shows hex, ASCII and the status word meaning', async () => {
    const r = await run(['apdu', '--sim', SELECT, HELLO]);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toBe('(emulated reader: sysmoOCTSIM, 8 virtual cards)');
    expect(r.stdout[1]).toContain(`slot 0: ATR ${toHex(simCardFor(1).atr)}`);
    expect(r.stdout).toContain('> 00 A4 04 00 0A A0 00 00 00 62 03 01 0C 06 01');
    expect(r.stdout).toContain('> 00 00 00 00');
    const data = r.stdout.find((l) => l.startsWith('< 48 65'));
    // Hex padded to a full 16-byte row (48 columns), then the ASCII column.
    expect(data).toBe(`< ${'48 65 6C 6C 6F 20 77 6F  72 6C 64 21'.padEnd(48)}  Hello world!`);
    const sws = r.stdout.filter((l) => /^[< ] 90 00 {2}No further qualification \(success\)/.test(l));
    expect(sws).toHaveLength(2);
  });

  it('--json: one {command, response, sw} per APDU after the session object', async () => {
    const r = await run(['apdu', '--sim', '--json', '--slot', '5', SELECT, HELLO, '00B0000009']);
    expect(r.code).toBe(0);
    const [session, ...answers] = jsonLines(r);
    expect(session).toMatchObject({ slot: 5, atr: toHex(simCardFor(6).atr, ''), protocol: 0, emulated: true });
    expect(answers).toEqual([
      { command: SELECT, response: '', sw: '9000', emulated: true },
      { command: HELLO, response: toHex(new TextEncoder().encode('Hello world!'), ''), sw: '9000', emulated: true },
      // READ BINARY with no EF selected: an error status is an answer, not a failure.
      { command: '00B0000009', response: '', sw: '6986', emulated: true },
    ]);
  });

  it('single-byte words make one APDU; other words one APDU each', () => {
    expect(parseApduArguments(['00', 'a4', '04', '00', '00']).map((a) => toHex(a))).toEqual(['00 A4 04 00 00']);
    expect(parseApduArguments(['00A4040000', '00 00 00 00']).map((a) => toHex(a))).toEqual(['00 A4 04 00 00', '00 00 00 00']);
  });

  it('refuses a malformed APDU before opening anything', async () => {
    let sessions = 0;
    cleanups.push(onSimSession(() => sessions++));
    const r = await run(['apdu', '--sim', '00A4040005AABB']);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/APDU 1 \("00A4040005AABB"\) is not a command APDU: .*short Lc = 5/);
    expect(sessions).toBe(0);
  });

  it('a slot out of range names the valid range', async () => {
    const r = await run(['apdu', '--sim', '--slot', '8', HELLO]);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toContain('--slot takes a slot number from 0 to 7');
  });

  it('an empty slot: says to insert a card', async () => {
    cleanups.push(onSimSession((s) => s.readers[0]!.slots[4]!.remove()));
    const r = await run(['apdu', '--sim', '--slot', '4', HELLO]);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/CCID_ERR_CARD_REMOVED[\s\S]*No card in slot 4: insert one/);
  });

  it('without --slot, uses the first slot holding a card', async () => {
    cleanups.push(onSimSession((s) => [0, 1, 2].forEach((i) => s.readers[0]!.slots[i]!.remove())));
    const r = await run(['apdu', '--sim', '--json', HELLO]);
    expect(jsonLines(r)[0]).toMatchObject({ slot: 3 });
  });

  it('--reader picks a reader by VID:PID and reports one that matches nothing', async () => {
    const host = new SimHost([createEmulatedReader('tpdu-t1-1slot'), createEmulatedReader('short-apdu-1slot')]);
    host.readers[1]!.slots[0]!.insert(simCardFor(1));
    setHostFactory(async () => host);
    const ok = await run(['apdu', '--reader', '1209:cc01', '--json', SELECT]);
    expect(ok.code).toBe(0);
    expect(jsonLines(ok)[0]).toMatchObject({ reader: 'short-apdu-1slot', slot: 0 });
    const none = await run(['apdu', '--reader', 'nothing-like-this', SELECT]);
    expect(none.code).toBe(1);
    expect(none.stderr[0]).toContain('no reader matches "nothing-like-this"');
  });
});

describe('errors say what to do next', () => {
  it('a reader held by pcscd: how to stop it', async () => {
    const device = createEmulatedReader('sysmoOCTSIM').device;
    const busy: UsbDevice = Object.create(device, {
      claimInterface: {
        value: async () => {
          throw new UsbTransportError('CCID_ERR_USB_BUSY', 'claimInterface (interface 0) on 1d50:6141: the interface is in use by another driver', {
            hint: 'Another driver holds the reader\'s interface, most likely pcscd.\nStop it: sudo systemctl stop pcscd.socket pcscd',
          });
        },
      },
    });
    const host: UsbHost = { getDevices: async () => [busy], watch: () => () => undefined };
    setHostFactory(async () => host);
    const r = await run(['apdu', HELLO]);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/CCID_ERR_USB_BUSY[\s\S]*sudo systemctl stop pcscd\.socket pcscd/);
  });

  it('nextStep covers the card-level errors', () => {
    expect(nextStep(new SlotError('CCID_ERR_CARD_MUTE', 'ICC_MUTE', 'mute', { slot: 2 }))).toMatch(/slot 2 does not answer/);
    expect(nextStep(new SlotError('CCID_ERR_SLOT_BUSY', 'CMD_SLOT_BUSY', 'busy'))).toMatch(/pcscd/);
  });
});
