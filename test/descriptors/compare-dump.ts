/**
 * Value-for-value comparison of a libccid dump block (read by libccid-dump.ts) with a
 * parsed interface description: every number, string and class-request answer the dump
 * states must agree, whatever `parse` version worded it.
 */
import type { CcidInterfaceDescription, ClassRequestResult, DeviceDescription, StringEntry } from '../../src/descriptors/index.ts';
import { CLASS_REQUEST_MAX_VALUES, formatBcd, stringEntryOf } from '../../src/descriptors/index.ts';
import type { DumpAnswer, DumpBlock, DumpString } from './libccid-dump.ts';

/** The text libusb's ASCII string getter gives (code units above 0x7F become '?'). */
function ascii(text: string): string {
  return text.replace(/[^\x00-\x7f]/g, '?');
}

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(0x[0-9A-Fa-f]+|-?\d+)/.exec(text);
  return m === null ? undefined : Number(m[1]!.startsWith('0x') ? parseInt(m[1]!, 16) : m[1]);
}

function compareString(what: string, shown: DumpString | undefined, entry: StringEntry, index: number, out: string[]): void {
  if (shown === undefined) {
    if (entry.kind === 'text') out.push(`${what}: dump shows no string, description has "${entry.text}"`);
    return;
  }
  if (shown.kind === 'index') {
    if (shown.index !== index) out.push(`${what}: dump shows index ${shown.index}, descriptor has ${index}`);
    return;
  }
  if (shown.kind === 'text') {
    if (entry.kind !== 'text' || ascii(entry.text) !== shown.text) out.push(`${what}: dump "${shown.text}", description ${JSON.stringify(entry)}`);
    return;
  }
  if (entry.kind === 'text') out.push(`${what}: dump cannot read it, description has "${entry.text}"`);
  else if (shown.reason === 'LIBUSB_ERROR_INVALID_PARAM') {
    if (entry.kind !== 'none') out.push(`${what}: dump says index 0, description ${JSON.stringify(entry)}`);
  } else if (shown.reason !== undefined && (entry.kind !== 'error' || entry.text !== shown.reason)) {
    out.push(`${what}: dump failure "${shown.reason}", description ${JSON.stringify(entry)}`);
  }
}

function compareAnswer(what: string, shown: DumpAnswer, result: ClassRequestResult, announced: number, expectedWhenZero: number, out: string[]): 'compared' | 'not-shown' {
  if (shown.error !== undefined) {
    if (result.kind !== 'error' || result.text !== shown.error) out.push(`${what}: dump failure "${shown.error}", description ${JSON.stringify(result)}`);
    return 'compared';
  }
  if (shown.wrongSize !== undefined) {
    if (result.kind !== 'values' || result.raw.length !== shown.wrongSize || !result.wrongSize) out.push(`${what}: dump wrong size ${shown.wrongSize}, description ${result.kind}`);
    return 'compared';
  }
  if (shown.values.length === 0 && shown.got === undefined) return 'not-shown';
  if (result.kind !== 'values' || result.wrongSize) {
    out.push(`${what}: dump shows values, description ${result.kind}`);
    return 'compared';
  }
  const expected = announced === 0 ? expectedWhenZero : announced;
  if (shown.got !== undefined && (shown.got.count !== result.values.length || (announced !== 0 && shown.got.expected !== announced))) {
    out.push(`${what}: dump "Got ${shown.got.count} but was expecting ${shown.got.expected}", description has ${result.values.length} values, announces ${announced}`);
  }
  const printed = (expected === 0 ? result.values : result.values.slice(0, expected)).map((v) => v | 0);
  if (printed.join(',') !== shown.values.join(',')) out.push(`${what}: dump [${shown.values.join(',')}], description [${printed.join(',')}]`);
  return 'compared';
}

/** Result of comparing one block. */
export interface BlockComparison {
  mismatches: string[];
  /** Class requests whose result the dump does not show (its `parse` did not print one). */
  notShown: string[];
}

/** Compares every value a dump block states with the description of its interface. */
export function compareBlock(block: DumpBlock, desc: DeviceDescription, itf: CcidInterfaceDescription): BlockComparison {
  const out: string[] = [];
  const f = block.fields;
  const c = itf.ccid;
  const d = desc.device;
  const expect = (key: string, actual: number | string, shown: number | string | undefined) => {
    if (shown === undefined) out.push(`${key}: missing in dump`);
    else if (shown !== actual) out.push(`${key}: dump ${shown}, description ${actual}`);
  };
  expect('idVendor', d.vendorId, num(f.get('idVendor')));
  expect('idProduct', d.productId, num(f.get('idProduct')));
  expect('bcdDevice', formatBcd(d.deviceVersion), f.get('bcdDevice')?.replace(/ \(firmware release\?\)$/, ''));
  compareString('iManufacturer', block.manufacturer, stringEntryOf(desc.stringTable, d.manufacturerIndex), d.manufacturerIndex, out);
  compareString('iProduct', block.product, stringEntryOf(desc.stringTable, d.productIndex), d.productIndex, out);
  expect('bLength', itf.descriptor.raw[0]!, num(f.get('bLength')));
  expect('bDescriptorType', itf.descriptor.raw[1]!, num(f.get('bDescriptorType')));
  expect('bInterfaceNumber', itf.interfaceNumber, num(f.get('bInterfaceNumber')));
  expect('bAlternateSetting', itf.alternateSetting, num(f.get('bAlternateSetting')));
  expect('bNumEndpoints', itf.descriptor.numEndpoints, num(f.get('bNumEndpoints')));
  expect('bInterfaceClass', itf.interfaceClass, num(f.get('bInterfaceClass')));
  expect('bInterfaceSubClass', itf.interfaceSubClass, num(f.get('bInterfaceSubClass')));
  expect('bInterfaceProtocol', itf.interfaceProtocol, num(f.get('bInterfaceProtocol')));
  compareString('iInterface', block.iInterface, itf.interfaceString, itf.interfaceStringIndex, out);
  const protocols = f.get('ccid.dwProtocols')?.replace(/^0x(\w{4}) 0x(\w{4})$/, '0x$1$2');
  const mhz = (key: string) => {
    const m = /^(\d+\.\d+) MHz$/.exec(f.get(key) ?? '');
    return m === null ? undefined : Math.round(Number(m[1]) * 1000);
  };
  expect('ccid.bLength', c.length, num(f.get('ccid.bLength')));
  expect('ccid.bDescriptorType', c.descriptorType, num(f.get('ccid.bDescriptorType')));
  expect('ccid.bcdCCID', formatBcd(c.ccidVersion), f.get('ccid.bcdCCID'));
  expect('ccid.bMaxSlotIndex', c.maxSlotIndex, num(f.get('ccid.bMaxSlotIndex')));
  expect('ccid.bVoltageSupport', c.voltageSupport.value, num(f.get('ccid.bVoltageSupport')));
  expect('ccid.dwProtocols', c.protocols.value, num(protocols));
  expect('ccid.dwDefaultClock', c.defaultClockKhz, mhz('ccid.dwDefaultClock'));
  expect('ccid.dwMaximumClock', c.maximumClockKhz, mhz('ccid.dwMaximumClock'));
  expect('ccid.bNumClockSupported', c.numClockSupported, num(f.get('ccid.bNumClockSupported')));
  expect('ccid.dwDataRate', c.dataRate | 0, num(f.get('ccid.dwDataRate')));
  expect('ccid.dwMaxDataRate', c.maxDataRate | 0, num(f.get('ccid.dwMaxDataRate')));
  expect('ccid.bNumDataRatesSupported', c.numDataRatesSupported, num(f.get('ccid.bNumDataRatesSupported')));
  expect('ccid.dwMaxIFSD', c.maxIfsd | 0, num(f.get('ccid.dwMaxIFSD')));
  expect('ccid.dwSynchProtocols', c.synchProtocols.value, num(f.get('ccid.dwSynchProtocols')));
  expect('ccid.dwMechanical', c.mechanical.value, num(f.get('ccid.dwMechanical')));
  expect('ccid.dwFeatures', c.features.value, num(f.get('ccid.dwFeatures')));
  expect('ccid.dwMaxCCIDMessageLength', c.maxCcidMessageLength | 0, num(f.get('ccid.dwMaxCCIDMessageLength')));
  expect('ccid.bClassGetResponse', c.classGetResponse, num(f.get('ccid.bClassGetResponse')));
  expect('ccid.bClassEnvelope', c.classEnvelope, num(f.get('ccid.bClassEnvelope')));
  expect('ccid.wLcdLayout', c.lcdLayout.value, num(f.get('ccid.wLcdLayout')));
  expect('ccid.bPINSupport', c.pinSupport.value, num(f.get('ccid.bPINSupport')));
  expect('ccid.bMaxCCIDBusySlots', c.maxCcidBusySlots, num(f.get('ccid.bMaxCCIDBusySlots')));
  const notShown: string[] = [];
  if (compareAnswer('clock frequencies', block.clocks, itf.clockFrequencies, c.numClockSupported, CLASS_REQUEST_MAX_VALUES, out) === 'not-shown') notShown.push('clock frequencies');
  if (compareAnswer('data rates', block.dataRates, itf.dataRates, c.numDataRatesSupported, 0, out) === 'not-shown') notShown.push('data rates');
  return { mismatches: out, notShown };
}
