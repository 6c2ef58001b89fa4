/**
 * Runs INSIDE the test-bed guest, against QEMU's own CCID reader (usb-ccid +
 * ccid-card-emulated, VID:PID 08e6:4433), through a Node USB backend (npm `usb` 2.x on
 * libusb, or 3.x on nusb) and the guest kernel:
 * slot status before power-on, power on (ATR), a CAC SELECT answered `61 0D` followed by
 * the GET RESPONSE it asks for, power off. Every CCID frame is traced, so the raw `61 0D`
 * is checked even though `transmit` fetches the rest itself (ISO/IEC 7816-4 §5.3.4).
 *
 *   node guest-qemu-reader.js [--usb libusb|nusb] [--capture FILE.pcap] [--json FILE]
 *
 * Prints one line per step; exit status 0 only when every check passed.
 */
import { writeFileSync } from 'node:fs';
import { openCaptureFile, type CaptureFile } from '../../../src/cli/capture-node.ts';
import { describeDevice } from '../../../src/descriptors/read.ts';
import { createNodeUsbHost, parseNodeUsbBackend } from '../../../src/usb/node-backend.ts';
import { openReader } from '../../../src/reader/index.ts';
import type { UsbDevice } from '../../../src/usb/transport.ts';
import { fromHex, toHex } from '../../../src/util/hex.ts';

const EXPECTED_ATR = '3B 7A 18 00 00 73 66 74 65 20 63 64 31 34 34';
/** CAC applets of libcacard, tried in this order (GSC-IS 2.1): PKI 0, CCC, ACA. */
const CAC_AIDS = ['A0 00 00 00 79 01 00', 'A0 00 00 01 16 DB 00', 'A0 00 00 00 79 03 00'];
const PC_to_RDR_XfrBlock = 0x6f;
const RDR_to_PC_DataBlock = 0x80;

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const checks: Check[] = [];
const facts: Record<string, unknown> = {};
function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const capturePath = argValue('--capture');
  const jsonPath = argValue('--json');
  const t0 = performance.now();
  const backend = parseNodeUsbBackend(argValue('--usb') ?? 'libusb');
  facts.backend = backend;
  const host = createNodeUsbHost({ backend });
  const devices = await host.getDevices();
  const found = devices.find((d) => d.vendorId === 0x08e6 && d.productId === 0x4433);
  check('device', found !== undefined, `${devices.length} CCID device(s): ${devices.map((d) => `${d.vendorId.toString(16)}:${d.productId.toString(16)}`).join(', ')}`);
  if (found === undefined) return 1;
  let capture: CaptureFile | undefined;
  let device: UsbDevice = found;
  if (capturePath !== undefined) {
    capture = openCaptureFile(capturePath);
    device = capture.wrap(found);
  }
  const frames: { dir: string; bytes: Uint8Array }[] = [];
  // npm usb v3 refuses interface-recipient control transfers on an unclaimed interface
  // ("invalid state"): with CCID_RAW_DESCRIBE=1 openReader reads the descriptors itself
  // (class requests included) and the run shows whether that works on a real device.
  const description = process.env.CCID_RAW_DESCRIBE === '1' ? undefined : await describeDevice(device, { classRequests: false });
  const reader = await openReader(device, {
    ...(description === undefined ? {} : { description }),
    trace: (dir, bytes) => frames.push({ dir, bytes: bytes.slice() }),
  });
  const tOpen = performance.now();
  facts.openMs = Math.round(tOpen - t0);
  try {
    const slot = reader.slots[0]!;
    facts.quirks = reader.quirks.map((q) => q.kind);
    const before = await slot.status();
    facts.statusBeforePowerOn = before.card;
    console.log(`info status before power on (after openReader): ${before.card}`);
    const firstStatus = frames.find((f) => f.dir === 'in' && f.bytes[0] === 0x81);
    if (firstStatus !== undefined) {
      // bmICCStatus in bits 0-1 of bStatus (CCID 1.1 §6.2.6): 0 = present and active.
      facts.firstSlotStatusIcc = firstStatus.bytes[7]! & 0x03;
      console.log(`info first RDR_to_PC_SlotStatus seen: bmICCStatus ${facts.firstSlotStatusIcc} (0 = present and active)`);
    }
    const tOn = performance.now();
    const on = await slot.powerOn();
    facts.powerOnMs = Math.round(performance.now() - tOn);
    const atr = toHex(on.atr);
    check('ATR', atr === EXPECTED_ATR, `${atr} (protocol T=${String(on.protocol)}, ${facts.powerOnMs} ms)`);

    let selected = false;
    for (const aid of CAC_AIDS) {
      const aidBytes = fromHex(aid);
      const apdu = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, aidBytes.length, ...aidBytes);
      const mark = frames.length;
      const tx = performance.now();
      const response = await slot.transmit(apdu);
      const ms = Math.round(performance.now() - tx);
      const exchanged = frames.slice(mark);
      const outs = exchanged.filter((f) => f.dir === 'out' && f.bytes[0] === PC_to_RDR_XfrBlock).map((f) => f.bytes.subarray(10));
      const ins = exchanged.filter((f) => f.dir === 'in' && f.bytes[0] === RDR_to_PC_DataBlock).map((f) => f.bytes.subarray(10));
      console.log(`info SELECT ${aid}: ${outs.length} XfrBlock(s); responses ${ins.map((d) => toHex(d)).join(' | ')} (${ms} ms)`);
      if (ins.length === 0 || toHex(ins[0]!) !== '61 0D') continue;
      selected = true;
      facts.selectAid = aid;
      check('SELECT answers 61 0D', true, `SELECT ${aid} → ${toHex(ins[0]!)}`);
      const getResponse = outs[1] === undefined ? '' : toHex(outs[1]);
      check('GET RESPONSE follows', getResponse === '00 C0 00 00 0D', `next command ${getResponse || '(none)'}`);
      const last = ins[1];
      check(
        'GET RESPONSE answer',
        last !== undefined && last.length === 15 && last[13] === 0x90 && last[14] === 0x00,
        last === undefined ? '(none)' : `${toHex(last)} (${last.length - 2} data bytes + SW)`,
      );
      check('transmit result', response.sw === 0x9000 && response.data.length === 13, `sw ${response.sw.toString(16)}, ${response.data.length} data bytes`);
      facts.selectMs = ms;
      break;
    }
    if (!selected) check('SELECT answers 61 0D', false, `none of ${CAC_AIDS.join(', ')} answered 61 0D`);

    await slot.powerOff();
    const after = await slot.status();
    check('power off', after.card === 'inactive', `slot status after power off: ${after.card}`);
    facts.stats = reader.stats();
  } finally {
    await reader.close();
    capture?.close();
  }
  facts.totalMs = Math.round(performance.now() - t0);
  if (capture !== undefined) facts.capturePackets = capture.packets;
  const ok = checks.every((c) => c.ok);
  if (jsonPath !== undefined) writeFileSync(jsonPath, `${JSON.stringify({ ok, checks, facts }, null, 2)}\n`);
  console.log(`${ok ? 'OK' : 'FAILED'} qemu-reader (${String(facts.backend)}): ${checks.filter((c) => c.ok).length}/${checks.length} checks, ${facts.totalMs} ms in the guest`);
  return ok ? 0 : 1;
}

// Explicit exit: a native transfer still pending in npm usb must not keep the guest run alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.log(`FAIL qemu-reader: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
