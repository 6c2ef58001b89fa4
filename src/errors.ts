/**
 * The error taxonomy of the driver. Every error the library throws is a
 * {@link CcidError} with a stable literal `code` (match on it, not on the message),
 * a `name`, context fields where known, and the lower layer's error as ES2022 `cause`.
 *
 * Layers: transport ({@link UsbTransportError}) → descriptors ({@link DescriptorError})
 * → CCID frames and the engine ({@link FrameError}, {@link ProtocolError},
 * {@link SlotError}, {@link TimeoutError}, {@link CancelledError}, {@link ReaderGoneError})
 * → ISO 7816 ({@link AtrError}, {@link CardProtocolError}, {@link CardError}).
 */

/** Every error code, grouped by class. */
export const ERROR_CODES = {
  UsbTransportError: [
    'CCID_ERR_USB_NO_SUBSYSTEM',
    'CCID_ERR_USB_DEVICE_GONE',
    'CCID_ERR_USB_ACCESS_DENIED',
    'CCID_ERR_USB_BUSY',
    'CCID_ERR_USB_SECURITY',
    'CCID_ERR_USB_STALL',
    'CCID_ERR_USB_TIMEOUT',
    'CCID_ERR_USB_CLOSED',
    'CCID_ERR_USB_IO',
  ],
  DescriptorError: ['CCID_ERR_DESCRIPTOR_MALFORMED', 'CCID_ERR_NOT_CCID'],
  FixtureError: ['CCID_ERR_FIXTURE_MALFORMED'],
  FrameError: ['CCID_ERR_FRAME_MALFORMED', 'CCID_ERR_FRAME_TOO_LONG'],
  ProtocolError: ['CCID_ERR_PROTOCOL'],
  SlotError: ['CCID_ERR_SLOT', 'CCID_ERR_CARD_ABSENT', 'CCID_ERR_CARD_MUTE', 'CCID_ERR_SLOT_BUSY'],
  TimeoutError: ['CCID_ERR_TIMEOUT'],
  CancelledError: ['CCID_ERR_CANCELLED'],
  ReaderGoneError: ['CCID_ERR_READER_GONE', 'CCID_ERR_READER_CLOSED'],
  NotSupportedError: ['CCID_ERR_NOT_SUPPORTED'],
  ArgumentError: ['CCID_ERR_INVALID_ARGUMENT'],
  AtrError: ['CCID_ERR_ATR_MALFORMED'],
  CardProtocolError: ['CCID_ERR_CARD_PROTOCOL', 'CCID_ERR_CARD_REMOVED'],
  CardError: ['CCID_ERR_CARD_STATUS'],
  CaptureError: ['CCID_ERR_CAPTURE_MALFORMED'],
} as const;

type CodesOf<K extends keyof typeof ERROR_CODES> = (typeof ERROR_CODES)[K][number];
/** Any error code of the library. */
export type CcidErrorCode = CodesOf<keyof typeof ERROR_CODES>;

/** Context that an error may carry; each field only where it is known. */
export interface CcidErrorContext {
  /** Reader name or VID:PID. */
  reader?: string;
  /** bSlot of the command concerned. */
  slot?: number;
  /** bSeq of the command concerned. */
  bSeq?: number;
  /** bMessageType of the command or response concerned. */
  bMessageType?: number;
  /** bStatus of the response (CCID 1.1 §6.2.6). */
  bStatus?: number;
  /** bError of the response (CCID 1.1 §6.2.6). */
  bError?: number;
  /** ES2022 cause: the lower layer's error. */
  cause?: unknown;
}

/** Base class of every error the library throws. */
export class CcidError extends Error {
  readonly code: CcidErrorCode;
  readonly reader?: string;
  readonly slot?: number;
  readonly bSeq?: number;
  readonly bMessageType?: number;
  readonly bStatus?: number;
  readonly bError?: number;

  constructor(code: CcidErrorCode, message: string, context: CcidErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'CcidError';
    this.code = code;
    if (context.reader !== undefined) this.reader = context.reader;
    if (context.slot !== undefined) this.slot = context.slot;
    if (context.bSeq !== undefined) this.bSeq = context.bSeq;
    if (context.bMessageType !== undefined) this.bMessageType = context.bMessageType;
    if (context.bStatus !== undefined) this.bStatus = context.bStatus;
    if (context.bError !== undefined) this.bError = context.bError;
  }
}

/** USB transport failure: device gone, access denied, interface busy, stall, timeout. */
export class UsbTransportError extends CcidError {
  declare readonly code: CodesOf<'UsbTransportError'>;
  /** What the user can do about it (udev rule, stop pcscd...), when known. */
  readonly hint?: string;
  constructor(code: CodesOf<'UsbTransportError'>, message: string, context: CcidErrorContext & { hint?: string } = {}) {
    super(code, message, context);
    this.name = 'UsbTransportError';
    if (context.hint !== undefined) this.hint = context.hint;
  }
}

/** Malformed or non-CCID USB descriptors. */
export class DescriptorError extends CcidError {
  declare readonly code: CodesOf<'DescriptorError'>;
  /** Byte offset in the descriptor set where the problem was found. */
  readonly offset?: number;
  constructor(code: CodesOf<'DescriptorError'>, message: string, context: CcidErrorContext & { offset?: number } = {}) {
    super(code, message, context);
    this.name = 'DescriptorError';
    if (context.offset !== undefined) this.offset = context.offset;
  }
}

/** A `descriptors/*.desc` fixture file that does not follow the format. */
export class FixtureError extends CcidError {
  declare readonly code: CodesOf<'FixtureError'>;
  /** 1-based line number. */
  readonly line?: number;
  constructor(message: string, context: CcidErrorContext & { line?: number } = {}) {
    super('CCID_ERR_FIXTURE_MALFORMED', message, context);
    this.name = 'FixtureError';
    if (context.line !== undefined) this.line = context.line;
  }
}

/** A CCID message that cannot be decoded (short header, impossible length). */
export class FrameError extends CcidError {
  declare readonly code: CodesOf<'FrameError'>;
  constructor(code: CodesOf<'FrameError'>, message: string, context: CcidErrorContext = {}) {
    super(code, message, context);
    this.name = 'FrameError';
  }
}

/** The reader broke the CCID protocol (bSeq, bSlot or message type mismatch...). */
export class ProtocolError extends CcidError {
  declare readonly code: CodesOf<'ProtocolError'>;
  constructor(message: string, context: CcidErrorContext = {}) {
    super('CCID_ERR_PROTOCOL', message, context);
    this.name = 'ProtocolError';
  }
}

/**
 * A command failed in the reader: bmCommandStatus = 1 with bError (CCID 1.1 §6.2.6).
 * `errorName` is the spec name of bError (ICC_MUTE, CMD_ABORTED...), or `UNKNOWN(n)`.
 */
export class SlotError extends CcidError {
  declare readonly code: CodesOf<'SlotError'>;
  readonly errorName: string;
  constructor(code: CodesOf<'SlotError'>, errorName: string, message: string, context: CcidErrorContext = {}) {
    super(code, message, context);
    this.name = 'SlotError';
    this.errorName = errorName;
  }
}

/** A command's deadline passed (the command was aborted). */
export class TimeoutError extends CcidError {
  declare readonly code: CodesOf<'TimeoutError'>;
  /** The deadline that passed, in milliseconds from the command's start. */
  readonly timeoutMs?: number;
  constructor(message: string, context: CcidErrorContext & { timeoutMs?: number } = {}) {
    super('CCID_ERR_TIMEOUT', message, context);
    this.name = 'TimeoutError';
    if (context.timeoutMs !== undefined) this.timeoutMs = context.timeoutMs;
  }
}

/** The caller cancelled the operation (AbortSignal). */
export class CancelledError extends CcidError {
  declare readonly code: CodesOf<'CancelledError'>;
  constructor(message: string, context: CcidErrorContext = {}) {
    super('CCID_ERR_CANCELLED', message, context);
    this.name = 'CancelledError';
  }
}

/** The reader was unplugged (`CCID_ERR_READER_GONE`) or closed (`CCID_ERR_READER_CLOSED`). */
export class ReaderGoneError extends CcidError {
  declare readonly code: CodesOf<'ReaderGoneError'>;
  constructor(code: CodesOf<'ReaderGoneError'>, message: string, context: CcidErrorContext = {}) {
    super(code, message, context);
    this.name = 'ReaderGoneError';
  }
}

/** The reader or card does not offer what was asked (character level, extended APDU...). */
export class NotSupportedError extends CcidError {
  declare readonly code: CodesOf<'NotSupportedError'>;
  constructor(message: string, context: CcidErrorContext = {}) {
    super('CCID_ERR_NOT_SUPPORTED', message, context);
    this.name = 'NotSupportedError';
  }
}

/** A caller passed an invalid value (bad hex, slot out of range...). */
export class ArgumentError extends CcidError {
  declare readonly code: CodesOf<'ArgumentError'>;
  constructor(message: string, context: CcidErrorContext = {}) {
    super('CCID_ERR_INVALID_ARGUMENT', message, context);
    this.name = 'ArgumentError';
  }
}

/** A malformed ATR (ISO/IEC 7816-3 §8). */
export class AtrError extends CcidError {
  declare readonly code: CodesOf<'AtrError'>;
  constructor(message: string, context: CcidErrorContext = {}) {
    super('CCID_ERR_ATR_MALFORMED', message, context);
    this.name = 'AtrError';
  }
}

/** T=0 / T=1 transmission protocol failure (ISO/IEC 7816-3 §10, §11), or card removed. */
export class CardProtocolError extends CcidError {
  declare readonly code: CodesOf<'CardProtocolError'>;
  constructor(code: CodesOf<'CardProtocolError'>, message: string, context: CcidErrorContext = {}) {
    super(code, message, context);
    this.name = 'CardProtocolError';
  }
}

/** A card answered with an error status word (used by helpers that require 90 00). */
export class CardError extends CcidError {
  declare readonly code: CodesOf<'CardError'>;
  /** SW1SW2 as a 16-bit number. */
  readonly sw: number;
  constructor(sw: number, message: string, context: CcidErrorContext = {}) {
    super('CCID_ERR_CARD_STATUS', message, context);
    this.name = 'CardError';
    this.sw = sw;
  }
}

/** A pcap/pcapng capture that cannot be read. */
export class CaptureError extends CcidError {
  declare readonly code: CodesOf<'CaptureError'>;
  constructor(message: string, context: CcidErrorContext = {}) {
    super('CCID_ERR_CAPTURE_MALFORMED', message, context);
    this.name = 'CaptureError';
  }
}

/** True when `error` is a {@link CcidError} (of any class). */
export function isCcidError(error: unknown): error is CcidError {
  return error instanceof CcidError;
}
