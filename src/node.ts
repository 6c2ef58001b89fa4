/**
 * The `ccid/node` entry: the Node.js USB backend (npm `usb` v3). The core (`ccid`)
 * imports no Node built-ins; this entry adds what only runs in Node.
 *
 * @example
 * ```ts
 * import { NodeUsbHost } from 'ccid/node';
 * const devices = await new NodeUsbHost().getDevices();
 * ```
 * @packageDocumentation
 */
export * from './usb/node/index.ts';
// Everything of the core entry too, so Node users can import from one place.
export * from './index.ts';
