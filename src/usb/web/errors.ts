/**
 * WebUSB `DOMException`s → {@link UsbTransportError}.
 *
 * What Chromium's WebUSB rejects with (by `name`; the message varies by version):
 * - `SecurityError`: the interface implements a *protected class* (`claimInterface` on
 *   a class 0x0B smart-card interface; Chrome protects it since 2018), or the OS denied
 *   access to the device node (`open`: "Access denied.", e.g. no udev rule on Linux);
 * - `NotFoundError`: the device was disconnected (or the chooser closed with nothing selected);
 * - `NetworkError`: a transfer failed ("A transfer error has occurred."), or the interface
 *   could not be claimed ("Unable to claim interface.": another driver holds it);
 * - `InvalidStateError`: the device is not open or the interface not claimed;
 * - `AbortError`: a pending transfer was cancelled by `close()` or `releaseInterface()`.
 */
import { UsbTransportError } from '../../errors.ts';
import { vidPid } from '../../util/hex.ts';

/** In plain words: why Chrome refuses a smart-card reader, and what works instead. */
export const PROTECTED_CLASS_HINT = [
  'The browser refuses access to this reader: Chrome and other Chromium browsers block the smart-card (CCID, class 0x0B) USB interface for web pages since 2018, so that pages cannot talk to smart cards behind the user\'s back.',
  'It works in an Isolated Web App with the "usb-unrestricted" permission, in Electron (session.setUSBProtectedClassesHandler), with readers whose CCID interface has the vendor class 0xFF, or with the Node.js backend (ccid/node).',
].join('\n');

const LINUX_ACCESS_HINT =
  'The operating system denied access to the USB device. On Linux, add a udev rule giving your user access to the reader (see "ccid list" in the README for the rule line), then replug it.';

/** Where a WebUSB call failed. */
export interface WebErrorContext {
  readonly operation: string;
  readonly vendorId?: number;
  readonly productId?: number;
  readonly target?: string;
}

/** Translates a WebUSB rejection (usually a `DOMException`) into a {@link UsbTransportError}, keeping it as `cause`. */
export function mapWebUsbError(error: unknown, context: WebErrorContext): UsbTransportError {
  if (error instanceof UsbTransportError) return error;
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  const message = error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error) ? String((error as { message: unknown }).message) : String(error);
  const reader = context.vendorId !== undefined && context.productId !== undefined ? vidPid(context.vendorId, context.productId) : undefined;
  const where = `${context.operation}${context.target === undefined ? '' : ` (${context.target})`}${reader === undefined ? '' : ` on ${reader}`}`;
  const make = (code: UsbTransportError['code'], text: string, hint?: string) =>
    new UsbTransportError(code, text, { cause: error, ...(reader === undefined ? {} : { reader }), ...(hint === undefined ? {} : { hint }) });

  switch (name) {
    case 'SecurityError':
      if (/access denied/i.test(message)) return make('CCID_ERR_USB_ACCESS_DENIED', `${where}: access denied (${message})`, LINUX_ACCESS_HINT);
      return make('CCID_ERR_USB_SECURITY', `${where}: blocked by the browser (${message})`, PROTECTED_CLASS_HINT);
    case 'NotFoundError':
      return make('CCID_ERR_USB_DEVICE_GONE', `${where}: the device is gone (${message})`);
    case 'NetworkError':
      if (/claim/i.test(message)) {
        return make('CCID_ERR_USB_BUSY', `${where}: the interface is in use by another driver (${message})`, 'Another driver (e.g. pcscd, or the OS smart-card service) holds the interface: stop it and retry.');
      }
      return make('CCID_ERR_USB_IO', `${where}: transfer error (${message})`);
    case 'InvalidStateError':
      return make('CCID_ERR_USB_CLOSED', `${where}: the device is not open or the interface is not claimed (${message})`);
    case 'AbortError':
      return make('CCID_ERR_USB_CLOSED', `${where}: cancelled by close or release (${message})`);
    default:
      return make('CCID_ERR_USB_IO', `${where}: ${name === '' ? '' : `${name}: `}${message}`);
  }
}
