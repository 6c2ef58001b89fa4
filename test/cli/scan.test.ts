/**
 * `ccid scan` on the emulator: the readers and cards present (-c), and live events while
 * cards are inserted and removed and readers plugged and unplugged (-t), in both the
 * human and the JSON output. The expected ATRs come from the virtual cards themselves,
 * not from the driver.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setHostFactory } from '../../src/cli/devices.ts';
import { onSimSession, simCardFor } from '../../src/cli/sim-node.ts';
import { UsbTransportError } from '../../src/errors.ts';
import { SimHost, createEmulatedReader, helloWorldCard, type EmulatedReader } from '../../src/sim/index.ts';
import { accessDeniedHint } from '../../src/usb/node/errors.ts';
import type { UsbDevice } from '../../src/usb/transport.ts';
import { toHex } from '../../src/util/hex.ts';
import { jsonLines, run } from './run.ts';

const SIM_ATR = toHex(simCardFor(1).atr);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  setHostFactory();
});

/** Runs `script` against the emulated reader of the next --sim session. */
function onNextSession(script: (reader: EmulatedReader, host: SimHost) => void): void {
  let done = false;
  cleanups.push(
    onSimSession((session) => {
      if (done) return;
      done = true;
      script(session.readers[0]!, session.host);
    }),
  );
}

describe('ccid scan -c --sim', () => {
  it('lists the reader and its 8 slots, each with the ATR of its virtual card', async () => {
    const r = await run(['scan', '-c', '--sim']);
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toBe('(emulated reader: sysmoOCTSIM, 8 virtual cards)');
    expect(r.text).toMatch(/Reader 0: sysmoOCTSIM 0\.2\.40-172b \(1d50:6141, serial SIM0001\), 8 slots, TPDU level, T=0/);
    for (let slot = 0; slot < 8; slot++) expect(r.stdout).toContainEqual(expect.stringMatching(new RegExp(`^  ${slot} +present +${SIM_ATR}`)));
    // One analysis for the 8 identical ATRs, with the decoded historical bytes.
    expect(r.text).toContain(`ATR ${SIM_ATR} (slots 0-7):`);
    expect(r.text).toContain('"ccid-sim"');
    expect(r.text).toContain('protocols T=0, T=1, negotiable mode');
  });

  it('--json: reader-added, then one slot event per slot with ATR, analysis and emulated: true', async () => {
    const r = await run(['scan', '-c', '--sim', '--json']);
    expect(r.code).toBe(0);
    const events = jsonLines(r);
    expect(events[0]).toMatchObject({ event: 'reader-added', reader: 0, vidPid: '1d50:6141', slots: 8, emulated: true });
    const slots = events.filter((e) => e['event'] === 'slot');
    expect(slots.map((e) => e['slot'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const e of slots) {
      expect(e).toMatchObject({ card: 'present', atr: SIM_ATR.replaceAll(' ', ''), unusable: null, emulated: true });
      expect(e['analysis']).toMatchObject({ protocols: [0, 1], fi: 512, di: 32, tck: 'ok', errors: [] });
    }
  });

  it('shows empty slots and a card the reader cannot use (T=1 only on a T=0 reader) with its ATR', async () => {
    const t1Only = helloWorldCard({ protocol: 1 });
    onNextSession((reader) => {
      reader.slots[1]!.remove();
      reader.slots[5]!.remove();
      reader.slots[5]!.insert(t1Only);
    });
    const r = await run(['scan', '-c', '--sim', '--json']);
    const slots = jsonLines(r).filter((e) => e['event'] === 'slot');
    expect(slots[1]).toMatchObject({ slot: 1, card: 'absent' });
    expect(slots[1]).not.toHaveProperty('atr');
    expect(slots[5]).toMatchObject({ slot: 5, card: 'present', atr: toHex(t1Only.atr, '') });
    expect(String(slots[5]!['unusable'])).toMatch(/T=1 only; this reader speaks T=0/);
  });

  it('identifies a card from an ATR list given with --atr-db', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'ccid-scan-')), 'list.txt');
    // A regular-expression entry, as in pcsc-tools' list: the first 9 bytes, then any 9.
    const pattern = [...SIM_ATR.split(' ').slice(0, 9), ...Array<string>(9).fill('..')].join(' ');
    writeFileSync(file, `# test list\n${pattern}\n\tccid emulator virtual card\n`);
    const r = await run(['scan', '-c', '--sim', '--atr-db', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContainEqual(expect.stringMatching(new RegExp(`^  0 +present +${SIM_ATR} +ccid emulator virtual card$`)));
    expect(r.text).toContain(`Possibly identified card (using ${file}):`);
  });

  it('another profile: 3 slots', async () => {
    const r = await run(['scan', '-c', '--sim', '3slot-2busy', '--json']);
    const slots = jsonLines(r).filter((e) => e['event'] === 'slot');
    expect(slots).toHaveLength(3);
    expect(jsonLines(r)[0]).toMatchObject({ vidPid: '1209:cc04', protocols: [0, 1] });
  });

  it('a reader this user may not open: -c fails and prints the udev rule for its VID:PID', async () => {
    const device = createEmulatedReader('sysmoOCTSIM').device;
    const denied: UsbDevice = Object.create(device, {
      open: {
        value: async () => {
          throw new UsbTransportError('CCID_ERR_USB_ACCESS_DENIED', 'open on 1d50:6141: permission denied (errno 13)', { hint: accessDeniedHint(0x1d50, 0x6141) });
        },
      },
    });
    setHostFactory(async () => ({ getDevices: async () => [denied], watch: () => () => undefined }));
    const r = await run(['scan', '-c']);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toContain('ccid scan: 1d50:6141: cannot open the reader: open on 1d50:6141: permission denied');
    expect(r.stderr.join('\n')).toContain('SUBSYSTEM=="usb", ATTR{idVendor}=="1d50", ATTR{idProduct}=="6141", MODE="0660", GROUP="plugdev"');
  });

  it('exits 1 and says what to check when there is no reader', async () => {
    setHostFactory(async () => new SimHost());
    const r = await run(['scan', '-c']);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/no CCID reader found[\s\S]*pcscd/);
  });
});

describe('ccid scan -t (live, event-driven)', () => {
  it('reports a removal and an insertion with the new ATR, and a reader plugged then unplugged', async () => {
    const newCard = helloWorldCard({ protocol: 0, historicalBytes: '80 58 6E 65 77 2D 63 61 72 64' });
    onNextSession((reader, host) => {
      setTimeout(() => reader.slots[2]!.remove(), 150);
      setTimeout(() => reader.slots[2]!.insert(newCard), 350);
      setTimeout(() => {
        const second = host.plug('2slot-1busy');
        setTimeout(() => host.unplug(second), 250);
      }, 500);
    });
    const r = await run(['scan', '-t', '1.2', '--sim', '--json']);
    expect(r.code).toBe(0);
    const events = jsonLines(r).filter((e) => e['event'] !== 'slot');
    expect(events.map((e) => [e['event'], e['reader'], e['slot']])).toEqual([
      ['reader-added', 0, undefined],
      ['card-removed', 0, 2],
      ['card-inserted', 0, 2],
      ['reader-added', 1, undefined],
      ['reader-removed', 1, undefined],
    ]);
    expect(events[2]).toMatchObject({ atr: toHex(newCard.atr, ''), unusable: null });
    expect(events[3]).toMatchObject({ vidPid: '1209:cc05', slots: 2 });
  });

  it('prints timestamped event lines in the human output', async () => {
    onNextSession((reader) => {
      setTimeout(() => reader.slots[6]!.remove(), 100);
    });
    const r = await run(['scan', '-t', '0.6', '--sim']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} {2}Reader 0 slot 6: card removed$/));
  });

  it('does not poll: an idle scan sends no command after the first look at the slots', async () => {
    let reader: EmulatedReader | undefined;
    onNextSession((r) => {
      reader = r;
    });
    const r = await run(['scan', '-t', '1', '--sim', '--json']);
    expect(r.code).toBe(0);
    // Per slot: GetSlotStatus, IccPowerOn and IccPowerOff, plus the reader's clock/rate requests (control, not counted).
    expect(reader!.stats.commands).toBeLessThanOrEqual(8 * 3);
    expect(reader!.stats.byType.get(0x65)).toBe(8);
  });
});
