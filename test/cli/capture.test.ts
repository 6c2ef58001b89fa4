/**
 * `--capture FILE.pcap` on an emulator session (the demo: 8 slots at once, so commands
 * and answers of different slots interleave): what the emulated device saw on its
 * endpoints (its own trace, independent of the capture code) must come back from the
 * file, through `ccid decode --json` and through Debian's tshark, message for message:
 * types, slots, sequence numbers, and the ATR of every IccPowerOn.
 *
 * tshark is required in CI: there its absence fails the tshark part with the command
 * to install it; elsewhere that part is skipped when tshark is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simCardFor, traceSimSessions } from '../../src/cli/sim-node.ts';
import { toHex } from '../../src/util/hex.ts';
import type { SimTraceEvent } from '../../src/sim/index.ts';
import { jsonLines, run } from './run.ts';

const file = join(mkdtempSync(join(tmpdir(), 'ccid-cli-capture-')), 'demo.pcap');
const trace: SimTraceEvent[] = [];
let stderr: string[] = [];

/** A CCID message's header fields, as both sides report them. */
interface Header {
  readonly type: number;
  readonly slot: number;
  readonly seq: number;
  readonly length: number;
}

const header = (b: Uint8Array): Header => ({ type: b[0]!, slot: b[5]!, seq: b[6]!, length: b[1]! | (b[2]! << 8) | (b[3]! << 16) | (b[4]! << 24) });

/** Bulk messages the device received (`out`) and sent (`in`), in order; interrupt transfers apart. */
function deviceView(): { out: Uint8Array[]; in: Uint8Array[]; interrupt: Uint8Array[] } {
  // sysmoOCTSIM: interrupt-IN is the 8-byte endpoint; bulk IN carries messages of ≥ 10 bytes.
  const out = trace.filter((e) => e.direction === 'out').map((e) => e.bytes);
  const ins = trace.filter((e) => e.direction === 'in');
  const interruptEp = ins.find((e) => e.bytes[0] === 0x50)?.endpoint;
  return {
    out,
    in: ins.filter((e) => e.endpoint !== interruptEp).map((e) => e.bytes),
    interrupt: ins.filter((e) => e.endpoint === interruptEp).map((e) => e.bytes),
  };
}

beforeAll(async () => {
  const stop = traceSimSessions((e) => trace.push(e));
  try {
    const r = await run(['demo', '--capture', file]);
    expect(r.code).toBe(0);
    stderr = r.stderr;
  } finally {
    stop();
  }
});

describe('ccid demo --capture', () => {
  it('writes the file and says how to read it', () => {
    expect(existsSync(file)).toBe(true);
    expect(stderr.join('\n')).toMatch(new RegExp(`ccid demo: \\d+ USB packets written to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(read it with: ccid decode`));
  });

  it('ccid decode --json reads back exactly the messages the device saw, in order per direction', async () => {
    const r = await run(['decode', '--json', file]);
    expect(r.code).toBe(0);
    const messages = jsonLines<{ dir: string; type: string; slot: number | null; seq: number | null; data: string }>(r);
    const view = deviceView();
    expect(view.out.length).toBeGreaterThan(8 * 4);
    expect(messages.filter((m) => m.dir === 'out').map((m) => m.data)).toEqual(view.out.map((b) => toHex(b, '')));
    expect(messages.filter((m) => m.dir === 'in').map((m) => m.data)).toEqual(view.in.map((b) => toHex(b, '')));
    expect(messages.filter((m) => m.dir === 'interrupt').map((m) => m.data)).toEqual(view.interrupt.map((b) => toHex(b, '')));
    // The 8 slots really ran at the same time: some command of another slot went out between a command and its answer.
    const outs = messages.filter((m) => m.dir !== 'interrupt');
    const interleaved = outs.some((m, i) => m.dir === 'out' && outs[i + 1]?.dir === 'out' && outs[i + 1]?.slot !== m.slot);
    expect(interleaved).toBe(true);
  });
});

function tsharkVersion(): string | undefined {
  try {
    return execFileSync('tshark', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).split('\n')[0];
  } catch {
    return undefined;
  }
}

function tshark(extra: string[], fields: string[]): string[][] {
  const args = ['-r', file, ...extra, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])];
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 })
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

const version = tsharkVersion();
const inCi = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';

if (version === undefined && inCi) {
  describe('tshark decodes the emulator session', () => {
    it('needs tshark', () => {
      expect.fail('tshark is not installed, and CI requires it to check our captures: apt-get install -y --no-install-recommends tshark');
    });
  });
} else {
  describe.skipIf(version === undefined)(`tshark (${version ?? 'not installed: skipped outside CI'}) decodes the emulator session`, () => {
    const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

    it('as USB CCID with no options: message types, slots and sequence numbers equal what the driver sent and got', () => {
      const rows = tshark(['-Y', 'usbccid'], ['usb.endpoint_address', 'usbccid.bMessageType', 'usbccid.bSlot', 'usbccid.bSeq', 'usbccid.dwLength']);
      const ofDirection = (inbound: boolean) => rows.filter((r) => (parseInt(r[0]!, 16) & 0x80) !== 0 === inbound).map((r) => r.slice(1));
      const expected = (messages: Uint8Array[]) => messages.map(header).map((h) => [hex2(h.type), String(h.slot), String(h.seq), String(h.length)]);
      const view = deviceView();
      expect(ofDirection(false)).toEqual(expected(view.out));
      expect(ofDirection(true)).toEqual(expected(view.in));
    });

    it('shows the ATR of every slot in the answers to PC_to_RDR_IccPowerOn', () => {
      const powerOns = deviceView().out.map(header).filter((h) => h.type === 0x62);
      expect(powerOns.map((h) => h.slot).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const rows = tshark(['-Y', 'usbccid.bMessageType == 0x80'], ['usbccid.bSlot', 'usbccid.bSeq', 'data.data']);
      for (const p of powerOns) {
        const answer = rows.find((r) => r[0] === String(p.slot) && r[1] === String(p.seq));
        expect(answer?.[2], `slot ${p.slot}`).toBe(toHex(simCardFor(p.slot + 1).atr, '').toLowerCase());
      }
    });
  });
}
