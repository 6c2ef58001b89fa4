/**
 * npm `usb` 2.x (libusb) errors → {@link UsbTransportError}.
 *
 * npm `usb` 2.x throws (synchronous calls: open, claim, detach) or calls back with a
 * `LibUSBException`: an `Error` whose message is libusb's `libusb_error_name()` and whose
 * `errno` is either a negative `LIBUSB_ERROR_*` code (libusb.h `enum libusb_error`) or,
 * for a finished transfer, its positive `LIBUSB_TRANSFER_*` status (`enum
 * libusb_transfer_status`). Read in node-usb 2.18 `src/node_usb.cc` and `src/transfer.cc`.
 */
import { UsbTransportError } from '../../errors.ts';
import { vidPid } from '../../util/hex.ts';
import { accessDeniedHint, busyHint } from '../node/errors.ts';

/** libusb.h `enum libusb_error`. */
export const LIBUSB_ERROR = {
  IO: -1,
  INVALID_PARAM: -2,
  ACCESS: -3,
  NO_DEVICE: -4,
  NOT_FOUND: -5,
  BUSY: -6,
  TIMEOUT: -7,
  OVERFLOW: -8,
  PIPE: -9,
  INTERRUPTED: -10,
  NO_MEM: -11,
  NOT_SUPPORTED: -12,
  OTHER: -99,
} as const;

/** libusb.h `enum libusb_transfer_status` (0 is COMPLETED, never an error). */
export const LIBUSB_TRANSFER = {
  ERROR: 1,
  TIMED_OUT: 2,
  CANCELLED: 3,
  STALL: 4,
  NO_DEVICE: 5,
  OVERFLOW: 6,
} as const;

/** The libusb error code of an npm `usb` 2.x error, when it has one. */
export function libusbErrno(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errno : undefined;
}

/** Which operation failed and on which device, to build messages and hints. */
export interface LibusbErrorContext {
  readonly operation: string;
  readonly vendorId?: number;
  readonly productId?: number;
  /** Interface or endpoint concerned, for messages. */
  readonly target?: string;
}

/**
 * Translates an npm `usb` 2.x error into a {@link UsbTransportError} (the original kept as
 * `cause`). A {@link UsbTransportError} passes through unchanged.
 */
export function mapLibusbError(error: unknown, context: LibusbErrorContext): UsbTransportError {
  if (error instanceof UsbTransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const { vendorId, productId, operation } = context;
  const reader = vendorId !== undefined && productId !== undefined ? vidPid(vendorId, productId) : undefined;
  const where = `${operation}${context.target === undefined ? '' : ` (${context.target})`}${reader === undefined ? '' : ` on ${reader}`}`;
  const make = (code: UsbTransportError['code'], text: string, hint?: string) =>
    new UsbTransportError(code, text, { cause: error, ...(reader === undefined ? {} : { reader }), ...(hint === undefined ? {} : { hint }) });

  switch (libusbErrno(error)) {
    case LIBUSB_ERROR.NO_DEVICE:
    case LIBUSB_TRANSFER.NO_DEVICE:
      return make('CCID_ERR_USB_DEVICE_GONE', `${where}: the device is gone (${message})`);
    case LIBUSB_ERROR.ACCESS:
      return make('CCID_ERR_USB_ACCESS_DENIED', `${where}: permission denied (${message})`, accessDeniedHint(vendorId, productId));
    case LIBUSB_ERROR.BUSY:
      return make('CCID_ERR_USB_BUSY', `${where}: the interface is in use by another driver (${message})`, busyHint());
    case LIBUSB_ERROR.PIPE:
    case LIBUSB_TRANSFER.STALL:
      return make('CCID_ERR_USB_STALL', `${where}: endpoint stalled (${message})`);
    case LIBUSB_ERROR.TIMEOUT:
    case LIBUSB_TRANSFER.TIMED_OUT:
      return make('CCID_ERR_USB_TIMEOUT', `${where}: timed out (${message})`);
    case LIBUSB_TRANSFER.CANCELLED:
      return make('CCID_ERR_USB_CLOSED', `${where}: the transfer was cancelled (${message})`);
    default:
      if (/Device is not open|Device must be open/.test(message)) {
        return make('CCID_ERR_USB_CLOSED', `${where}: the device is not open (${message})`);
      }
      return make('CCID_ERR_USB_IO', `${where}: ${message}`);
  }
}
