/**
 * From a failed answer (bmCommandStatus = 1, CCID 1.1 §6.2.6) to a {@link SlotError}: the
 * code callers match on, the bError spec name, and every header field as context.
 *
 * Code choice, first match wins:
 * - bmICCStatus = 2 (no card) → CCID_ERR_CARD_ABSENT (readers also say ICC_MUTE then);
 * - bError ICC_MUTE → CCID_ERR_CARD_MUTE;
 * - bError CMD_SLOT_BUSY → CCID_ERR_SLOT_BUSY;
 * - anything else → CCID_ERR_SLOT, with `errorName` telling which.
 */
import { SlotError } from '../errors.ts';
import type { RdrToPcMessage } from './messages.ts';
import { messageTypeName } from './messages.ts';
import { CMD_SLOT_BUSY, ICC_MUTE, ICC_STATUS_NOT_PRESENT, iccStatusName, slotErrorName } from './status.ts';

/** The SlotError for a failed answer to command `commandType`. */
export function slotErrorFor(msg: RdrToPcMessage, commandType: number, reader?: string): SlotError {
  const errorName = slotErrorName(msg.error);
  const code =
    msg.iccStatus === ICC_STATUS_NOT_PRESENT
      ? 'CCID_ERR_CARD_ABSENT'
      : msg.error === ICC_MUTE
        ? 'CCID_ERR_CARD_MUTE'
        : msg.error === CMD_SLOT_BUSY
          ? 'CCID_ERR_SLOT_BUSY'
          : 'CCID_ERR_SLOT';
  const where = reader === undefined ? `slot ${msg.slot}` : `${reader} slot ${msg.slot}`;
  return new SlotError(
    code,
    errorName,
    `${messageTypeName(commandType)} failed on ${where}: ${errorName} (card ${iccStatusName(msg.iccStatus)})`,
    { reader, slot: msg.slot, bSeq: msg.seq, bMessageType: msg.messageType, bStatus: msg.status, bError: msg.error },
  );
}
