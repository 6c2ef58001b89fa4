/**
 * The libusb Node.js USB backend: npm `usb` 2.x (installed as `usb-libusb`) behind the
 * {@link UsbDevice}/{@link UsbHost} contract of `src/usb/transport.ts`. Node-only: import
 * it through the package's `./node` entry, never from the core.
 *
 * @example
 * ```ts
 * import { LibusbHost } from 'ccid/node';
 * const readers = await new LibusbHost().getDevices(); // CCID readers only
 * ```
 * @packageDocumentation
 */
export {
  LibusbDevice,
  type LibusbConfigDescriptor,
  type LibusbDeviceOptions,
  type LibusbEndpointDescriptor,
  type LibusbError,
  type LibusbInterfaceDescriptor,
  type LibusbNativeDevice,
  type LibusbNativeInterface,
  type LibusbNativeTransfer,
  type LibusbTransferConstructor,
} from './device.ts';
export { LibusbHost, classifyLibusbInterfaces, type LibusbHostOptions, type LibusbModule } from './host.ts';
export { LIBUSB_ERROR, LIBUSB_TRANSFER, libusbErrno, mapLibusbError, type LibusbErrorContext } from './errors.ts';
