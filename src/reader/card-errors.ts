/**
 * From the engine's errors to what they mean for the card, at the slot API boundary.
 * The engine reports what the reader said (bError of a failed answer, CCID 1.1 §6.2.6,
 * Table 6.2-2); a caller of `transmit` wants to know what happened to the card. The
 * original error is always kept as `cause`.
 *
 * | engine error                                   | becomes                                                      |
 * |------------------------------------------------|--------------------------------------------------------------|
 * | SlotError CCID_ERR_CARD_ABSENT                 | CardProtocolError CCID_ERR_CARD_REMOVED                      |
 * | SlotError ICC_MUTE                             | SlotError CCID_ERR_CARD_MUTE (kept: "the card did not answer") |
 * | XFR_PARITY_ERROR, XFR_OVERRUN, BAD_ATR_TS/TCK, PROCEDURE_BYTE_CONFLICT | CardProtocolError CCID_ERR_CARD_PROTOCOL with the ISO reason |
 * | ICC_PROTOCOL_NOT_SUPPORTED, ICC_CLASS_NOT_SUPPORTED, CMD_NOT_SUPPORTED, DEACTIVATED_PROTOCOL | NotSupportedError |
 * | TimeoutError, CancelledError, ReaderGoneError, CardProtocolError, ArgumentError | unchanged                |
 * | anything that is not a CcidError                | ProtocolError (a bug somewhere below, reported with cause)  |
 */
import { CardProtocolError, CcidError, NotSupportedError, ProtocolError, SlotError } from '../errors.ts';

/** The ISO/IEC 7816-3 meaning of the reader's card-side failures, by bError name. */
const ISO_REASONS: Readonly<Record<string, string>> = {
  XFR_PARITY_ERROR: 'parity error on a character (ISO/IEC 7816-3 §7.3: the character was repeated and still wrong)',
  XFR_OVERRUN: 'the card sent more bytes than the reader could hold (overrun)',
  BAD_ATR_TS: 'the ATR has a bad initial character TS (ISO/IEC 7816-3 §8.1)',
  BAD_ATR_TCK: 'the ATR check byte TCK is wrong (ISO/IEC 7816-3 §8.2.5)',
  PROCEDURE_BYTE_CONFLICT: 'the card sent a T=0 procedure byte that does not fit the command (ISO/IEC 7816-3 §10.3.3)',
  HW_ERROR: 'the reader reported a hardware error while talking to the card',
};

const NOT_SUPPORTED = new Set(['ICC_PROTOCOL_NOT_SUPPORTED', 'ICC_CLASS_NOT_SUPPORTED', 'CMD_NOT_SUPPORTED', 'DEACTIVATED_PROTOCOL']);

/** Where the error happened, for messages. */
export interface ErrorPlace {
  /** Reader name. */
  readonly reader: string;
  /** Slot index. */
  readonly slot: number;
  /** What was being done: `transmit`, `power on`... */
  readonly operation: string;
}

/** Translates an error from the engine or the ISO 7816 layer into its card-level meaning (see the table above). */
export function cardError(error: unknown, place: ErrorPlace): CcidError {
  const where = `${place.reader} slot ${place.slot}: ${place.operation}`;
  const context = { reader: place.reader, slot: place.slot, cause: error };
  if (error instanceof SlotError) {
    const header = { ...context, bSeq: error.bSeq, bMessageType: error.bMessageType, bStatus: error.bStatus, bError: error.bError };
    if (error.code === 'CCID_ERR_CARD_ABSENT') return new CardProtocolError('CCID_ERR_CARD_REMOVED', `${where}: no card in the slot (removed, or never inserted)`, header);
    if (error.code === 'CCID_ERR_CARD_MUTE') return error;
    const reason = ISO_REASONS[error.errorName];
    if (reason !== undefined) return new CardProtocolError('CCID_ERR_CARD_PROTOCOL', `${where}: ${reason} (${error.errorName})`, header);
    if (NOT_SUPPORTED.has(error.errorName)) return new NotSupportedError(`${where}: the reader answered ${error.errorName}`, header);
    return error;
  }
  if (error instanceof CcidError) return error;
  return new ProtocolError(`${where}: unexpected failure: ${error instanceof Error ? error.message : String(error)}`, context);
}

/** True when the error means the card is no longer there. */
export function isCardGone(error: CcidError): boolean {
  return error.code === 'CCID_ERR_CARD_REMOVED' || error.code === 'CCID_ERR_CARD_ABSENT';
}
