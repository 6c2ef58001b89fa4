/**
 * Which Node.js USB backend to use: npm `usb` 2.x on libusb ({@link LibusbHost}) or npm
 * `usb` 3.x on the Rust `nusb` crate ({@link NodeUsbHost}). Both satisfy the same
 * {@link UsbHost} contract; they differ in cost per transfer and in what they allow (see
 * README, "Node USB backends"). Node-only.
 */
import { ArgumentError } from '../errors.ts';
import { LibusbHost } from './libusb/index.ts';
import { NodeUsbHost } from './node/index.ts';
import type { UsbHost } from './transport.ts';
import type { UsbTransportError } from '../errors.ts';

/** The Node.js USB backends. */
export const NODE_USB_BACKENDS = ['libusb', 'nusb'] as const;
export type NodeUsbBackend = (typeof NODE_USB_BACKENDS)[number];

/**
 * The default backend: npm `usb` 2.x (libusb). Measured in the QEMU test bed (same boot,
 * same gadget): fewer milliseconds per transfer than npm `usb` 3.1, and libusb queues
 * transfers and cancels them, where npm `usb` 3.1 allows one transfer per endpoint and
 * cannot cancel one.
 */
export const DEFAULT_NODE_USB_BACKEND: NodeUsbBackend = 'libusb';

/** Options of {@link createNodeUsbHost}. */
export interface NodeUsbHostChoice {
  /** @default {@link DEFAULT_NODE_USB_BACKEND}, or the `CCID_USB_BACKEND` environment variable */
  readonly backend?: NodeUsbBackend | undefined;
  /** Detach a kernel driver holding a reader (the CLI's `--force`). */
  readonly detachKernelDriver?: boolean;
  /** Errors of the background work of `watch()`. */
  readonly onError?: (error: UsbTransportError) => void;
}

/**
 * Reads a backend name (`--usb`, `CCID_USB_BACKEND`).
 * @throws {ArgumentError} for a name that is not a backend.
 */
export function parseNodeUsbBackend(name: string): NodeUsbBackend {
  const backend = NODE_USB_BACKENDS.find((b) => b === name);
  if (backend === undefined) throw new ArgumentError(`unknown USB backend "${name}": use ${NODE_USB_BACKENDS.join(' or ')}`);
  return backend;
}

/** The backend the environment asks for (`CCID_USB_BACKEND`), or the default. */
export function nodeUsbBackendFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): NodeUsbBackend {
  const name = env['CCID_USB_BACKEND'];
  return name === undefined || name === '' ? DEFAULT_NODE_USB_BACKEND : parseNodeUsbBackend(name);
}

/** A {@link UsbHost} on the chosen Node.js backend. */
export function createNodeUsbHost(choice: NodeUsbHostChoice = {}): UsbHost {
  const backend = choice.backend ?? nodeUsbBackendFromEnv();
  const device = { detachKernelDriver: choice.detachKernelDriver ?? false };
  const onError = choice.onError === undefined ? {} : { onError: choice.onError };
  return backend === 'libusb' ? new LibusbHost({ device, ...onError }) : new NodeUsbHost({ device, ...onError });
}
