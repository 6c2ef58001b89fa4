/**
 * The README's error catalogue, generated from `ERROR_CODES` (src/errors.ts): one row per
 * code with its class and what it means to a caller. `error-catalogue.test.ts` fails when
 * a code has no description here, so the table cannot go stale.
 *
 * Print it: `npx tsx test/reader/error-catalogue.ts`
 */
import { ERROR_CODES, type CcidErrorCode } from '../../src/errors.ts';

/** What each code means, and what the caller can do. */
export const ERROR_MEANINGS: Readonly<Record<CcidErrorCode, string>> = {
  CCID_ERR_USB_NO_SUBSYSTEM: 'No USB access in this runtime (npm `usb` not loadable, no `navigator.usb`).',
  CCID_ERR_USB_DEVICE_GONE: 'The device was unplugged during a USB call.',
  CCID_ERR_USB_ACCESS_DENIED: 'The OS refused access (udev rule, permissions); `hint` says what to do.',
  CCID_ERR_USB_BUSY: 'Another driver holds the interface (pcscd, the kernel); `hint` says which.',
  CCID_ERR_USB_SECURITY: 'The browser refused (protected interface class, no user gesture).',
  CCID_ERR_USB_STALL: 'An endpoint stalled and could not be cleared.',
  CCID_ERR_USB_TIMEOUT: 'A USB control transfer timed out.',
  CCID_ERR_USB_CLOSED: 'The device or interface was closed under a pending transfer.',
  CCID_ERR_USB_IO: 'Any other USB I/O failure (the backend error is the `cause`).',
  CCID_ERR_DESCRIPTOR_MALFORMED: 'The device or configuration descriptor is truncated or impossible (`offset`).',
  CCID_ERR_NOT_CCID: 'The device has no CCID interface.',
  CCID_ERR_FIXTURE_MALFORMED: 'A `.desc` fixture file does not follow the format (`line`).',
  CCID_ERR_FRAME_MALFORMED: 'A CCID message cannot be decoded (short header, unknown type).',
  CCID_ERR_FRAME_TOO_LONG: 'A CCID message is longer than dwMaxCCIDMessageLength.',
  CCID_ERR_PROTOCOL: 'The reader broke the CCID protocol (bSeq, bSlot or type mismatch), or an engine invariant failed.',
  CCID_ERR_SLOT: 'The reader failed the command with another bError (`errorName`: HW_ERROR, BAD_PARAMETER(n)...).',
  CCID_ERR_CARD_ABSENT: 'Engine level: the reader answered "no card" (bmICCStatus 2). The slot API reports CCID_ERR_CARD_REMOVED.',
  CCID_ERR_CARD_MUTE: 'The card did not answer in time (bError ICC_MUTE): at power-on at every voltage, or during an exchange.',
  CCID_ERR_SLOT_BUSY: 'The reader answered CMD_SLOT_BUSY (a correct driver never causes it).',
  CCID_ERR_TIMEOUT: 'No answer from the reader before the deadline (the card-derived read timeout, ≥ 3 s, stretched by time extensions); the command was aborted.',
  CCID_ERR_CANCELLED: 'The caller\'s AbortSignal fired, or the PIN pad user cancelled (PIN_CANCELLED).',
  CCID_ERR_READER_GONE: 'The reader was unplugged or stopped answering; every pending command failed.',
  CCID_ERR_READER_CLOSED: 'The reader was closed or destroyed.',
  CCID_ERR_NOT_SUPPORTED: 'The reader or card cannot do it: no shared protocol, character level, no PIN pad, voltage not supplied, unsupported reader.',
  CCID_ERR_INVALID_ARGUMENT: 'A bad value from the caller: malformed APDU or hex, transmit before powerOn, unknown slot.',
  CCID_ERR_ATR_MALFORMED: 'The ATR cannot be used (bad TS, missing interface bytes).',
  CCID_ERR_CARD_PROTOCOL: 'T=0 / T=1 failure with the ISO/IEC 7816-3 reason (parity, procedure byte, T=1 recovery exhausted).',
  CCID_ERR_CARD_REMOVED: 'The card was removed (or is absent) during the operation; power it on again after re-insertion.',
  CCID_ERR_CARD_STATUS: 'A helper that requires 90 00 got another status word (`sw`).',
  CCID_ERR_CAPTURE_MALFORMED: 'A pcap/pcapng capture cannot be read.',
};

/** The markdown table: code, class, meaning. */
export function errorCatalogue(): string {
  const rows = ['| code | class | meaning |', '|---|---|---|'];
  for (const [cls, codes] of Object.entries(ERROR_CODES)) {
    for (const code of codes) rows.push(`| \`${code}\` | \`${cls}\` | ${ERROR_MEANINGS[code]} |`);
  }
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(errorCatalogue());
