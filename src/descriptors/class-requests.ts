/**
 * The answers of the CCID class requests GET_CLOCK_FREQUENCIES and GET_DATA_RATES
 * (CCID 1.1 §5.3.2, §5.3.3): a list of 32-bit little-endian values (kHz, bps), or the way
 * the request failed. Many readers STALL them or answer nothing, so a failure is a result
 * to keep and show, not an error.
 */
import type { CcidErrorCode } from '../errors.ts';
import { u32 } from './bytes.ts';

/**
 * How many values the host asks for: 256 (wLength 1024), the size of libccid's `parse`
 * buffer. Today's `parse` asks for only bNumClockSupported × 4 bytes; asking for the whole
 * buffer, as `parse` did for years, also shows readers that return more values than they
 * announce ("Got 256 clock frequencies but was expecting 4").
 */
export const CLASS_REQUEST_MAX_VALUES = 256;

/** Why a class request gave no values. */
export type FailureReason =
  /** The reader STALLed the request (libusb: LIBUSB_ERROR_PIPE). */
  | 'stall'
  /** No answer in time. */
  | 'timeout'
  /** The reader answered with 0 bytes (libccid's `parse` prints this as an error). */
  | 'empty'
  /** Another transport failure (device gone, access denied, I/O error...). */
  | 'transport'
  /** A recorded failure whose cause the text does not pin down. */
  | 'unknown';

/** What was read for one class request: the bytes, or the failure. Also the input of {@link parseDescriptorSet}. */
export type ClassRequestAnswer =
  | { readonly kind: 'data'; readonly bytes: Uint8Array }
  | { readonly kind: 'error'; readonly text: string; readonly reason?: FailureReason; readonly code?: CcidErrorCode };

/** A class request's result, decoded. */
export type ClassRequestResult =
  | {
      readonly kind: 'values';
      /** The 32-bit unsigned values (kHz or bps), from every complete group of 4 bytes. */
      readonly values: number[];
      /** The answer as read. */
      readonly raw: Uint8Array;
      /** True when the answer's length is not a multiple of 4 (CCID 1.1 §5.3.2 requires it). */
      readonly wrongSize: boolean;
    }
  | {
      readonly kind: 'error';
      /** The failure as text: libusb's wording for STALL and empty answers, the transport's message otherwise. */
      readonly text: string;
      readonly reason: FailureReason;
      /** The transport error's code, when the request was rejected with one. */
      readonly code?: CcidErrorCode;
    }
  | { readonly kind: 'not-requested' };

/** libusb's name of a STALL, what libccid's `parse` prints for it. */
export const TEXT_STALL = 'LIBUSB_ERROR_PIPE';
/** libusb's name of success, what `parse` prints for a 0-byte answer. */
export const TEXT_EMPTY = 'LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED';
/** libusb's name of a timeout. */
export const TEXT_TIMEOUT = 'LIBUSB_ERROR_TIMEOUT';

/**
 * The most likely meaning of a failure text recorded by `parse` (libusb names since 2021,
 * libusb_strerror 2019–2021, strerror(errno) before; see the libccid fixtures README).
 */
export function failureReasonOfText(text: string): FailureReason {
  if (/LIBUSB_ERROR_PIPE|Broken pipe/i.test(text)) return 'stall';
  if (/LIBUSB_ERROR_TIMEOUT|timed out/i.test(text)) return 'timeout';
  if (/^(LIBUSB_SUCCESS\b.*|Success)$/.test(text)) return 'empty';
  return 'unknown';
}

/** Decodes one answer; `undefined` (no answer recorded) gives `not-requested`. */
export function decodeClassAnswer(answer: ClassRequestAnswer | undefined): ClassRequestResult {
  if (answer === undefined) return { kind: 'not-requested' };
  if (answer.kind === 'error') {
    const reason = answer.reason ?? failureReasonOfText(answer.text);
    return answer.code === undefined ? { kind: 'error', text: answer.text, reason } : { kind: 'error', text: answer.text, reason, code: answer.code };
  }
  const raw = answer.bytes.slice();
  if (raw.length === 0) return { kind: 'error', text: TEXT_EMPTY, reason: 'empty' };
  const values: number[] = [];
  for (let i = 0; i + 4 <= raw.length; i += 4) values.push(u32(raw, i));
  return { kind: 'values', values, raw, wrongSize: raw.length % 4 !== 0 };
}
