/**
 * The text layout of libccid's `parse` tool (the dumps in libccid's `readers/` folder), in
 * today's wording, so that a dump made by ccid can be compared with, and contributed to,
 * libccid's reader database. One block per CCID interface; the device part is repeated
 * in each block, as `parse` prints it.
 *
 * Differences from `parse`, on purpose:
 * - every interface ccid accepts is printed, including a vendor-class (0xFF) interface
 *   whose CCID descriptor follows its endpoints (Reiner SCT), which today's `parse` skips;
 * - the class requests are read with a 1024-byte buffer (see CLASS_REQUEST_MAX_VALUES), so
 *   a reader that returns more values than it announces gets the "Got N ... but was
 *   expecting M" line, as in the dumps of the `parse` versions that did the same;
 * - "Can't get iManufacturer/iProduct string" lines, which `parse` writes to its standard
 *   output rather than to the dump file, are included (as in dumps made by redirecting both).
 */
import type { DeviceDescription } from './description.ts';
import type { CcidInterfaceDescription, StringEntry } from './ccid-interface.ts';
import type { ClassRequestResult } from './class-requests.ts';
import { CLASS_REQUEST_MAX_VALUES } from './class-requests.ts';
import { stringEntryOf } from './description.ts';
import { formatBcd } from './device.ts';
import { USB_CLASS_CCID } from './constants.ts';

/** What libusb says when asked for string index 0 ("no string"). */
const TEXT_NO_STRING = 'LIBUSB_ERROR_INVALID_PARAM';

function hex(value: number, digits: number): string {
  return (value >>> 0).toString(16).toUpperCase().padStart(digits, '0');
}

/** C's `%d` of a value `parse` holds as `unsigned int`: values ≥ 2^31 print negative. */
function int32(value: number): string {
  return String(value | 0);
}

/** `%.3f` of kHz / 1000, computed exactly on the integer. */
function mhz(khz: number): string {
  const v = khz >>> 0;
  return `${Math.floor(v / 1000)}.${String(v % 1000).padStart(3, '0')}`;
}

/**
 * A string as libusb_get_string_descriptor_ascii gives it: UTF-16 code units above 0x7F
 * become '?', and C's `%s` stops at a NUL.
 */
function ascii(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) break;
    out += c > 0x7f ? '?' : text[i];
  }
  return out;
}

function stringLine(indent: string, field: string, entry: StringEntry): string {
  if (entry.kind === 'text') return `${indent}${field}: ${ascii(entry.text)}`;
  return `${indent}Can't get ${field} string: ${entry.kind === 'none' ? TEXT_NO_STRING : entry.text}`;
}

const ENDPOINT_LINES = ['  Control only', '  Interrupt-IN', '  bulk-IN and bulk-OUT', '  bulk-IN, bulk-OUT and Interrupt-IN'];
const PROTOCOL_LINES = [
  '  bulk transfer, optional interrupt-IN (CCID)',
  '  ICCD Version A, Control transfers, (no interrupt-IN)',
  '  ICCD Version B, Control transfers, (optional interrupt-IN)',
];

/**
 * The answer lines of one class request, with `parse`'s count check and truncation. An
 * announced count of 0 means "expect `expectedWhenZero`": 256 for clocks (parse then asks
 * for its whole buffer), none for data rates. (`parse` spells the two requests differently.)
 */
function answerLines(result: ClassRequestResult, requestName: string, noun: string, unit: string, announced: number, expectedWhenZero: number): string[] {
  if (result.kind === 'not-requested') return [];
  if (result.kind === 'error') return [`   IFD does not support ${requestName} request: ${result.text}`];
  let n = result.raw.length;
  if (n % 4 !== 0) return [`   wrong size for ${requestName}: ${n}`];
  const lines: string[] = [];
  const expected = announced === 0 ? expectedWhenZero : announced;
  if (expected !== 0 && n !== expected * 4) {
    lines.push(`   Got ${n / 4} ${noun} but was expecting ${expected}`);
    if (n > expected * 4) n = expected * 4;
  }
  for (let i = 0; i < n / 4; i++) lines.push(`   Support ${int32(result.values[i]!)} ${unit}`);
  return lines;
}

function featureLines(itf: CcidInterfaceDescription): string[] {
  const raw = itf.ccid.raw;
  const dwFeatures = itf.ccid.features.value;
  const lines = [`  dwFeatures: 0x${hex(dwFeatures, 8)}`];
  if (dwFeatures === 0) lines.push('   No special characteristics');
  const b0 = raw[40]!;
  const b1 = raw[41]!;
  const b2 = raw[42]!;
  const bits: [boolean, string][] = [
    [(b0 & 0x02) !== 0, '....02 Automatic parameter configuration based on ATR data'],
    [(b0 & 0x04) !== 0, '....04 Automatic activation of ICC on inserting'],
    [(b0 & 0x08) !== 0, '....08 Automatic ICC voltage selection'],
    [(b0 & 0x10) !== 0, '....10 Automatic ICC clock frequency change according to parameters'],
    [(b0 & 0x20) !== 0, '....20 Automatic baud rate change according to frequency and Fi, Di params'],
    [(b0 & 0x40) !== 0, '....40 Automatic parameters negotiation made by the CCID'],
    [(b0 & 0x80) !== 0, '....80 Automatic PPS made by the CCID'],
    [(b1 & 0x01) !== 0, '..01.. CCID can set ICC in clock stop mode'],
    [(b1 & 0x02) !== 0, '..02.. NAD value other than 00 accepted (T=1)'],
    [(b1 & 0x04) !== 0, '..04.. Automatic IFSD exchange as first exchange (T=1)'],
    [(b1 & 0x08) !== 0, '..08.. ICCD token'],
  ];
  for (const [set, text] of bits) if (set) lines.push(`   ${text}`);
  // parse switches on the three level bits together: a combination prints no level line.
  const level = ['00.... Character level exchange', '01.... TPDU level exchange', '02.... Short APDU level exchange', undefined, '04.... Short and Extended APDU level exchange'][b2 & 0x07];
  if (level !== undefined) lines.push(`   ${level}`);
  if (b2 & 0x10) lines.push('   10.... USB Wake up signaling supported on card insertion and removal');
  return lines;
}

/** The `parse` block of one interface. */
export function formatLibccidInterface(desc: DeviceDescription, itf: CcidInterfaceDescription): string[] {
  const d = desc.device;
  const c = itf.ccid;
  const raw = c.raw;
  const lines = [
    ` idVendor: 0x${hex(d.vendorId, 4)}`,
    stringLine('  ', 'iManufacturer', stringEntryOf(desc.stringTable, d.manufacturerIndex)),
    ` idProduct: 0x${hex(d.productId, 4)}`,
    stringLine('  ', 'iProduct', stringEntryOf(desc.stringTable, d.productIndex)),
    ` bcdDevice: ${formatBcd(d.deviceVersion)} (firmware release?)`,
    ` bLength: ${itf.descriptor.raw[0]}`,
    ` bDescriptorType: ${itf.descriptor.raw[1]}`,
    ` bInterfaceNumber: ${itf.interfaceNumber}`,
    ` bAlternateSetting: ${itf.alternateSetting}`,
    ` bNumEndpoints: ${itf.descriptor.numEndpoints}`,
    ENDPOINT_LINES[itf.descriptor.numEndpoints] ?? '  UNKNOWN value',
  ];
  if (itf.interfaceClass === USB_CLASS_CCID) {
    lines.push(` bInterfaceClass: 0x${hex(itf.interfaceClass, 2)} [Chip Card Interface Device Class (CCID)]`);
  } else {
    lines.push(` bInterfaceClass: 0x${hex(itf.interfaceClass, 2)}`, '  NOT A CCID DEVICE', '  Class is 0xFF (proprietary)');
  }
  lines.push(` bInterfaceSubClass: ${itf.interfaceSubClass}`);
  if (itf.interfaceSubClass !== 0) lines.push('  UNSUPPORTED SubClass');
  lines.push(` bInterfaceProtocol: ${itf.interfaceProtocol}`, PROTOCOL_LINES[itf.interfaceProtocol] ?? '  UNSUPPORTED InterfaceProtocol');
  lines.push(stringLine(' ', 'iInterface', itf.interfaceString));
  lines.push(' CCID Class Descriptor', `  bLength: 0x${hex(c.length, 2)}`, `  bDescriptorType: 0x${hex(c.descriptorType, 2)}`);
  if (c.descriptorType === 0xff) lines.push('   PROPRIETARY bDescriptorType');
  lines.push(`  bcdCCID: ${formatBcd(c.ccidVersion)}`, `  bMaxSlotIndex: 0x${hex(c.maxSlotIndex, 2)}`, `  bVoltageSupport: 0x${hex(c.voltageSupport.value, 2)}`);
  if (c.voltageSupport.v5_0) lines.push('   5.0V');
  if (c.voltageSupport.v3_0) lines.push('   3.0V');
  if (c.voltageSupport.v1_8) lines.push('   1.8V');
  lines.push(`  dwProtocols: 0x${hex(raw[9]!, 2)}${hex(raw[8]!, 2)} 0x${hex(raw[7]!, 2)}${hex(raw[6]!, 2)}`);
  if (c.protocols.t0) lines.push('   T=0');
  if (c.protocols.t1) lines.push('   T=1');
  lines.push(`  dwDefaultClock: ${mhz(c.defaultClockKhz)} MHz`, `  dwMaximumClock: ${mhz(c.maximumClockKhz)} MHz`);
  lines.push(`  bNumClockSupported: ${c.numClockSupported}${c.numClockSupported ? '' : ' (will use whatever is returned)'}`);
  lines.push(...answerLines(itf.clockFrequencies, 'GET CLOCK FREQUENCIES', 'clock frequencies', 'kHz', c.numClockSupported, CLASS_REQUEST_MAX_VALUES));
  lines.push(`  dwDataRate: ${int32(c.dataRate)} bps`, `  dwMaxDataRate: ${int32(c.maxDataRate)} bps`);
  lines.push(`  bNumDataRatesSupported: ${c.numDataRatesSupported}${c.numDataRatesSupported ? '' : ' (will use whatever is returned)'}`);
  lines.push(...answerLines(itf.dataRates, 'GET_DATA_RATES', 'data rates', 'bps', c.numDataRatesSupported, 0));
  lines.push(`  dwMaxIFSD: ${int32(c.maxIfsd)}`, `  dwSynchProtocols: 0x${hex(c.synchProtocols.value, 8)}`);
  if (c.synchProtocols.twoWire) lines.push('   2-wire protocol');
  if (c.synchProtocols.threeWire) lines.push('   3-wire protocol');
  if (c.synchProtocols.i2c) lines.push('   I2C protocol');
  lines.push(`  dwMechanical: 0x${hex(c.mechanical.value, 8)}`);
  // parse tests only the low byte for "No special characteristics".
  if ((c.mechanical.value & 0xff) === 0) lines.push('   No special characteristics');
  if (c.mechanical.accept) lines.push('   Card accept mechanism');
  if (c.mechanical.ejection) lines.push('   Card ejection mechanism');
  if (c.mechanical.capture) lines.push('   Card capture mechanism');
  if (c.mechanical.lockUnlock) lines.push('   Card lock/unlock mechanism');
  lines.push(...featureLines(itf));
  lines.push(`  dwMaxCCIDMessageLength: ${int32(c.maxCcidMessageLength)} bytes`, `  bClassGetResponse: 0x${hex(c.classGetResponse, 2)}`);
  if (c.classGetResponse === 0xff) lines.push('   echoes the APDU class');
  lines.push(`  bClassEnvelope: 0x${hex(c.classEnvelope, 2)}`);
  if (c.classEnvelope === 0xff) lines.push('   echoes the APDU class');
  lines.push(`  wLcdLayout: 0x${hex(c.lcdLayout.value, 4)}`);
  if (c.lcdLayout.lines) lines.push(`   ${String(c.lcdLayout.lines).padStart(2)} lines`);
  if (c.lcdLayout.charactersPerLine) lines.push(`   ${String(c.lcdLayout.charactersPerLine).padStart(2)} characters per line`);
  lines.push(`  bPINSupport: 0x${hex(c.pinSupport.value, 2)}`);
  if (c.pinSupport.verification) lines.push('   PIN Verification supported');
  if (c.pinSupport.modification) lines.push('   PIN Modification supported');
  lines.push(`  bMaxCCIDBusySlots: ${c.maxCcidBusySlots}`);
  return lines;
}

/**
 * The lines today's libccid `parse` prints for the device, one block per CCID interface in
 * configuration order (see the module notes for the deliberate differences).
 *
 * @example
 * ```ts
 * console.log(formatLibccidParse(parseDescriptorSet(fixture)).join('\n'));
 * ```
 */
export function formatLibccidParse(desc: DeviceDescription): string[] {
  return desc.interfaces.flatMap((itf) => formatLibccidInterface(desc, itf));
}
