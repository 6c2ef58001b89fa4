/**
 * The control endpoint of an emulated reader: the USB standard requests a device answers
 * (USB 2.0 §9.4) from the fixture's bytes, and the CCID class requests ABORT,
 * GET_CLOCK_FREQUENCIES and GET_DATA_RATES (CCID 1.1 §5.3). Anything else STALLs, as a
 * device does with a request it does not know.
 */
import type { UsbControlSetup } from '../usb/transport.ts';
import type { CcidFunction } from './function.ts';
import { REQUEST_ABORT, REQUEST_GET_CLOCK_FREQUENCIES, REQUEST_GET_DATA_RATES } from './spec.ts';
import type { FixtureAnswer } from '../fixtures/desc-file.ts';

/** Standard requests (USB 2.0 Table 9-4). */
const GET_STATUS = 0x00;
const CLEAR_FEATURE = 0x01;
const SET_FEATURE = 0x03;
const GET_DESCRIPTOR = 0x06;
const GET_CONFIGURATION = 0x08;
const SET_CONFIGURATION = 0x09;
const GET_INTERFACE = 0x0a;
const SET_INTERFACE = 0x0b;
/** Descriptor types (USB 2.0 Table 9-5). */
const DT_DEVICE = 1;
const DT_CONFIGURATION = 2;
const DT_STRING = 3;
/** Feature selector ENDPOINT_HALT (USB 2.0 Table 9-6). */
const ENDPOINT_HALT = 0;
/** LANGID of the only language the emulated devices speak: English (United States). */
const LANGID_EN_US = 0x0409;

/** The descriptors a device serves (the fixture's, with the options' patches). */
export interface ServedDescriptors {
  /** Device descriptor. */
  readonly device: Uint8Array;
  /** Configuration descriptor, whole. */
  readonly configuration: Uint8Array;
  /** String descriptors by index (text). */
  readonly strings: ReadonlyMap<number, string>;
}

/** What the control endpoint needs from the device. */
export interface ControlTarget {
  readonly descriptors: ServedDescriptors;
  readonly configurationValue: number;
  /** The CCID function at an interface number. */
  functionAt(interfaceNumber: number): CcidFunction | undefined;
  /** True when the interface number exists. */
  hasInterface(interfaceNumber: number): boolean;
  /** CLEAR_FEATURE(ENDPOINT_HALT) on an endpoint address. */
  clearEndpointHalt(endpointAddress: number): boolean;
  /** SET_CONFIGURATION. */
  setConfiguration(value: number): boolean;
}

/** Result of a control-IN request: bytes, or a STALL. */
export type ControlInResult = Uint8Array | 'stall';

/** A string descriptor: bLength, 3, UTF-16LE code units (USB 2.0 §9.6.7), at most 255 bytes. */
export function stringDescriptor(text: string): Uint8Array {
  const units = Math.min(text.length, 126);
  const out = new Uint8Array(2 + 2 * units);
  out[0] = out.length;
  out[1] = DT_STRING;
  for (let i = 0; i < units; i++) {
    const c = text.charCodeAt(i);
    out[2 + 2 * i] = c & 0xff;
    out[3 + 2 * i] = c >> 8;
  }
  return out;
}

function answerBytes(answer: FixtureAnswer | undefined): ControlInResult {
  // A recorded error (STALL, timeout, host errno) and a missing record are both served as STALL.
  if (answer === undefined || answer.kind === 'error') return 'stall';
  return answer.bytes;
}

/** A control-IN request; the result is cut to `length` by the caller. */
export function controlIn(target: ControlTarget, setup: UsbControlSetup): ControlInResult {
  if (setup.requestType === 'standard') {
    switch (setup.request) {
      case GET_DESCRIPTOR: {
        if (setup.recipient !== 'device') return 'stall';
        const type = setup.value >> 8;
        const index = setup.value & 0xff;
        const d = target.descriptors;
        if (type === DT_DEVICE) return d.device;
        if (type === DT_CONFIGURATION) return index === 0 ? d.configuration : 'stall';
        if (type === DT_STRING) {
          if (index === 0) return Uint8Array.of(4, DT_STRING, LANGID_EN_US & 0xff, LANGID_EN_US >> 8);
          const text = d.strings.get(index);
          return text === undefined ? 'stall' : stringDescriptor(text);
        }
        return 'stall';
      }
      case GET_STATUS:
        return new Uint8Array(2);
      case GET_CONFIGURATION:
        return Uint8Array.of(target.configurationValue);
      case GET_INTERFACE:
        return target.hasInterface(setup.index & 0xff) ? Uint8Array.of(0) : 'stall';
      default:
        return 'stall';
    }
  }
  if (setup.requestType === 'class' && setup.recipient === 'interface') {
    const fn = target.functionAt(setup.index & 0xff);
    if (fn === undefined) return 'stall';
    if (setup.request === REQUEST_GET_CLOCK_FREQUENCIES) return answerBytes(fn.profile.clockFrequencies);
    if (setup.request === REQUEST_GET_DATA_RATES) return answerBytes(fn.profile.dataRates);
  }
  return 'stall';
}

/** A control-OUT request: true when accepted, false for a STALL. */
export function controlOut(target: ControlTarget, setup: UsbControlSetup): boolean {
  if (setup.requestType === 'standard') {
    switch (setup.request) {
      case SET_CONFIGURATION:
        return target.setConfiguration(setup.value);
      case SET_INTERFACE:
        return target.hasInterface(setup.index & 0xff) && setup.value === 0;
      case CLEAR_FEATURE:
        if (setup.recipient === 'endpoint' && setup.value === ENDPOINT_HALT) return target.clearEndpointHalt(setup.index & 0xff);
        return setup.recipient === 'device';
      case SET_FEATURE:
        return setup.recipient === 'device' || setup.recipient === 'endpoint';
      default:
        return false;
    }
  }
  if (setup.requestType === 'class' && setup.recipient === 'interface' && setup.request === REQUEST_ABORT) {
    const fn = target.functionAt(setup.index & 0xff);
    // wValue: bSeq in the high byte, bSlot in the low byte (§5.3.1).
    return fn !== undefined && fn.controlAbort(setup.value & 0xff, setup.value >> 8);
  }
  return false;
}
