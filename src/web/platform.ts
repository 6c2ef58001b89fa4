/**
 * What the page tells the user about the platform, in plain words: no WebUSB at all,
 * Chrome's protected smart-card class, the OS denying access, another driver holding the
 * reader. Each explanation is a title, what happened, and what to do.
 */
import { CcidError, UsbTransportError } from '../errors.ts';
import type { WebUsbLike } from '../usb/web/index.ts';

/** A message for the user. */
export interface Explanation {
  /** `error`: something failed; `info`: a state worth knowing (no reader, no WebUSB). */
  readonly level: 'error' | 'info';
  readonly title: string;
  /** Paragraphs. */
  readonly text: readonly string[];
  /** The error code, when an error is explained. */
  readonly code?: string;
}

/** `navigator.usb`, when the browser has WebUSB. */
export function browserUsb(): WebUsbLike | undefined {
  const usb = (navigator as Navigator & { usb?: WebUsbLike }).usb;
  return usb ?? undefined;
}

/** Why there is no `navigator.usb`, and what to use instead. */
export function noWebUsb(secureContext: boolean): Explanation {
  const text = secureContext
    ? [
        'This browser has no WebUSB: navigator.usb is undefined. WebUSB is available in Chrome, Edge, Opera and other Chromium-based browsers on desktop and Android; Firefox and Safari do not implement it.',
        'To try the page without a reader and without WebUSB, open it with ?sim=sysmoOCTSIM: the built-in reader emulator then plays the part of the USB device. For real readers in any environment, use the Node.js command line (ccid list, ccid info).',
      ]
    : [
        'WebUSB is only offered to secure pages: this page was loaded over plain http from another machine, so navigator.usb is undefined.',
        'Open it over https, or from http://localhost or http://127.0.0.1 (npm run web), or try ?sim=sysmoOCTSIM for the built-in reader emulator.',
      ];
  return { level: 'info', title: 'WebUSB is not available here', text };
}

/** The state before any reader is connected. */
export const NO_READER: Explanation = {
  level: 'info',
  title: 'No reader connected',
  text: ['Plug in a USB smart-card reader and press "Connect reader": the browser then shows the readers this page may use, and you choose one.'],
};

/** While the browser's device chooser is open. */
export const CHOOSING: Explanation = {
  level: 'info',
  title: 'Choose a reader',
  text: ['The browser lists the smart-card readers it can see (USB class 0x0B, and the vendors of the supported-reader list). Pick yours and press "Connect".'],
};

/** The chooser was closed without choosing (or listed nothing). */
export const NOTHING_CHOSEN: Explanation = {
  level: 'info',
  title: 'No reader selected',
  text: [
    'The browser\'s device list was closed without a choice, or it had no reader to show. Check that the reader is plugged in, then press "Connect reader" again.',
  ],
};

/** Chromium's refusal of the smart-card class, in plain words (the issue every CCID page meets). */
function protectedClass(error: CcidError): Explanation {
  return {
    level: 'error',
    code: error.code,
    title: 'The browser refuses to talk to this reader',
    text: [
      'Chrome and the other Chromium browsers do not let web pages use the smart-card interface of a USB device (USB class 0x0B). This is on purpose: since 2018 the smart-card class is "protected", so that a web page cannot talk to your bank card, ID card or security key behind your back. The page found the reader and opened it, but claiming its smart-card interface was refused.',
      'Where it does work: in an Isolated Web App that has the "usb-unrestricted" permission (Chrome 128 and later); in an Electron app that allows the class with session.setUSBProtectedClassesHandler; with readers whose CCID interface uses the vendor-specific class 0xFF instead of 0x0B (a few readers do); and outside the browser with the Node.js version of this driver (ccid/node, or the ccid command line).',
      'Nothing is wrong with the reader or the driver: the same code runs in those places. To see the page at work without a reader, open it with ?sim=sysmoOCTSIM.',
    ],
  };
}

/** The first error in `error`'s `cause` chain that satisfies `test` (higher layers wrap transport errors). */
function inCauses<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  for (let e = error, depth = 0; e !== undefined && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e)) return e;
    if (typeof e !== 'object' || e === null) break;
  }
  return undefined;
}

const isSecurityError = (e: unknown): e is UsbTransportError => e instanceof UsbTransportError && e.code === 'CCID_ERR_USB_SECURITY';

/** Turns any failure into something to show. */
export function explainError(error: unknown, action: string): Explanation {
  const security = inCauses(error, isSecurityError);
  if (security !== undefined) return protectedClass(security);
  if (error instanceof UsbTransportError) {
    const text = [error.message];
    if (error.hint !== undefined) text.push(error.hint);
    return { level: 'error', code: error.code, title: `${action} failed`, text };
  }
  if (error instanceof CcidError) return { level: 'error', code: error.code, title: `${action} failed`, text: [error.message] };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { level: 'error', title: `${action} failed`, text: [message] };
}
