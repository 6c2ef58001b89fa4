/**
 * npm `usb` v3 errors → {@link UsbTransportError}.
 *
 * npm `usb` 3.x (node-usb-rs, on the Rust `nusb` crate) rejects with plain `Error`s
 * whose `code` is napi's `'GenericFailure'` and whose message is
 * `"<operation> error: <reason>"`. The reasons come from three places (read in
 * node-usb-rs `src/webusb_device.rs`, `src/lib.rs` and nusb 0.2 `src/platform/linux_usbfs`):
 *
 * - nusb `Error` (open, claim, configuration, reset, list): its message plus the OS
 *   errno, e.g. `open error: permission denied (errno 13)`, `claimInterface error:
 *   interface is busy (errno 16)`, `getDevices error: /sys/bus/usb/devices/ not found
 *   (errno 2)`, `... device disconnected (errno 19)`;
 * - nusb `TransferError` on bulk/interrupt transfers, printed with `Debug`:
 *   `transferIn error: Cancelled` (the timeout expired: nusb cancels the transfer),
 *   `Stall`, `Disconnected`, `Fault`, `InvalidArgument`, `Unknown(<errno>)`;
 * - the same on control transfers, printed with `Display`: `controlTransferIn error:
 *   transfer was cancelled`, `endpoint stalled`, `device disconnected`, `hardware fault
 *   or protocol violation`, ...;
 * - node-usb-rs itself: `... error: invalid state` (device not open, or no claimed
 *   interface for an interface-recipient control transfer), `releaseInterface error:
 *   not claimed`, and `transferIn/transferOut error: endpoint not found` (the endpoint
 *   is not on a claimed interface, or another transfer is already in flight on it:
 *   nusb hands out an endpoint to one user at a time).
 */
import { UsbTransportError } from '../../errors.ts';
import { vidPid } from '../../util/hex.ts';

/** Which operation failed and on which device, to build messages and hints. */
export interface NodeErrorContext {
  /** The npm `usb` call, e.g. `claimInterface`. */
  readonly operation: string;
  readonly vendorId?: number;
  readonly productId?: number;
  /** Interface or endpoint number concerned, for messages. */
  readonly target?: string;
}

/** The udev rule line that gives the `plugdev` group access to one reader. */
export function udevRule(vendorId: number, productId: number): string {
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return `SUBSYSTEM=="usb", ATTR{idVendor}=="${hex(vendorId)}", ATTR{idProduct}=="${hex(productId)}", MODE="0660", GROUP="plugdev"`;
}

/** What to do when the device node cannot be opened. */
export function accessDeniedHint(vendorId?: number, productId?: number): string {
  const rule =
    vendorId === undefined || productId === undefined
      ? 'SUBSYSTEM=="usb", ATTR{idVendor}=="VVVV", ATTR{idProduct}=="PPPP", MODE="0660", GROUP="plugdev"'
      : udevRule(vendorId, productId);
  return [
    'No permission to open the USB device. On Linux, add a udev rule, e.g. in /etc/udev/rules.d/99-ccid.rules:',
    `  ${rule}`,
    'then run: sudo udevadm control --reload-rules && sudo udevadm trigger, make sure your user is in the plugdev group, and replug the reader.',
    'Or run with the required permissions (e.g. sudo).',
  ].join('\n');
}

/** What to do when another driver holds the interface. */
export function busyHint(): string {
  return [
    'Another driver holds the reader\'s interface, most likely pcscd (PC/SC daemon with libccid).',
    'Stop it: sudo systemctl stop pcscd.socket pcscd   (it restarts on demand; "systemctl start pcscd.socket" to restore it)',
    'or use --force to detach the other driver where the platform allows it (Linux).',
  ].join('\n');
}

const NO_SUBSYSTEM_HINT =
  'This machine has no USB subsystem that npm usb can use (no /sys/bus/usb: a container or VM without USB passthrough?). Readers cannot be reached from here.';

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** True when an npm `usb` error is the timeout of a transfer (nusb reports it as a cancellation). */
export function isNodeUsbTimeout(error: unknown): boolean {
  const m = messageOf(error);
  return /error: Cancelled\b/.test(m) || /transfer was cancelled/.test(m);
}

/** True when an npm `usb` error reports a STALL (endpoint halted or control request refused). */
export function isNodeUsbStall(error: unknown): boolean {
  const m = messageOf(error);
  return /error: Stall\b/.test(m) || /endpoint stalled/.test(m);
}

/**
 * Translates an npm `usb` v3 error into a {@link UsbTransportError} (the original kept as
 * `cause`). A {@link UsbTransportError} passes through unchanged.
 */
export function mapNodeUsbError(error: unknown, context: NodeErrorContext): UsbTransportError {
  if (error instanceof UsbTransportError) return error;
  const m = messageOf(error);
  const { vendorId, productId, operation } = context;
  const reader = vendorId !== undefined && productId !== undefined ? vidPid(vendorId, productId) : undefined;
  const where = `${operation}${context.target === undefined ? '' : ` (${context.target})`}${reader === undefined ? '' : ` on ${reader}`}`;
  const make = (code: UsbTransportError['code'], text: string, hint?: string) =>
    new UsbTransportError(code, text, { cause: error, ...(reader === undefined ? {} : { reader }), ...(hint === undefined ? {} : { hint }) });

  if (/\/sys\/bus\/usb\/devices\/ not found/.test(m) || /Cannot find native binding|Failed to load native binding/.test(m)) {
    return make('CCID_ERR_USB_NO_SUBSYSTEM', `no USB subsystem: ${m}`, NO_SUBSYSTEM_HINT);
  }
  if (/\/sys\/bus\/usb\/devices\/ permission denied/.test(m)) {
    return make('CCID_ERR_USB_ACCESS_DENIED', `cannot list USB devices: ${m}`, 'The USB device list (/sys/bus/usb/devices) is not readable by this user.');
  }
  if (/device disconnected|error: Disconnected\b|device not found/.test(m)) {
    return make('CCID_ERR_USB_DEVICE_GONE', `${where}: the device is gone (${m})`);
  }
  if (/permission denied|errno 13\)|errno 1\)/i.test(m)) {
    return make('CCID_ERR_USB_ACCESS_DENIED', `${where}: permission denied (${m})`, accessDeniedHint(vendorId, productId));
  }
  if (/interface is busy|device is busy|errno 16\)/.test(m)) {
    return make('CCID_ERR_USB_BUSY', `${where}: the interface is in use by another driver (${m})`, busyHint());
  }
  if (isNodeUsbStall(error)) return make('CCID_ERR_USB_STALL', `${where}: endpoint stalled (${m})`);
  if (isNodeUsbTimeout(error)) return make('CCID_ERR_USB_TIMEOUT', `${where}: timed out (${m})`);
  if (/error: invalid state|not claimed/.test(m)) {
    return make('CCID_ERR_USB_CLOSED', `${where}: the device is not open or the interface is not claimed (${m})`);
  }
  if (/endpoint not found/.test(m)) {
    return make('CCID_ERR_USB_IO', `${where}: endpoint not available: its interface is not claimed, or another transfer is in flight on it (${m})`);
  }
  return make('CCID_ERR_USB_IO', `${where}: ${m}`);
}
