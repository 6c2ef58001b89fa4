/**
 * The USB face of an emulated reader: a {@link UsbDevice} (the WebUSB subset of
 * `src/usb/transport.ts`) with the obligations of that contract — `transferIn` resolves
 * only when data is there; unplug rejects everything pending and later with
 * `CCID_ERR_USB_DEVICE_GONE`; close and releaseInterface reject pending transfers with
 * `CCID_ERR_USB_CLOSED`; one transfer in flight per endpoint (strict mode, as npm `usb`
 * v3); bulk I/O only on a claimed interface of an open device.
 */
import { UsbTransportError } from '../errors.ts';
import type { UsbControlSetup, UsbDevice, UsbDirection, UsbInTransferResult, UsbOutTransferResult } from '../usb/transport.ts';
import { type ControlTarget, type ServedDescriptors, controlIn, controlOut } from './control.ts';
import type { InEndpoint } from './endpoint.ts';
import type { CcidFunction } from './function.ts';
import type { ResolvedOptions } from './options.ts';
import type { ReaderProfile } from './profile.ts';

/** What the device face needs from the reader behind it. @internal */
export interface DeviceCore {
  readonly profile: ReaderProfile;
  readonly options: ResolvedOptions;
  readonly functions: readonly CcidFunction[];
  readonly descriptors: ServedDescriptors;
  readonly serialNumber: string | undefined;
}

interface InRoute {
  readonly fn: CcidFunction;
  readonly ep: InEndpoint;
}

const STALL_IN: UsbInTransferResult = Object.freeze({ status: 'stall' as const });
const STALL_OUT: UsbOutTransferResult = Object.freeze({ bytesWritten: 0, status: 'stall' as const });

function asBytes(data: BufferSource | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** The emulated `USBDevice`. Obtain it from `createEmulatedReader(...).device`. */
export class SimUsbDevice implements UsbDevice, ControlTarget {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName: string | undefined;
  readonly productName: string | undefined;
  readonly serialNumber: string | undefined;
  private isOpen = false;
  private gone = false;
  private readonly claimed = new Set<number>();
  private readonly ins = new Map<number, InRoute>();
  private readonly outs = new Map<number, CcidFunction>();
  private readonly outBusy = new Set<number>();
  private readonly core: DeviceCore;
  private configured: number;

  /** @internal */
  constructor(core: DeviceCore) {
    this.core = core;
    this.vendorId = core.profile.vendorId;
    this.productId = core.profile.productId;
    this.manufacturerName = core.profile.manufacturerName;
    this.productName = core.profile.productName;
    this.serialNumber = core.serialNumber;
    this.configured = core.profile.configurationValue;
    for (const fn of core.functions) {
      if (fn.bulkIn !== undefined) this.ins.set(fn.bulkIn.number, { fn, ep: fn.bulkIn });
      if (fn.interruptIn !== undefined) this.ins.set(fn.interruptIn.number, { fn, ep: fn.interruptIn });
      if (fn.profile.bulkOut !== undefined) this.outs.set(fn.profile.bulkOut.number, fn);
    }
    const trace = core.options.trace;
    if (trace !== undefined) {
      for (const { ep } of this.ins.values()) ep.onDeliver = (chunk) => trace({ direction: 'in', endpoint: ep.number, bytes: chunk.slice() });
    }
  }

  get opened(): boolean {
    return this.isOpen;
  }

  /** ControlTarget: the served descriptors. @internal */
  get descriptors(): ServedDescriptors {
    return this.core.descriptors;
  }

  /** ControlTarget. @internal */
  get configurationValue(): number {
    return this.configured;
  }

  private goneError(what: string): UsbTransportError {
    return new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', `${what}: the emulated reader was unplugged`);
  }

  /** Rejects when the device is gone or not open; undefined when the call may proceed. */
  private check(what: string, needOpen = true): UsbTransportError | undefined {
    if (this.gone) return this.goneError(what);
    if (needOpen && !this.isOpen) return new UsbTransportError('CCID_ERR_USB_CLOSED', `${what}: the device is not open`);
    return undefined;
  }

  async open(): Promise<void> {
    const e = this.check('open', false);
    if (e !== undefined) throw e;
    this.isOpen = true;
  }

  async close(): Promise<void> {
    const e = this.check('close', false);
    if (e !== undefined) throw e;
    if (!this.isOpen) return;
    for (const n of [...this.claimed]) this.release(n, 'close');
    this.isOpen = false;
  }

  async selectConfiguration(configurationValue: number): Promise<void> {
    const e = this.check('selectConfiguration');
    if (e !== undefined) throw e;
    if (!this.setConfiguration(configurationValue)) throw new UsbTransportError('CCID_ERR_USB_IO', `selectConfiguration: no configuration ${configurationValue}`);
  }

  async claimInterface(interfaceNumber: number): Promise<void> {
    const e = this.check('claimInterface');
    if (e !== undefined) throw e;
    if (!this.hasInterface(interfaceNumber)) throw new UsbTransportError('CCID_ERR_USB_IO', `claimInterface: no interface ${interfaceNumber}`);
    this.claimed.add(interfaceNumber);
  }

  async releaseInterface(interfaceNumber: number): Promise<void> {
    const e = this.check('releaseInterface');
    if (e !== undefined) throw e;
    if (!this.claimed.has(interfaceNumber)) throw new UsbTransportError('CCID_ERR_USB_IO', `releaseInterface: interface ${interfaceNumber} is not claimed`);
    this.release(interfaceNumber, 'releaseInterface');
  }

  private release(interfaceNumber: number, why: string): void {
    this.claimed.delete(interfaceNumber);
    for (const route of this.ins.values()) {
      if (route.fn.profile.interfaceNumber === interfaceNumber) {
        route.ep.fail(new UsbTransportError('CCID_ERR_USB_CLOSED', `transferIn on endpoint ${route.ep.number}: ${why}`));
      }
    }
  }

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    const e = this.check('controlTransferIn') ?? this.checkControlClaim(setup);
    if (e !== undefined) throw e;
    this.core.options.trace?.({ direction: 'control', endpoint: 0, bytes: Uint8Array.of(setup.request, setup.value & 0xff, setup.value >> 8, setup.index & 0xff, setup.index >> 8) });
    const result = controlIn(this, setup);
    if (result === 'stall') return STALL_IN;
    const out = result.slice(0, Math.max(0, length));
    return { data: new DataView(out.buffer), status: 'ok' };
  }

  async controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult> {
    const e = this.check('controlTransferOut') ?? this.checkControlClaim(setup);
    if (e !== undefined) throw e;
    this.core.options.trace?.({ direction: 'control', endpoint: 0, bytes: Uint8Array.of(setup.request, setup.value & 0xff, setup.value >> 8, setup.index & 0xff, setup.index >> 8) });
    const accepted = controlOut(this, setup);
    return accepted ? { bytesWritten: asBytes(data).length, status: 'ok' } : STALL_OUT;
  }

  /** WebUSB refuses interface-recipient requests to an interface that is not claimed. */
  private checkControlClaim(setup: UsbControlSetup): UsbTransportError | undefined {
    if (!this.core.options.strictClaim || setup.recipient !== 'interface') return undefined;
    if (this.claimed.has(setup.index & 0xff)) return undefined;
    return new UsbTransportError('CCID_ERR_USB_IO', `control transfer to interface ${setup.index & 0xff}, which is not claimed`);
  }

  transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    const e = this.check('transferIn');
    if (e !== undefined) return Promise.reject(e);
    const route = this.ins.get(endpointNumber);
    if (route === undefined) return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', `transferIn: no IN endpoint ${endpointNumber}`));
    if (!this.claimed.has(route.fn.profile.interfaceNumber)) {
      return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', `transferIn: interface ${route.fn.profile.interfaceNumber} is not claimed`));
    }
    return route.ep.transferIn(length, this.core.options.strictEndpoints);
  }

  transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    const e = this.check('transferOut');
    if (e !== undefined) return Promise.reject(e);
    const fn = this.outs.get(endpointNumber);
    if (fn === undefined) return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', `transferOut: no OUT endpoint ${endpointNumber}`));
    if (!this.claimed.has(fn.profile.interfaceNumber)) {
      return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', `transferOut: interface ${fn.profile.interfaceNumber} is not claimed`));
    }
    if (this.core.options.strictEndpoints) {
      if (this.outBusy.has(endpointNumber)) {
        return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', `transferOut: a transfer is already in flight on endpoint ${endpointNumber}`));
      }
      this.outBusy.add(endpointNumber);
      queueMicrotask(() => this.outBusy.delete(endpointNumber));
    }
    const bytes = asBytes(data);
    this.core.options.trace?.({ direction: 'out', endpoint: endpointNumber, bytes: bytes.slice() });
    fn.bulkOut(bytes);
    if (this.gone) return Promise.reject(this.goneError('transferOut'));
    return Promise.resolve({ bytesWritten: bytes.length, status: 'ok' });
  }

  async clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    const e = this.check('clearHalt');
    if (e !== undefined) throw e;
    if (direction === 'in') this.ins.get(endpointNumber)?.ep.clearHalt();
  }

  async reset(): Promise<void> {
    const e = this.check('reset');
    if (e !== undefined) throw e;
    for (const route of this.ins.values()) route.ep.fail(new UsbTransportError('CCID_ERR_USB_IO', `transferIn on endpoint ${route.ep.number}: device reset`));
    for (const fn of this.core.functions) fn.reset();
  }

  // ---------------------------------------------------------------- ControlTarget

  /** @internal */
  functionAt(interfaceNumber: number): CcidFunction | undefined {
    return this.core.functions.find((f) => f.profile.interfaceNumber === interfaceNumber);
  }

  /** @internal */
  hasInterface(interfaceNumber: number): boolean {
    return this.core.profile.interfaceNumbers.includes(interfaceNumber);
  }

  /** @internal CLEAR_FEATURE(ENDPOINT_HALT) by endpoint address. */
  clearEndpointHalt(endpointAddress: number): boolean {
    const route = (endpointAddress & 0x80) !== 0 ? this.ins.get(endpointAddress & 0x0f) : undefined;
    route?.ep.clearHalt();
    return route !== undefined || this.outs.has(endpointAddress & 0x0f);
  }

  /** @internal */
  setConfiguration(value: number): boolean {
    if (value !== this.core.profile.configurationValue && value !== 0) return false;
    this.configured = value;
    return true;
  }

  // ---------------------------------------------------------------- reader side

  /** @internal Unplug: everything pending and later rejects with CCID_ERR_USB_DEVICE_GONE. */
  disconnect(): void {
    if (this.gone) return;
    this.gone = true;
    this.isOpen = false;
    this.claimed.clear();
    for (const route of this.ins.values()) route.ep.fail(this.goneError(`transferIn on endpoint ${route.ep.number}`));
  }
}
