/**
 * `ccid decode FILE.pcap|FILE.pcapng`: the CCID conversation in a USB capture (Linux
 * usbmon or Windows USBPcap, pcap or pcapng), responses split over several transfers
 * reassembled. One line per message; `--json` gives one object per line:
 *
 * `{"dir":"out"|"in"|"interrupt","type":"PC_to_RDR_XfrBlock","slot":0,"seq":37,"data":"6F05…","device":"1.2","frames":[2249,2249]}`
 *
 * `data` is the whole message (10-byte header and abData; for interrupt messages the whole
 * transfer) as upper-case hex without separators, like the hex column of
 * `gcc_bad_habit_usb.ccid.tsv`. `slot` and `seq` are null for RDR_to_PC_NotifySlotChange.
 * `"complete": false` is added for a message the capture cut short.
 */
import { readFileSync, statSync } from 'node:fs';
import { describeMessage } from '../../ccid/describe.ts';
import { ArgumentError, CaptureError } from '../../errors.ts';
import { CcidConversation, type CaptureDeviceId, type ConversationMessage } from '../../pcap/conversation.ts';
import { readUsbPackets } from '../../pcap/usb-packet.ts';
import { hexByte, toHex } from '../../util/hex.ts';
import type { Command } from '../command.ts';
import { jsonLine, style, type Output } from '../output.ts';

/** Captures larger than this are refused (they are read into memory whole). */
const MAX_CAPTURE_BYTES = 1 << 30;

function parseDevice(text: string): CaptureDeviceId {
  const m = /^(\d{1,5})\.(\d{1,3})$/.exec(text);
  if (m === null) throw new ArgumentError(`--device takes BUS.DEVICE, e.g. 1.2 (got "${text}")`);
  return { bus: Number(m[1]), device: Number(m[2]) };
}

function readCapture(path: string): Uint8Array {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new ArgumentError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (size > MAX_CAPTURE_BYTES) throw new ArgumentError(`${path} is ${size} bytes; captures over 1 GiB are not decoded (cut it with editcap)`);
  return new Uint8Array(readFileSync(path));
}

function describe(m: ConversationMessage): string {
  if (m.decoded !== undefined) return describeMessage(m.decoded);
  const where = m.slot === undefined ? '' : ` slot=${m.slot} seq=0x${hexByte(m.seq ?? 0)}`;
  return `${m.type}${where} (${m.complete ? 'malformed' : `incomplete: ${m.data.length} bytes`})`;
}

const ARROWS = { out: '>', in: '<', interrupt: '!' } as const;
const COLOURS = { out: 'cyan', in: 'green', interrupt: 'yellow' } as const;

/** Time of the capture's first packet: message times are shown relative to it, as Wireshark does. */
interface Origin {
  readonly sec: number;
  readonly nsec: number;
}

function humanLine(out: Output, m: ConversationMessage, t0: Origin): string {
  const frames = m.frames[0] === m.frames[1] ? `${m.frames[0]}` : `${m.frames[0]}-${m.frames[1]}`;
  const seconds = (m.tsSec - t0.sec + (m.tsNsec - t0.nsec) / 1e9).toFixed(6);
  const text = describe(m);
  const shown = m.decoded === undefined ? style(out, 'red', text) : text;
  return `${frames.padStart(11)} ${seconds.padStart(12)}  ${m.bus}.${m.device}  ${style(out, COLOURS[m.dir], ARROWS[m.dir])} ${shown}  | ${toHex(m.data)}`;
}

function jsonOf(m: ConversationMessage): string {
  return jsonLine({
    dir: m.dir,
    type: m.type,
    slot: m.slot ?? null,
    seq: m.seq ?? null,
    data: toHex(m.data, ''),
    device: `${m.bus}.${m.device}`,
    frames: m.frames,
    ...(m.complete ? {} : { complete: false }),
  });
}

/** `ccid decode`. */
export const decodeCommand: Command = {
  name: 'decode',
  usage: '[--json] [--device BUS.DEV] FILE.pcap|FILE.pcapng',
  summary: 'print the CCID conversation in a USB capture (usbmon or USBPcap; pcap or pcapng)',
  options: [{ name: 'device', takesValue: true, description: 'only this device, e.g. 1.2 (default: every device with CCID traffic)' }],
  async run(args, out) {
    const [path, ...extra] = args.positionals;
    if (path === undefined || extra.length > 0) throw new ArgumentError('decode takes one capture file (pcap or pcapng)');
    const deviceOption = args.options.get('device');
    const device = typeof deviceOption === 'string' ? parseDevice(deviceOption) : undefined;
    const json = args.options.has('json');
    const conversation = new CcidConversation(device === undefined ? {} : { device });
    const counts = { out: 0, in: 0, interrupt: 0, reassembled: 0, incomplete: 0 };
    let t0: Origin | undefined;
    let packets = 0;
    const devices = new Set<string>();
    const emit = (messages: ConversationMessage[]) => {
      for (const m of messages) {
        counts[m.dir]++;
        if (m.frames[0] !== m.frames[1]) counts.reassembled++;
        if (!m.complete) counts.incomplete++;
        out.line(json ? jsonOf(m) : humanLine(out, m, t0 ?? { sec: m.tsSec, nsec: m.tsNsec }));
      }
    };
    let failure: CaptureError | undefined;
    try {
      for (const packet of readUsbPackets(readCapture(path))) {
        t0 ??= { sec: packet.tsSec, nsec: packet.tsNsec };
        packets++;
        devices.add(`${packet.bus}.${packet.device}`);
        emit(conversation.push(packet));
      }
    } catch (error) {
      if (!(error instanceof CaptureError)) throw error;
      failure = error;
    }
    emit(conversation.end());
    const total = counts.out + counts.in + counts.interrupt;
    if (!json) {
      out.line('');
      out.line(
        `${total} CCID messages (${counts.out} out, ${counts.in} in, ${counts.interrupt} interrupt) from ${conversation.ccidDevices.join(', ') || 'no device'}; ` +
          `${counts.reassembled} reassembled from several transfers${counts.incomplete > 0 ? `, ${counts.incomplete} incomplete` : ''}; ${packets} USB packets read`,
      );
    }
    if (failure !== undefined) {
      out.error(`ccid decode: ${path}: ${failure.message} [${failure.code}] (messages up to that point are shown)`);
      return 1;
    }
    if (total === 0) {
      const seen = [...devices].join(', ');
      out.error(`ccid decode: no CCID traffic in ${path}${device === undefined ? '' : ` for device ${device.bus}.${device.device}`} (USB devices seen: ${seen || 'none'})`);
      return 1;
    }
    return 0;
  },
};
