/**
 * The browser USB backend: `navigator.usb` (WebUSB) behind the {@link UsbHost} contract.
 * No Node built-ins, no DOM WebUSB typings required.
 *
 * @example
 * ```ts
 * import { webUsbHost } from './usb/web/index.ts';
 * const host = webUsbHost(navigator.usb);
 * const reader = await host.requestDevice(); // in a click handler
 * ```
 * @packageDocumentation
 */
export { webUsbHost, WebUsbDevice, type WebUsbHost, type WebUsbLike, type WebUsbDeviceLike, type WebUsbDeviceFilter } from './host.ts';
export { mapWebUsbError, PROTECTED_CLASS_HINT, type WebErrorContext } from './errors.ts';
