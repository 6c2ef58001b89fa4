/**
 * The Node.js USB backend: npm `usb` v3 (WebUSB-shaped, on the Rust `nusb` crate)
 * behind the {@link UsbDevice}/{@link UsbHost} contract of `src/usb/transport.ts`.
 * Node-only: import it through the package's `./node` entry, never from the core.
 *
 * @example
 * ```ts
 * import { NodeUsbHost } from 'ccid/node';
 * const host = new NodeUsbHost();
 * const readers = await host.getDevices(); // CCID readers only
 * const stop = host.watch((event) => console.log(event.type, event.device.productName));
 * ```
 * @packageDocumentation
 */
export { NodeUsbDevice, type NativeUsbDevice, type NodeUsbDeviceOptions } from './device.ts';
export {
  NodeUsbHost,
  classifyConfiguration,
  type NativeConfiguration,
  type NativeHostDevice,
  type NativeUsb,
  type NodeUsbHostOptions,
} from './host.ts';
export { accessDeniedHint, busyHint, isNodeUsbStall, isNodeUsbTimeout, mapNodeUsbError, udevRule, type NodeErrorContext } from './errors.ts';
