/**
 * Runs on the HOST after the QEMU-reader guest run: checks what the guest left in the
 * results directory against independent sources.
 *
 * - `ccid list --json` names 08e6:4433 with one slot;
 * - `ccid info --json` against `lsusb -v` of the same device (usbutils' own descriptor
 *   parser) field by field, and its raw descriptor bytes against the kernel's copy
 *   (`/sys/bus/usb/devices/<dev>/descriptors`: device descriptor + configuration);
 * - the `--capture` pcap of the power-on / SELECT / GET RESPONSE / power-off session,
 *   decoded by tshark (Wireshark's USB CCID dissector, not our decoder).
 *
 *   npx tsx test/usb/testbed/check-qemu-reader.ts RESULTS_DIR
 *
 * Prints PASS/FAIL lines; exit status 0 only when every check passed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: check-qemu-reader.ts RESULTS_DIR');
  process.exit(2);
}
let failures = 0;
function check(name: string, ok: boolean, detail: string): void {
  if (!ok) failures++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
}

function readJson(file: string): unknown {
  const path = join(dir!, file);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `lsusb -v` lines `  name   value ...` → first value word per field name (first occurrence). */
function lsusbFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s+([A-Za-z][A-Za-z0-9.]*)\s+(\S+)/.exec(line);
    if (m !== null && !fields.has(m[1]!)) fields.set(m[1]!, m[2]!);
  }
  return fields;
}

function hexWords(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

interface InfoJson {
  reader: string;
  device: { raw: string; usbVersion: number };
  configuration: { raw: string };
  interfaces: {
    slotCount: number;
    ccid: {
      ccidVersion: number;
      maxSlotIndex: number;
      voltageSupport: { value: number };
      protocols: { value: number };
      defaultClockKhz: number;
      maximumClockKhz: number;
      dataRate: number;
      maxDataRate: number;
      maxIfsd: number;
      features: { value: number };
      maxCcidMessageLength: number;
      pinSupport: { value: number };
      maxCcidBusySlots: number;
    };
    endpoints: Record<string, { address: number; maxPacketSize: number } | undefined>;
  }[];
}

// ---------------------------------------------------------------- the session on each backend
for (const [file, backend] of [['qemu-reader.json', 'libusb (npm usb 2.x)'], ['qemu-reader-nusb.json', 'nusb (npm usb 3.x)']] as const) {
  const run = readJson(file) as { ok: boolean; checks: { name: string; ok: boolean }[] } | undefined;
  const failed = run?.checks.filter((c) => !c.ok).map((c) => c.name) ?? [];
  check(`session on ${backend}`, run?.ok === true, run === undefined ? `${file} missing` : `${run.checks.length} guest checks${failed.length > 0 ? `, failed: ${failed.join(', ')}` : ' passed'}`);
}

// ---------------------------------------------------------------- ccid list
const list = readJson('list.json') as { reader: string; interfaces: { slots: number }[] }[] | undefined;
const listed = list?.find((r) => r.reader === '08e6:4433');
check('ccid list', listed !== undefined && listed.interfaces[0]?.slots === 1, listed === undefined ? 'no 08e6:4433 in list.json' : `08e6:4433, ${listed.interfaces[0]?.slots} slot`);

// ---------------------------------------------------------------- ccid info vs lsusb -v and sysfs
const infoArray = readJson('info.json') as InfoJson[] | undefined;
const info = infoArray?.find((r) => r.reader === '08e6:4433');
const lsusbPath = join(dir, 'lsusb.txt');
if (info === undefined || !existsSync(lsusbPath)) {
  check('ccid info vs lsusb -v', false, 'info.json or lsusb.txt missing');
} else {
  const ls = lsusbFields(readFileSync(lsusbPath, 'utf8'));
  const itf = info.interfaces[0]!;
  const c = itf.ccid;
  const bcd = (v: number): string => `${(v >> 8).toString(16)}.${(v & 0xff).toString(16).padStart(2, '0')}`;
  const pairs: [string, string | undefined, string][] = [
    ['idVendor', ls.get('idVendor'), '0x08e6'],
    ['idProduct', ls.get('idProduct'), '0x4433'],
    ['bcdUSB', ls.get('bcdUSB'), bcd(info.device.usbVersion)],
    ['bcdCCID', ls.get('bcdCCID'), bcd(c.ccidVersion)],
    ['bMaxSlotIndex', ls.get('nMaxSlotIndex'), String(c.maxSlotIndex)],
    ['bVoltageSupport', ls.get('bVoltageSupport'), String(c.voltageSupport.value)],
    ['dwProtocols', ls.get('dwProtocols'), String(c.protocols.value)],
    ['dwDefaultClock', ls.get('dwDefaultClock'), String(c.defaultClockKhz)],
    ['dwMaximumClock', ls.get('dwMaxiumumClock'), String(c.maximumClockKhz)],
    ['dwDataRate', ls.get('dwDataRate'), String(c.dataRate)],
    ['dwMaxDataRate', ls.get('dwMaxDataRate'), String(c.maxDataRate)],
    ['dwMaxIFSD', ls.get('dwMaxIFSD'), String(c.maxIfsd)],
    ['dwFeatures', ls.get('dwFeatures')?.toUpperCase(), c.features.value.toString(16).toUpperCase().padStart(8, '0')],
    ['dwMaxCCIDMessageLength', ls.get('dwMaxCCIDMsgLen'), String(c.maxCcidMessageLength)],
    ['bPINSupport', ls.get('bPINSupport'), String(c.pinSupport.value)],
    ['bMaxCCIDBusySlots', ls.get('bMaxCCIDBusySlots'), String(c.maxCcidBusySlots)],
  ];
  const wrong = pairs.filter(([, a, b]) => a?.toLowerCase() !== b.toLowerCase());
  check(
    'ccid info vs lsusb -v',
    wrong.length === 0,
    wrong.length === 0 ? `${pairs.length} fields agree (${pairs.map(([n, , v]) => `${n} ${v}`).join(', ')})` : wrong.map(([n, a, b]) => `${n}: lsusb ${a ?? '(missing)'} ≠ ccid ${b}`).join('; '),
  );
  const lsEndpoints = [...readFileSync(lsusbPath, 'utf8').matchAll(/bEndpointAddress\s+0x([0-9a-f]{2})/g)].map((m) => parseInt(m[1]!, 16)).sort((a, b) => a - b);
  const ours = Object.values(itf.endpoints)
    .map((e) => e?.address ?? -1)
    .sort((a, b) => a - b);
  check('endpoints', lsEndpoints.join(',') === ours.join(','), `lsusb ${lsEndpoints.map((a) => a.toString(16)).join(' ')}; ccid info ${ours.map((a) => a.toString(16)).join(' ')}`);
  const sysfsPath = join(dir, 'sysfs-descriptors.hex');
  if (existsSync(sysfsPath)) {
    const kernel = hexWords(readFileSync(sysfsPath, 'utf8'));
    const mine = hexWords(info.device.raw) + hexWords(info.configuration.raw);
    check('raw descriptors vs kernel', kernel === mine, `${mine.length / 2} bytes read over control transfers ${kernel === mine ? '=' : '≠'} the kernel's ${kernel.length / 2} in sysfs`);
  } else {
    check('raw descriptors vs kernel', false, 'sysfs-descriptors.hex missing');
  }
}

// ---------------------------------------------------------------- the pcap, through tshark
const pcap = join(dir, 'qemu-reader.pcap');
if (!existsSync(pcap)) {
  check('pcap', false, 'qemu-reader.pcap missing');
} else {
  let out = '';
  try {
    out = execFileSync('tshark', ['-r', pcap, '-Y', 'usbccid', '-T', 'fields', '-e', 'usbccid.bMessageType', '-e', 'usbccid.bSeq', '-e', 'data.data'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    check('pcap', false, `tshark failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const messages = out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [type, seq, data] = l.split('\t');
      return { type: parseInt(type!, 16), seq: Number(seq), data: (data ?? '').toUpperCase() };
    });
  const types = messages.map((m) => m.type);
  const atr = messages.find((m) => m.type === 0x80 && m.data.startsWith('3B7A'));
  const xfr = messages.filter((m) => m.type === 0x6f);
  const blocks = messages.filter((m) => m.type === 0x80).map((m) => m.data);
  const ok =
    types.includes(0x62) &&
    atr?.data === '3B7A180000736674652063643134 34'.replace(/ /g, '') &&
    xfr.length >= 2 &&
    xfr.some((m) => m.data === '00C000000D') &&
    blocks.includes('610D') &&
    types.includes(0x63);
  check(
    'pcap decoded by tshark',
    ok,
    `${messages.length} CCID messages: ${[...new Set(types)].map((t) => `0x${t.toString(16)}`).join(' ')}; ATR ${atr?.data ?? '(none)'}; XfrBlocks ${xfr.map((m) => m.data).join(' | ')}; DataBlocks ${blocks.join(' | ')}`,
  );
}

console.log(failures === 0 ? 'OK host checks of the QEMU reader run' : `FAILED ${failures} host check(s) of the QEMU reader run`);
process.exit(failures === 0 ? 0 : 1);
