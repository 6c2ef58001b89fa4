/**
 * The `ccid/node` entry: the Node.js USB backends — npm `usb` 2.x on libusb
 * ({@link LibusbHost}, the default) and npm `usb` 3.x on nusb ({@link NodeUsbHost}). The
 * core (`ccid`) imports no Node built-ins; this entry adds what only runs in Node.
 *
 * @example
 * ```ts
 * import { createNodeUsbHost } from 'ccid/node';
 * const devices = await createNodeUsbHost().getDevices(); // or { backend: 'nusb' }
 * ```
 * @packageDocumentation
 */
export * from './usb/node/index.ts';
export * from './usb/libusb/index.ts';
export * from './usb/node-backend.ts';
// Everything of the core entry too, so Node users can import from one place.
export * from './index.ts';
