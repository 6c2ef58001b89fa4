/**
 * The slot status and slot error registers of every RDR_to_PC message (CCID 1.1 §6.2.6,
 * Tables 6.2-2 and 6.2-3): bStatus = bmICCStatus (bits 0-1) | bmCommandStatus (bits 6-7),
 * and bError, whose meaning depends on bmCommandStatus.
 */

/** bmICCStatus = 0: a card is present and active (powered, RST inactive). */
export const ICC_STATUS_PRESENT_ACTIVE = 0;
/** bmICCStatus = 1: a card is present and inactive (not activated, or shut down). */
export const ICC_STATUS_PRESENT_INACTIVE = 1;
/** bmICCStatus = 2: no card is present. */
export const ICC_STATUS_NOT_PRESENT = 2;

/** bmCommandStatus = 0: the command was processed without error. */
export const COMMAND_STATUS_PROCESSED = 0;
/** bmCommandStatus = 1: the command failed; bError says why. */
export const COMMAND_STATUS_FAILED = 1;
/** bmCommandStatus = 2: time extension requested; bError is the multiplier (§6.2.6). */
export const COMMAND_STATUS_TIME_EXTENSION = 2;

/** Name of a bmICCStatus value. */
export type IccStatusName = 'PRESENT_ACTIVE' | 'PRESENT_INACTIVE' | 'NOT_PRESENT' | 'RFU';
/** Name of a bmCommandStatus value. */
export type CommandStatusName = 'PROCESSED' | 'FAILED' | 'TIME_EXTENSION' | 'RFU';

const ICC_NAMES: readonly IccStatusName[] = ['PRESENT_ACTIVE', 'PRESENT_INACTIVE', 'NOT_PRESENT', 'RFU'];
const COMMAND_NAMES: readonly CommandStatusName[] = ['PROCESSED', 'FAILED', 'TIME_EXTENSION', 'RFU'];

/** bmICCStatus of a bStatus byte (bits 0-1). */
export function iccStatusOf(bStatus: number): number {
  return bStatus & 0x03;
}

/** bmCommandStatus of a bStatus byte (bits 6-7). */
export function commandStatusOf(bStatus: number): number {
  return (bStatus >> 6) & 0x03;
}

/** Name of bmICCStatus: `iccStatusName(2)` → `"NOT_PRESENT"`. */
export function iccStatusName(iccStatus: number): IccStatusName {
  return ICC_NAMES[iccStatus & 0x03]!;
}

/** Name of bmCommandStatus: `commandStatusName(2)` → `"TIME_EXTENSION"`. */
export function commandStatusName(commandStatus: number): CommandStatusName {
  return COMMAND_NAMES[commandStatus & 0x03]!;
}

// bError when bmCommandStatus = 1 (§6.2.6, Table 6.2-2).
/** Host aborted the current activity. */
export const CMD_ABORTED = 0xff;
/** CCID timed out while talking to the card. */
export const ICC_MUTE = 0xfe;
/** Parity error while talking to the card. */
export const XFR_PARITY_ERROR = 0xfd;
/** Overrun error while talking to the card. */
export const XFR_OVERRUN = 0xfc;
/** An all-inclusive hardware error occurred. */
export const HW_ERROR = 0xfb;
/** Bad TS byte in the ATR. */
export const BAD_ATR_TS = 0xf8;
/** Bad TCK byte in the ATR. */
export const BAD_ATR_TCK = 0xf7;
/** The card's protocol is not supported. */
export const ICC_PROTOCOL_NOT_SUPPORTED = 0xf6;
/** The card's voltage class is not supported. */
export const ICC_CLASS_NOT_SUPPORTED = 0xf5;
/** The card sent a procedure byte that conflicts with the command. */
export const PROCEDURE_BYTE_CONFLICT = 0xf4;
/** The requested protocol is deactivated. */
export const DEACTIVATED_PROTOCOL = 0xf3;
/** The reader is busy with an automatic sequence (activation, PPS...). */
export const BUSY_WITH_AUTO_SEQUENCE = 0xf2;
/** PIN entry timed out. */
export const PIN_TIMEOUT = 0xf0;
/** PIN entry was cancelled by the user. */
export const PIN_CANCELLED = 0xef;
/** A second command reached a busy slot, or more slots than bMaxCCIDBusySlots were busy. */
export const CMD_SLOT_BUSY = 0xe0;
/** The command is not supported. */
export const CMD_NOT_SUPPORTED = 0x00;

const ERROR_NAMES = new Map<number, string>([
  [CMD_ABORTED, 'CMD_ABORTED'],
  [ICC_MUTE, 'ICC_MUTE'],
  [XFR_PARITY_ERROR, 'XFR_PARITY_ERROR'],
  [XFR_OVERRUN, 'XFR_OVERRUN'],
  [HW_ERROR, 'HW_ERROR'],
  [BAD_ATR_TS, 'BAD_ATR_TS'],
  [BAD_ATR_TCK, 'BAD_ATR_TCK'],
  [ICC_PROTOCOL_NOT_SUPPORTED, 'ICC_PROTOCOL_NOT_SUPPORTED'],
  [ICC_CLASS_NOT_SUPPORTED, 'ICC_CLASS_NOT_SUPPORTED'],
  [PROCEDURE_BYTE_CONFLICT, 'PROCEDURE_BYTE_CONFLICT'],
  [DEACTIVATED_PROTOCOL, 'DEACTIVATED_PROTOCOL'],
  [BUSY_WITH_AUTO_SEQUENCE, 'BUSY_WITH_AUTO_SEQUENCE'],
  [PIN_TIMEOUT, 'PIN_TIMEOUT'],
  [PIN_CANCELLED, 'PIN_CANCELLED'],
  [CMD_SLOT_BUSY, 'CMD_SLOT_BUSY'],
  [CMD_NOT_SUPPORTED, 'CMD_NOT_SUPPORTED'],
]);

/**
 * Spec name of bError for a failed command (§6.2.6, Table 6.2-2): `0xFE` → `"ICC_MUTE"`.
 * Values 1..127 are the offset of the message field the reader rejected
 * (`BAD_PARAMETER(5)`: bSlot does not exist, `BAD_PARAMETER(7)`: bPowerSelect...);
 * anything else (user-defined 0x81..0xC0, reserved) is `UNKNOWN(0xNN)`.
 */
export function slotErrorName(bError: number): string {
  const name = ERROR_NAMES.get(bError);
  if (name !== undefined) return name;
  if (bError >= 1 && bError <= 0x7f) return `BAD_PARAMETER(${bError})`;
  return `UNKNOWN(0x${(bError & 0xff).toString(16).toUpperCase().padStart(2, '0')})`;
}

/** bClockStatus names of RDR_to_PC_SlotStatus (§6.2.2). */
export function clockStatusName(bClockStatus: number): string {
  switch (bClockStatus) {
    case 0:
      return 'RUNNING';
    case 1:
      return 'STOPPED_L';
    case 2:
      return 'STOPPED_H';
    case 3:
      return 'STOPPED_UNKNOWN';
    default:
      return `RFU(${bClockStatus})`;
  }
}

/** bHardwareErrorCode names of RDR_to_PC_HardwareError (§6.3.2). */
export function hardwareErrorName(code: number): string {
  return code === 0x01 ? 'OVERCURRENT' : `UNKNOWN(0x${(code & 0xff).toString(16).toUpperCase().padStart(2, '0')})`;
}
