/**
 * The USB contract of the driver core: the subset of WebUSB's `USBDevice` that the
 * core uses, and nothing else. The Node backend (npm `usb` v3, itself WebUSB-shaped),
 * `navigator.usb` in browsers and the in-process reader emulator (`src/sim/`) all
 * satisfy it, so the same core runs on each.
 *
 * Obligations of an implementation:
 * - `transferIn` on a bulk or interrupt endpoint resolves only when data (possibly a
 *   zero-length packet) arrives, the endpoint stalls, or the device goes away. It has no
 *   timeout of its own: WebUSB defines none, and a CCID command may legitimately take
 *   minutes (PIN entry, time extensions). Backends whose native call times out (npm `usb`
 *   v3 defaults to 1000 ms) re-arm internally.
 * - A pending `transferIn` cannot be cancelled on its own (WebUSB has no cancel). It
 *   rejects with a {@link UsbTransportError} of code `CCID_ERR_USB_DEVICE_GONE` or
 *   `CCID_ERR_USB_CLOSED` when the device is unplugged, or the interface is released or
 *   the device closed.
 * - At most one transfer is in flight per endpoint (npm `usb` v3 rejects a second one
 *   with "endpoint not found"): callers run one read loop per IN endpoint and queue
 *   OUT writes.
 * - Failures reject with {@link UsbTransportError} (never a bare `Error`), with the
 *   backend's error kept as `cause`.
 *
 * Endpoint numbers are WebUSB's: the endpoint address without the direction bit.
 */

/** WebUSB `USBControlTransferParameters`. */
export interface UsbControlSetup {
  requestType: 'standard' | 'class' | 'vendor';
  recipient: 'device' | 'interface' | 'endpoint' | 'other';
  request: number;
  value: number;
  index: number;
}

/** WebUSB `USBTransferStatus`. */
export type UsbTransferStatus = 'ok' | 'stall' | 'babble';

/** WebUSB `USBInTransferResult`. */
export interface UsbInTransferResult {
  readonly data?: DataView | undefined;
  readonly status?: UsbTransferStatus | undefined;
}

/** WebUSB `USBOutTransferResult`. */
export interface UsbOutTransferResult {
  readonly bytesWritten: number;
  readonly status?: UsbTransferStatus | undefined;
}

/** WebUSB `USBDirection`. */
export type UsbDirection = 'in' | 'out';

/** The WebUSB `USBDevice` subset the driver core depends on. */
export interface UsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName?: string | undefined;
  readonly productName?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly opened: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult>;
  controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult>;
  transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult>;
  transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult>;
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void>;
  reset(): Promise<void>;
}

/** A reader appearing or leaving, as reported by a {@link UsbHost}. */
export interface UsbHostEvent {
  readonly type: 'connect' | 'disconnect';
  readonly device: UsbDevice;
}

/**
 * Where devices come from: npm `usb`'s `usb` object, `navigator.usb`, or the emulator.
 * `getDevices` lists the devices this host may open (in browsers: those the user
 * granted). `watch` reports connect/disconnect and returns a function that stops it.
 */
export interface UsbHost {
  getDevices(): Promise<UsbDevice[]>;
  watch(listener: (event: UsbHostEvent) => void): () => void;
}

/**
 * The bytes of a transfer result, as a view (no copy): every backend hands over a fresh
 * buffer per transfer, as WebUSB does.
 */
export function transferBytes(result: UsbInTransferResult): Uint8Array {
  const view = result.data;
  if (view === undefined) return new Uint8Array(0);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
