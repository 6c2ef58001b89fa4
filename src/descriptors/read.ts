/**
 * Reading a reader's descriptors from a live device. WebUSB exposes no class-specific
 * descriptors (its `USBConfiguration` has no `extra` bytes), so everything is read again
 * with control transfers: GET_DESCRIPTOR for the device, configuration and string
 * descriptors (USB 2.0 §9.4.3), then GET_CLOCK_FREQUENCIES and GET_DATA_RATES for each
 * CCID interface (CCID 1.1 §5.3.2, §5.3.3), as libccid's `parse` does.
 *
 * Claiming: nothing is claimed. Standard GET_DESCRIPTOR goes to the device. The two class
 * requests go to an interface recipient; Linux usbfs (npm `usb`) sends them on an
 * unclaimed interface when no other driver holds it, but WebUSB in browsers requires the
 * interface to be claimed and rejects with `InvalidStateError` otherwise. Such a rejection
 * is recorded as the request's failure, like a STALL; a caller that wants the answers in a
 * browser claims the interface before calling {@link describeDevice}.
 */
import { CancelledError, CcidError, DescriptorError, UsbTransportError } from '../errors.ts';
import { transferBytes, type UsbControlSetup, type UsbDevice, type UsbInTransferResult } from '../usb/transport.ts';
import { vidPid } from '../util/hex.ts';
import {
  GET_CLOCK_FREQUENCIES,
  GET_DATA_RATES,
  LANGID_EN_US,
  USB_DT_CONFIG,
  USB_DT_CONFIG_SIZE,
  USB_DT_DEVICE,
  USB_DT_DEVICE_SIZE,
  USB_DT_STRING,
  USB_REQ_GET_DESCRIPTOR,
} from './constants.ts';
import { malformed, u16 } from './bytes.ts';
import { parseDeviceDescriptor } from './device.ts';
import { parseConfiguration } from './configuration.ts';
import { findCcidInterfaces } from './ccid-interface.ts';
import { parseDescriptorSet, usedStringIndexes, type DeviceDescription } from './description.ts';
import { CLASS_REQUEST_MAX_VALUES, TEXT_STALL, type ClassRequestAnswer, type FailureReason } from './class-requests.ts';

/** Options of {@link describeDevice}. */
export interface DescribeOptions {
  /** Stops between transfers with a {@link CancelledError} (a transfer in flight cannot be cancelled). */
  readonly signal?: AbortSignal;
  /** Send GET_CLOCK_FREQUENCIES and GET_DATA_RATES to each CCID interface. @default true */
  readonly classRequests?: boolean;
  /** Throw `CCID_ERR_NOT_CCID` when the device has no CCID/ICCD interface. @default true */
  readonly requireCcid?: boolean;
}

/** Longest string descriptor (bLength is one byte). */
const MAX_STRING_DESCRIPTOR = 255;

/** Transport failures that are a property of one request (kept as its result), not of the device. */
const RECORDED_CODES: ReadonlySet<string> = new Set(['CCID_ERR_USB_STALL', 'CCID_ERR_USB_TIMEOUT', 'CCID_ERR_USB_IO']);

/**
 * For the class requests also `CCID_ERR_USB_CLOSED`: npm `usb` v3 refuses a request to an
 * unclaimed interface with "invalid state" (seen in the QEMU test bed on a real kernel),
 * which says nothing about the device itself.
 */
const RECORDED_CLASS_CODES: ReadonlySet<string> = new Set([...RECORDED_CODES, 'CCID_ERR_USB_CLOSED']);

type Outcome = { readonly kind: 'data'; readonly bytes: Uint8Array } | { readonly kind: 'error'; readonly text: string; readonly reason: FailureReason; readonly error?: CcidError };

function checkAborted(signal: AbortSignal | undefined, reader: string): void {
  if (signal?.aborted) throw new CancelledError(`describing ${reader} was cancelled`, { reader, cause: signal.reason });
}

/** One control-IN transfer, with STALLs and per-request failures turned into an {@link Outcome}. */
async function controlIn(device: UsbDevice, setup: UsbControlSetup, length: number, reader: string, recorded = RECORDED_CODES): Promise<Outcome> {
  let result: UsbInTransferResult;
  try {
    result = await device.controlTransferIn(setup, length);
  } catch (error) {
    if (error instanceof UsbTransportError) {
      if (!recorded.has(error.code)) throw error;
      const reason: FailureReason = error.code === 'CCID_ERR_USB_STALL' ? 'stall' : error.code === 'CCID_ERR_USB_TIMEOUT' ? 'timeout' : 'transport';
      return { kind: 'error', text: error.message, reason, error };
    }
    if (error instanceof CcidError) throw error;
    // A browser's DOMException (e.g. InvalidStateError: interface not claimed) or a backend's bare error.
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { kind: 'error', text, reason: 'transport', error: new UsbTransportError('CCID_ERR_USB_IO', text, { reader, cause: error }) };
  }
  if (result.status === 'stall') return { kind: 'error', text: TEXT_STALL, reason: 'stall' };
  if (result.status === 'babble') return { kind: 'error', text: 'LIBUSB_ERROR_OVERFLOW', reason: 'transport' };
  return { kind: 'data', bytes: transferBytes(result).slice() };
}

function getDescriptorSetup(type: number, index: number, languageId = 0): UsbControlSetup {
  return { requestType: 'standard', recipient: 'device', request: USB_REQ_GET_DESCRIPTOR, value: (type << 8) | index, index: languageId };
}

/** A required descriptor: a failure is fatal (typed), a short answer is malformed. */
async function requiredDescriptor(device: UsbDevice, type: number, length: number, what: string, reader: string): Promise<Uint8Array> {
  const outcome = await controlIn(device, getDescriptorSetup(type, 0), length, reader);
  if (outcome.kind === 'error') {
    if (outcome.error !== undefined) throw outcome.error;
    throw new UsbTransportError('CCID_ERR_USB_STALL', `GET_DESCRIPTOR(${what}) failed: ${outcome.text}`, { reader });
  }
  if (outcome.bytes.length < length) {
    throw new DescriptorError('CCID_ERR_DESCRIPTOR_MALFORMED', `${what} descriptor: ${outcome.bytes.length} of ${length} bytes read`, { reader, offset: outcome.bytes.length });
  }
  return outcome.bytes.subarray(0, length);
}

/** Decodes a STRING descriptor (USB 2.0 §9.6.7): bLength, 0x03, UTF-16LE text. */
function decodeString(bytes: Uint8Array): { text: string } | { error: string } {
  if (bytes.length < 2 || bytes[1] !== USB_DT_STRING) return { error: 'malformed string descriptor' };
  const end = Math.min(bytes[0]!, bytes.length);
  if (end < 2) return { error: 'malformed string descriptor' };
  const body = bytes.subarray(2, 2 + ((end - 2) & ~1));
  return { text: new TextDecoder('utf-16le').decode(body) };
}

/**
 * Reads and describes a reader: device, configuration and string descriptors, and for
 * each CCID interface the GET_CLOCK_FREQUENCIES and GET_DATA_RATES answers (asked for up
 * to 256 values each). Opens the device if it is not open (and closes it again); claims
 * nothing (see the module notes). A string or class request that fails is recorded, not
 * fatal.
 *
 * @example
 * ```ts
 * const desc = await describeDevice(device);
 * for (const itf of desc.interfaces) console.log(itf.interfaceNumber, itf.slotCount, itf.exchangeLevel);
 * ```
 * @throws {UsbTransportError} when the device or configuration descriptor cannot be read,
 *   or the device goes away.
 * @throws {DescriptorError} `CCID_ERR_DESCRIPTOR_MALFORMED` for truncated or inconsistent
 *   descriptors; `CCID_ERR_NOT_CCID` when there is no CCID/ICCD interface (unless
 *   `requireCcid` is false).
 * @throws {CancelledError} when `signal` aborts.
 */
export async function describeDevice(device: UsbDevice, options: DescribeOptions = {}): Promise<DeviceDescription> {
  const reader = vidPid(device.vendorId, device.productId);
  const { signal } = options;
  checkAborted(signal, reader);
  const openedHere = !device.opened;
  if (openedHere) await typed(() => device.open(), 'open', reader);
  try {
    checkAborted(signal, reader);
    const deviceBytes = await requiredDescriptor(device, USB_DT_DEVICE, USB_DT_DEVICE_SIZE, 'device', reader);
    const deviceDescriptor = parseDeviceDescriptor(deviceBytes);
    checkAborted(signal, reader);
    const header = await requiredDescriptor(device, USB_DT_CONFIG, USB_DT_CONFIG_SIZE, 'configuration', reader);
    const totalLength = u16(header, 2);
    if (header[1] !== USB_DT_CONFIG) throw malformed(`configuration descriptor: bDescriptorType 0x${header[1]!.toString(16)} is not CONFIGURATION`, 1);
    if (totalLength < USB_DT_CONFIG_SIZE) throw malformed(`configuration descriptor: wTotalLength ${totalLength} is below ${USB_DT_CONFIG_SIZE}`, 2);
    checkAborted(signal, reader);
    const configurationBytes = await requiredDescriptor(device, USB_DT_CONFIG, totalLength, 'configuration', reader);
    const walk = parseConfiguration(configurationBytes);
    const candidates = findCcidInterfaces(walk.configuration, []);
    if (candidates.length === 0 && options.requireCcid !== false) {
      throw new DescriptorError('CCID_ERR_NOT_CCID', `${reader} has no CCID or ICCD interface`, { reader });
    }

    const warnings: string[] = [];
    const strings = new Map<number, string>();
    const stringErrors = new Map<number, string>();
    const indexes = usedStringIndexes(deviceDescriptor, walk.configuration);
    let languageId: number | undefined;
    if (indexes.length > 0) {
      checkAborted(signal, reader);
      const langs = await controlIn(device, getDescriptorSetup(USB_DT_STRING, 0), MAX_STRING_DESCRIPTOR, reader);
      if (langs.kind === 'data' && langs.bytes.length >= 4 && langs.bytes[1] === USB_DT_STRING) {
        languageId = u16(langs.bytes, 2);
      } else {
        languageId = LANGID_EN_US;
        warnings.push(`string descriptor 0 (LANGID list) unreadable (${langs.kind === 'error' ? langs.text : 'malformed'}); strings read with LANGID 0x0409`);
      }
      for (const index of indexes) {
        checkAborted(signal, reader);
        const outcome = await controlIn(device, getDescriptorSetup(USB_DT_STRING, index, languageId), MAX_STRING_DESCRIPTOR, reader);
        if (outcome.kind === 'error') {
          stringErrors.set(index, outcome.text);
          continue;
        }
        const decoded = decodeString(outcome.bytes);
        if ('text' in decoded) strings.set(index, decoded.text);
        else stringErrors.set(index, decoded.error);
      }
    }

    const clockFrequencies = new Map<number, ClassRequestAnswer>();
    const dataRates = new Map<number, ClassRequestAnswer>();
    if (options.classRequests !== false) {
      for (const candidate of candidates) {
        const n = candidate.descriptor.interfaceNumber;
        for (const [request, map] of [
          [GET_CLOCK_FREQUENCIES, clockFrequencies],
          [GET_DATA_RATES, dataRates],
        ] as const) {
          checkAborted(signal, reader);
          const setup: UsbControlSetup = { requestType: 'class', recipient: 'interface', request, value: 0, index: n };
          const outcome = await controlIn(device, setup, CLASS_REQUEST_MAX_VALUES * 4, reader, RECORDED_CLASS_CODES);
          map.set(n, outcome.kind === 'data' ? outcome : { kind: 'error', text: outcome.text, reason: outcome.reason, ...(outcome.error === undefined ? {} : { code: outcome.error.code }) });
        }
      }
    }

    const description = parseDescriptorSet({
      device: deviceBytes,
      configuration: configurationBytes,
      strings,
      stringErrors,
      ...(languageId === undefined ? {} : { languageId }),
      clockFrequencies,
      dataRates,
    });
    return warnings.length === 0 ? description : { ...description, warnings: [...warnings, ...description.warnings] };
  } finally {
    // Best effort: a close that fails (device already gone) must not hide the outcome above.
    if (openedHere) await device.close().catch(() => undefined);
  }
}

/** Runs a device call, turning a backend's untyped failure (a browser DOMException) into a {@link UsbTransportError}. */
async function typed(call: () => Promise<void>, what: string, reader: string): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof CcidError) throw error;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new UsbTransportError('CCID_ERR_USB_IO', `${what} failed: ${text}`, { reader, cause: error });
  }
}
