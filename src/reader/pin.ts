/**
 * Secure PIN entry on the reader's PIN pad: PC_to_RDR_Secure (CCID 1.1 §6.1.11) with the
 * PIN verification (§6.1.11.7) or modification (§6.1.11.8) data structure, what PC/SC
 * v2 part 10 calls FEATURE_VERIFY_PIN_DIRECT and FEATURE_MODIFY_PIN_DIRECT. The PIN
 * never passes through the host: the reader inserts it into `apdu` as the format fields
 * say and sends the command to the card.
 *
 * Quirks applied here: `pinEntryValidation` (bEntryValidationCondition forced),
 * `pinMessageCount` (bNumberMessage rewritten), `pinSwapMaxExtraDigit` (the firmware reads
 * wPINMaxExtraDigit byte-swapped), `pinDelay` (wait before a verification),
 * `pinCase1Escape` (vendor escape before a case 1 verification with bmPINBlockString 0).
 */
import type { PinModification, PinVerification } from '../ccid/messages.ts';
import { ArgumentError, CancelledError, SlotError, TimeoutError, type CcidError } from '../errors.ts';
import type { Quirk } from '../readers/quirk.ts';

/** Fields of a PIN verification (CCID 1.1 §6.1.11.7), with defaults for a typical ASCII PIN. */
export interface VerifyPinParams {
  /** abPINApdu: the command the reader completes with the PIN, e.g. `00 20 00 01 08 FF FF FF FF FF FF FF FF`. */
  apdu: Uint8Array;
  /** bTimeOut: seconds to wait for the first key; 0 = the reader's default. @default 0 */
  timeOut?: number;
  /** bmFormatString. @default 0x82 (ASCII, position in bytes, 0 bytes from the data start, left justified) */
  formatString?: number;
  /** bmPINBlockString. @default 0x08 (no length field, 8-byte PIN block) */
  pinBlockString?: number;
  /** bmPINLengthFormat. @default 0x00 */
  pinLengthFormat?: number;
  /** Minimum PIN size in digits (high byte of wPINMaxExtraDigit). @default 4 */
  minPinDigits?: number;
  /** Maximum PIN size in digits (low byte of wPINMaxExtraDigit). @default 8 */
  maxPinDigits?: number;
  /** bEntryValidationCondition: 1 max size, 2 validation key, 4 timeout (ORed). @default 0x02 */
  entryValidationCondition?: number;
  /** bNumberMessage. @default 0x01 */
  numberMessage?: number;
  /** wLangId. @default 0x0409 (English, United States) */
  langId?: number;
  /** bMsgIndex. @default 0 */
  msgIndex?: number;
}

/** Fields of a PIN modification (CCID 1.1 §6.1.11.8). */
export interface ModifyPinParams extends Omit<VerifyPinParams, 'msgIndex'> {
  /** bInsertionOffsetOld: where the current PIN goes in the APDU data, in bytes. @default 0 */
  insertionOffsetOld?: number;
  /** bInsertionOffsetNew: where the new PIN goes, in bytes. @default 8 */
  insertionOffsetNew?: number;
  /** bConfirmPIN: bit 0 new PIN entered twice, bit 1 current PIN requested. @default 0x03 */
  confirmPin?: number;
  /** bMsgIndex1..3. @default [0, 1, 2] */
  msgIndexes?: readonly number[];
}

/** Options of a PIN operation. */
export interface PinOptions {
  /** Cancels the operation (the engine aborts the PC_to_RDR_Secure). */
  signal?: AbortSignal;
}

function byte(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new ArgumentError(`${name} must be a byte, got ${value}`);
  return value;
}

function checkApdu(apdu: Uint8Array): void {
  if (!(apdu instanceof Uint8Array) || apdu.length < 4) throw new ArgumentError('the PIN APDU must be a Uint8Array of at least 4 bytes');
}

/** The CCID PIN verification structure for `params`, after the quirks. */
export function verificationStructure(params: VerifyPinParams, quirks: readonly Quirk[]): PinVerification {
  checkApdu(params.apdu);
  let min = byte('minPinDigits', params.minPinDigits ?? 4);
  let max = byte('maxPinDigits', params.maxPinDigits ?? 8);
  let validation = byte('entryValidationCondition', params.entryValidationCondition ?? 0x02);
  let messages = byte('numberMessage', params.numberMessage ?? 0x01);
  for (const q of quirks) {
    if (q.kind === 'pinEntryValidation') validation = q.value;
    if (q.kind === 'pinMessageCount' && q.operation === 'verify' && (q.onlyWhen === undefined || q.onlyWhen === messages)) messages = q.value;
    if (q.kind === 'pinSwapMaxExtraDigit') [min, max] = [max, min];
  }
  return {
    timeOut: byte('timeOut', params.timeOut ?? 0),
    formatString: byte('formatString', params.formatString ?? 0x82),
    pinBlockString: byte('pinBlockString', params.pinBlockString ?? 0x08),
    pinLengthFormat: byte('pinLengthFormat', params.pinLengthFormat ?? 0x00),
    minPinDigits: min,
    maxPinDigits: max,
    entryValidationCondition: validation,
    numberMessage: messages,
    langId: params.langId ?? 0x0409,
    msgIndex: byte('msgIndex', params.msgIndex ?? 0),
    teoPrologue: new Uint8Array(3),
    apdu: params.apdu,
  };
}

/** The CCID PIN modification structure for `params`, after the quirks. */
export function modificationStructure(params: ModifyPinParams, quirks: readonly Quirk[]): PinModification {
  checkApdu(params.apdu);
  let min = byte('minPinDigits', params.minPinDigits ?? 4);
  let max = byte('maxPinDigits', params.maxPinDigits ?? 8);
  let validation = byte('entryValidationCondition', params.entryValidationCondition ?? 0x02);
  let messages = byte('numberMessage', params.numberMessage ?? 0x03);
  let msgIndexes = [...(params.msgIndexes ?? [0, 1, 2])];
  for (const q of quirks) {
    if (q.kind === 'pinEntryValidation') validation = q.value;
    if (q.kind === 'pinMessageCount' && q.operation === 'modify' && (q.onlyWhen === undefined || q.onlyWhen === messages)) {
      messages = q.value;
      if (q.zeroMessageIndexes === true) msgIndexes = [0, 0, 0];
    }
    if (q.kind === 'pinSwapMaxExtraDigit') [min, max] = [max, min];
  }
  return {
    timeOut: byte('timeOut', params.timeOut ?? 0),
    formatString: byte('formatString', params.formatString ?? 0x82),
    pinBlockString: byte('pinBlockString', params.pinBlockString ?? 0x08),
    pinLengthFormat: byte('pinLengthFormat', params.pinLengthFormat ?? 0x00),
    insertionOffsetOld: byte('insertionOffsetOld', params.insertionOffsetOld ?? 0),
    insertionOffsetNew: byte('insertionOffsetNew', params.insertionOffsetNew ?? 8),
    minPinDigits: min,
    maxPinDigits: max,
    confirmPin: byte('confirmPin', params.confirmPin ?? 0x03),
    entryValidationCondition: validation,
    numberMessage: messages,
    langId: params.langId ?? 0x0409,
    msgIndexes,
    teoPrologue: new Uint8Array(3),
    apdu: params.apdu,
  };
}

/** Milliseconds to wait before a verification (`pinDelay`), 0 without the quirk. */
export function pinDelayMs(quirks: readonly Quirk[]): number {
  let ms = 0;
  for (const q of quirks) if (q.kind === 'pinDelay') ms = Math.max(ms, q.ms);
  return ms;
}

/** The escape to send before a case 1 verification with bmPINBlockString 0 (`pinCase1Escape`), if any. */
export function case1Escape(quirks: readonly Quirk[], structure: PinVerification): string | undefined {
  if (structure.apdu.length !== 4 || structure.pinBlockString !== 0) return undefined;
  const q = quirks.find((x) => x.kind === 'pinCase1Escape');
  return q?.kind === 'pinCase1Escape' ? q.escape : undefined;
}

/** The PIN pad's own failures (bError PIN_TIMEOUT, PIN_CANCELLED) as what they mean to the caller. */
export function pinError(error: unknown, where: string): unknown {
  if (!(error instanceof SlotError)) return error;
  const context = { reader: error.reader, slot: error.slot, bSeq: error.bSeq, bMessageType: error.bMessageType, bStatus: error.bStatus, bError: error.bError, cause: error };
  if (error.errorName === 'PIN_TIMEOUT') return new TimeoutError(`${where}: no PIN entered in time (PIN_TIMEOUT)`, context) as CcidError;
  if (error.errorName === 'PIN_CANCELLED') return new CancelledError(`${where}: the user cancelled PIN entry (PIN_CANCELLED)`, context) as CcidError;
  return error;
}

/** Waits `ms`, or rejects with CancelledError when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('cancelled while waiting', { cause: signal?.reason }));
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
