/**
 * Traffic capture: {@link captureDevice} wraps any {@link UsbDevice} and records every
 * transfer as a Linux usbmon submission ('S') and completion ('C'), the events
 * `usbmon`/libpcap would record on Linux, so Wireshark and tshark decode the capture
 * as USB CCID with no options.
 *
 * Why it also reads descriptors: Wireshark binds the bulk endpoints to the CCID
 * dissector only when it has seen the configuration descriptor with a Smart Card
 * interface (class 0x0B), and WebUSB's `transferIn` does not say whether an endpoint is
 * bulk or interrupt. So unless the capture has already seen a GET_DESCRIPTOR
 * (CONFIGURATION), the wrapper issues GET_DESCRIPTOR (DEVICE) and (CONFIGURATION) itself,
 * through the capture, before the first bulk or interrupt transfer. These standard
 * requests are harmless at any time, and they appear in the capture like any other.
 *
 * The wrapper is installed only on request (`--capture`), so a normal session pays
 * nothing for it.
 */
import { UsbTransportError } from '../errors.ts';
import { transferBytes, type UsbControlSetup, type UsbDevice, type UsbHost, type UsbDirection, type UsbInTransferResult, type UsbOutTransferResult, type UsbTransferStatus } from '../usb/transport.ts';
import { parseConfiguration } from '../descriptors/configuration.ts';
import type { UsbmonSink } from './pcap-writer.ts';
import {
  URB_BULK,
  URB_CONTROL,
  URB_INTERRUPT,
  USBMON_DATA_IN_PENDING,
  USBMON_DATA_OUT_DONE,
  USBMON_FLAG_PRESENT,
  USBMON_SETUP_ABSENT,
  USB_ERRNO,
  type UsbmonEventType,
} from './usbmon.ts';

/** Options of {@link captureDevice}. */
export interface CaptureOptions {
  /** Bus number written in every record (WebUSB does not expose the real one). @default 1 */
  readonly bus?: number;
  /** Device address written in every record; give each captured device its own. @default 1 */
  readonly device?: number;
  /** Current time in microseconds since the epoch (inject a fake clock in tests). @default wall clock */
  readonly clock?: () => number;
  /**
   * Read the device and configuration descriptors (through the capture) before the first
   * bulk or interrupt transfer, unless the capture already saw them. @default true
   */
  readonly ensureDescriptors?: boolean;
  /** First URB id; ids then increase by one per transfer. @default 0xFFFF888000000000n */
  readonly firstUrbId?: bigint;
}

const REQUEST_TYPES = { standard: 0x00, class: 0x20, vendor: 0x40 } as const;
const RECIPIENTS = { device: 0, interface: 1, endpoint: 2, other: 3 } as const;
const GET_DESCRIPTOR = 6;
const CLEAR_FEATURE = 1;
const ENDPOINT_HALT = 0;
const DESCRIPTOR_DEVICE = 1;
const DESCRIPTOR_CONFIGURATION = 2;

/** The 8-byte setup packet (USB 2.0 §9.3) of a WebUSB control transfer. */
export function encodeSetupPacket(setup: UsbControlSetup, direction: UsbDirection, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  out[0] = (direction === 'in' ? 0x80 : 0) | REQUEST_TYPES[setup.requestType] | RECIPIENTS[setup.recipient];
  out[1] = setup.request;
  v.setUint16(2, setup.value, true);
  v.setUint16(4, setup.index, true);
  v.setUint16(6, length, true);
  return out;
}

function statusErrno(status: UsbTransferStatus | undefined): number {
  if (status === 'stall') return -USB_ERRNO.EPIPE;
  if (status === 'babble') return -USB_ERRNO.EOVERFLOW;
  return 0;
}

/** The URB status Linux would report for a transfer that failed with `error`. */
export function errorErrno(error: unknown): number {
  if (!(error instanceof UsbTransportError)) return -USB_ERRNO.EPROTO;
  switch (error.code) {
    case 'CCID_ERR_USB_STALL':
      return -USB_ERRNO.EPIPE;
    case 'CCID_ERR_USB_DEVICE_GONE':
      return -USB_ERRNO.ESHUTDOWN;
    case 'CCID_ERR_USB_CLOSED':
      return -USB_ERRNO.ENOENT;
    case 'CCID_ERR_USB_TIMEOUT':
      return -USB_ERRNO.ETIMEDOUT;
    default:
      return -USB_ERRNO.EPROTO;
  }
}

function bufferBytes(data: BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function wallClockMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

const NO_SETUP = new Uint8Array(8);
const EMPTY = new Uint8Array(0);

/**
 * A {@link UsbDevice} that records its traffic into a {@link UsbmonSink} and otherwise
 * behaves exactly as the device it wraps (same results, same errors, rethrown as is).
 */
export class CapturingUsbDevice implements UsbDevice {
  /** The wrapped device. */
  readonly inner: UsbDevice;
  readonly #sink: UsbmonSink;
  readonly #bus: number;
  readonly #device: number;
  readonly #clock: () => number;
  readonly #ensure: boolean;
  #nextUrbId: bigint;
  /** Endpoint address → interval, for interrupt endpoints seen in a configuration descriptor. */
  readonly #interrupt = new Map<number, number>();
  #configurationSeen = false;
  #descriptorRead: Promise<void> | undefined;

  constructor(inner: UsbDevice, sink: UsbmonSink, options: CaptureOptions = {}) {
    this.inner = inner;
    this.#sink = sink;
    this.#bus = options.bus ?? 1;
    this.#device = options.device ?? 1;
    this.#clock = options.clock ?? wallClockMicros;
    this.#ensure = options.ensureDescriptors ?? true;
    this.#nextUrbId = options.firstUrbId ?? 0xffff888000000000n;
  }

  get vendorId(): number {
    return this.inner.vendorId;
  }
  get productId(): number {
    return this.inner.productId;
  }
  get manufacturerName(): string | undefined {
    return this.inner.manufacturerName;
  }
  get productName(): string | undefined {
    return this.inner.productName;
  }
  get serialNumber(): string | undefined {
    return this.inner.serialNumber;
  }
  get opened(): boolean {
    return this.inner.opened;
  }

  open(): Promise<void> {
    return this.inner.open();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  selectConfiguration(configurationValue: number): Promise<void> {
    return this.inner.selectConfiguration(configurationValue);
  }
  claimInterface(interfaceNumber: number): Promise<void> {
    return this.inner.claimInterface(interfaceNumber);
  }
  releaseInterface(interfaceNumber: number): Promise<void> {
    return this.inner.releaseInterface(interfaceNumber);
  }
  reset(): Promise<void> {
    return this.inner.reset();
  }

  // Positional on purpose: it runs twice per transfer, and fixed-shape calls keep it cheap.
  #emit(type: UsbmonEventType, urbId: bigint, transferType: number, endpoint: number, setup: Uint8Array | undefined, dataFlag: number, status: number, urbLength: number, data: Uint8Array, interval: number): void {
    const micros = this.#clock();
    const tsSec = Math.floor(micros / 1_000_000);
    this.#sink.packet(
      {
        urbId,
        eventType: type,
        transferType,
        endpoint,
        device: this.#device,
        bus: this.#bus,
        setupFlag: setup === undefined ? USBMON_SETUP_ABSENT : USBMON_FLAG_PRESENT,
        dataFlag,
        tsSec,
        tsUsec: Math.floor(micros - tsSec * 1_000_000),
        status,
        urbLength,
        dataLength: data.length,
        setup: setup ?? NO_SETUP,
        interval,
        startFrame: 0,
        xferFlags: 0,
        ndesc: 0,
      },
      data,
    );
  }

  #urbId(): bigint {
    const id = this.#nextUrbId;
    this.#nextUrbId = BigInt.asUintN(64, id + 1n);
    return id;
  }

  async #in(transferType: number, endpoint: number, setup: Uint8Array | undefined, length: number, run: () => Promise<UsbInTransferResult>): Promise<UsbInTransferResult> {
    const urbId = this.#urbId();
    const interval = this.#interrupt.get(endpoint) ?? 0;
    this.#emit('S', urbId, transferType, endpoint, setup, USBMON_DATA_IN_PENDING, -USB_ERRNO.EINPROGRESS, length, EMPTY, interval);
    let result: UsbInTransferResult;
    try {
      result = await run();
    } catch (error) {
      this.#emit('C', urbId, transferType, endpoint, undefined, USBMON_FLAG_PRESENT, errorErrno(error), 0, EMPTY, interval);
      throw error;
    }
    const data = transferBytes(result);
    this.#emit('C', urbId, transferType, endpoint, undefined, USBMON_FLAG_PRESENT, statusErrno(result.status), data.length, data, interval);
    return result;
  }

  async #out(transferType: number, endpoint: number, setup: Uint8Array | undefined, data: Uint8Array, run: () => Promise<UsbOutTransferResult>): Promise<UsbOutTransferResult> {
    const urbId = this.#urbId();
    this.#emit('S', urbId, transferType, endpoint, setup, USBMON_FLAG_PRESENT, -USB_ERRNO.EINPROGRESS, data.length, data, 0);
    let result: UsbOutTransferResult;
    try {
      result = await run();
    } catch (error) {
      this.#emit('C', urbId, transferType, endpoint, undefined, USBMON_DATA_OUT_DONE, errorErrno(error), 0, EMPTY, 0);
      throw error;
    }
    this.#emit('C', urbId, transferType, endpoint, undefined, USBMON_DATA_OUT_DONE, statusErrno(result.status), result.bytesWritten, EMPTY, 0);
    return result;
  }

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    const packet = encodeSetupPacket(setup, 'in', length);
    const result = await this.#in(URB_CONTROL, 0x80, packet, length, () => this.inner.controlTransferIn(setup, length));
    const isConfiguration = setup.requestType === 'standard' && setup.request === GET_DESCRIPTOR && setup.value >> 8 === DESCRIPTOR_CONFIGURATION;
    const data = transferBytes(result);
    if (isConfiguration && (result.status ?? 'ok') === 'ok' && data.length >= 4 && data.length === (data[2]! | (data[3]! << 8))) {
      this.#configurationSeen = true;
      try {
        for (const iface of parseConfiguration(data).configuration.interfaces) {
          for (const ep of iface.endpoints) if (ep.transferType === 'interrupt') this.#interrupt.set(ep.address, ep.interval);
        }
      } catch {
        // A malformed descriptor is the driver's business; the capture just records it.
      }
    }
    return result;
  }

  controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult> {
    const bytes = data === undefined ? EMPTY : bufferBytes(data);
    const packet = encodeSetupPacket(setup, 'out', bytes.length);
    return this.#out(URB_CONTROL, 0x00, packet, bytes, () => this.inner.controlTransferOut(setup, data));
  }

  async transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    if (this.#ensure && !this.#configurationSeen) await this.#descriptors();
    const endpoint = 0x80 | endpointNumber;
    const type = this.#interrupt.has(endpoint) ? URB_INTERRUPT : URB_BULK;
    return this.#in(type, endpoint, undefined, length, () => this.inner.transferIn(endpointNumber, length));
  }

  async transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    if (this.#ensure && !this.#configurationSeen) await this.#descriptors();
    const type = this.#interrupt.has(endpointNumber) ? URB_INTERRUPT : URB_BULK;
    return this.#out(type, endpointNumber, undefined, bufferBytes(data), () => this.inner.transferOut(endpointNumber, data));
  }

  /** Recorded as the CLEAR_FEATURE(ENDPOINT_HALT) request the host sends (USB 2.0 §9.4.1). */
  async clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    const address = (direction === 'in' ? 0x80 : 0) | endpointNumber;
    const setup: UsbControlSetup = { requestType: 'standard', recipient: 'endpoint', request: CLEAR_FEATURE, value: ENDPOINT_HALT, index: address };
    await this.#out(URB_CONTROL, 0x00, encodeSetupPacket(setup, 'out', 0), EMPTY, async () => {
      await this.inner.clearHalt(direction, endpointNumber);
      return { bytesWritten: 0, status: 'ok' };
    });
  }

  #descriptors(): Promise<void> {
    this.#descriptorRead ??= this.#readDescriptors();
    return this.#descriptorRead;
  }

  async #readDescriptors(): Promise<void> {
    const get = (type: number, length: number) =>
      this.controlTransferIn({ requestType: 'standard', recipient: 'device', request: GET_DESCRIPTOR, value: type << 8, index: 0 }, length);
    try {
      await get(DESCRIPTOR_DEVICE, 18);
      const head = transferBytes(await get(DESCRIPTOR_CONFIGURATION, 9));
      if (head.length >= 4) await get(DESCRIPTOR_CONFIGURATION, head[2]! | (head[3]! << 8));
    } catch {
      // The failure is in the capture; the driver's own transfers proceed regardless.
    }
  }
}

/**
 * Wraps `device` so that every transfer is recorded into `sink` (usually a
 * {@link PcapWriter}) as usbmon events.
 *
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * const captured = captureDevice(device, new PcapWriter((c) => chunks.push(c)), { device: 2 });
 * // use `captured` wherever `device` was used; chunks form a .pcap file
 * ```
 */
export function captureDevice(device: UsbDevice, sink: UsbmonSink, options: CaptureOptions = {}): CapturingUsbDevice {
  return new CapturingUsbDevice(device, sink, options);
}

/**
 * A {@link UsbHost} whose devices are all wrapped by `wrap` (typically
 * `(d) => captureDevice(d, writer, { device: n++ })`), the same wrapper for the same device
 * every time, so that a `disconnect` event names the object `getDevices` returned.
 */
export function captureHost(host: UsbHost, wrap: (device: UsbDevice) => UsbDevice): UsbHost {
  const wrapped = new WeakMap<UsbDevice, UsbDevice>();
  const get = (device: UsbDevice): UsbDevice => {
    let w = wrapped.get(device);
    if (w === undefined) {
      w = wrap(device);
      wrapped.set(device, w);
    }
    return w;
  };
  return {
    getDevices: async () => (await host.getDevices()).map(get),
    watch: (listener) => host.watch((event) => listener({ type: event.type, device: get(event.device) })),
  };
}
