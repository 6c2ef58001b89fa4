/**
 * CCID 1.1 constants as the emulated reader (device side) needs them. Written here from
 * the specification on purpose, not imported from `src/ccid/`: the emulator and the
 * driver decode the same bytes independently, so a misreading on one side is not
 * mirrored on the other.
 *
 * Names are the specification's (USB CCID Rev 1.1, 2005).
 */

/** Bulk-OUT message types (CCID 1.1 §6.1, Table 6.1-1). */
export const PC_to_RDR_IccPowerOn = 0x62;
/** §6.1.2 */
export const PC_to_RDR_IccPowerOff = 0x63;
/** §6.1.3 */
export const PC_to_RDR_GetSlotStatus = 0x65;
/** §6.1.4 */
export const PC_to_RDR_XfrBlock = 0x6f;
/** §6.1.5 */
export const PC_to_RDR_GetParameters = 0x6c;
/** §6.1.6 */
export const PC_to_RDR_ResetParameters = 0x6d;
/** §6.1.7 */
export const PC_to_RDR_SetParameters = 0x61;
/** §6.1.8 */
export const PC_to_RDR_Escape = 0x6b;
/** §6.1.9 */
export const PC_to_RDR_IccClock = 0x6e;
/** §6.1.10 */
export const PC_to_RDR_T0APDU = 0x6a;
/** §6.1.11 */
export const PC_to_RDR_Secure = 0x69;
/** §6.1.12 */
export const PC_to_RDR_Mechanical = 0x71;
/** §6.1.13 */
export const PC_to_RDR_Abort = 0x72;
/** §6.1.14 */
export const PC_to_RDR_SetDataRateAndClockFrequency = 0x73;

/** Bulk-IN message types (CCID 1.1 §6.2, Table 6.2-1). */
export const RDR_to_PC_DataBlock = 0x80;
/** §6.2.2 */
export const RDR_to_PC_SlotStatus = 0x81;
/** §6.2.3 */
export const RDR_to_PC_Parameters = 0x82;
/** §6.2.4 */
export const RDR_to_PC_Escape = 0x83;
/** §6.2.5 */
export const RDR_to_PC_DataRateAndClockFrequency = 0x84;

/** Interrupt-IN message types (CCID 1.1 §6.3). */
export const RDR_to_PC_NotifySlotChange = 0x50;
/** §6.3.2 */
export const RDR_to_PC_HardwareError = 0x51;

/** Every bulk message has a 10-byte header (bMessageType, dwLength, bSlot, bSeq, 3 bytes). */
export const CCID_HEADER_LENGTH = 10;

/** bmCommandStatus, bits 7..6 of bStatus (CCID 1.1 §6.2.6). */
export const COMMAND_STATUS_OK = 0x00;
/** Command failed, bError says why. */
export const COMMAND_STATUS_FAILED = 0x40;
/** Time extension requested, bError holds the multiplier. */
export const COMMAND_STATUS_TIME_EXTENSION = 0x80;

/** bmICCStatus, bits 1..0 of bStatus (CCID 1.1 §6.2.6). */
export const ICC_STATUS_ACTIVE = 0;
/** Card present, not activated. */
export const ICC_STATUS_INACTIVE = 1;
/** No card in the slot. */
export const ICC_STATUS_ABSENT = 2;

/** bError values (CCID 1.1 §6.2.6, Table 6.2-2). 0x01..0x7F is the offset of a bad field. */
export const CMD_NOT_SUPPORTED = 0x00;
/** Host aborted the command (§5.3.1). */
export const CMD_ABORTED = 0xff;
/** The card did not answer in time. */
export const ICC_MUTE = 0xfe;
/** Parity error during the exchange with the card. */
export const XFR_PARITY_ERROR = 0xfd;
/** The card sent more bytes than the reader could take. */
export const XFR_OVERRUN = 0xfc;
/** Reader hardware error. */
export const HW_ERROR = 0xfb;
/** Bad TS byte in the ATR. */
export const BAD_ATR_TS = 0xf8;
/** Bad TCK byte in the ATR. */
export const BAD_ATR_TCK = 0xf7;
/** Protocol not supported. */
export const ICC_PROTOCOL_NOT_SUPPORTED = 0xf6;
/** Voltage class not supported by the card. */
export const ICC_CLASS_NOT_SUPPORTED = 0xf5;
/** T=0 procedure byte conflict. */
export const PROCEDURE_BYTE_CONFLICT = 0xf4;
/** Protocol deactivated. */
export const DEACTIVATED_PROTOCOL = 0xf3;
/** Reader busy with an automatic sequence (e.g. activation on insertion). */
export const BUSY_WITH_AUTO_SEQUENCE = 0xf2;
/** PIN entry timed out (Secure). */
export const PIN_TIMEOUT = 0xf0;
/** PIN entry cancelled by the user (Secure). */
export const PIN_CANCELLED = 0xef;
/** The slot is busy with another command, or the reader with bMaxCCIDBusySlots commands. */
export const CMD_SLOT_BUSY = 0xe0;

/** Offsets of command fields, used as bError for "bad parameter" answers (§6.2.6). */
export const OFFSET_dwLength = 1;
/** Offset of bSlot. */
export const OFFSET_bSlot = 5;
/** Offset of the first message-specific byte (bPowerSelect, bBWI, bProtocolNum...). */
export const OFFSET_byte7 = 7;
/** Offset of wLevelParameter (XfrBlock, Secure). */
export const OFFSET_wLevelParameter = 8;
/** Offset of the first abData byte. */
export const OFFSET_abData = 10;

/** Class-specific control requests (CCID 1.1 §5.3). */
export const REQUEST_ABORT = 0x01;
/** §5.3.2: list of supported clock frequencies, 4 bytes each (kHz). */
export const REQUEST_GET_CLOCK_FREQUENCIES = 0x02;
/** §5.3.3: list of supported data rates, 4 bytes each (bps). */
export const REQUEST_GET_DATA_RATES = 0x03;

/** dwFeatures bits (CCID 1.1 §5.1, Table 5.1-1). */
export const FEATURE_AUTO_PARAMETERS_FROM_ATR = 0x00000002;
/** Automatic activation of the ICC on insertion. */
export const FEATURE_AUTO_ACTIVATION = 0x00000004;
/** Automatic ICC voltage selection. */
export const FEATURE_AUTO_VOLTAGE = 0x00000008;
/** Automatic parameter negotiation made by the CCID (proprietary algorithm, PPS or resets). */
export const FEATURE_AUTO_NEGOTIATION = 0x00000040;
/** Automatic PPS made by the CCID according to the active parameters. */
export const FEATURE_AUTO_PPS = 0x00000080;
/** The CCID can stop the ICC clock. */
export const FEATURE_CLOCK_STOP = 0x00000100;
/** Mask of the exchange level bits. */
export const FEATURE_LEVEL_MASK = 0x00070000;
/** TPDU level exchanges. */
export const FEATURE_LEVEL_TPDU = 0x00010000;
/** Short APDU level exchanges. */
export const FEATURE_LEVEL_SHORT_APDU = 0x00020000;
/** Short and extended APDU level exchanges. */
export const FEATURE_LEVEL_EXTENDED_APDU = 0x00040000;

/** Names of the message types, for traces and test messages. */
export const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  [PC_to_RDR_IccPowerOn]: 'PC_to_RDR_IccPowerOn',
  [PC_to_RDR_IccPowerOff]: 'PC_to_RDR_IccPowerOff',
  [PC_to_RDR_GetSlotStatus]: 'PC_to_RDR_GetSlotStatus',
  [PC_to_RDR_XfrBlock]: 'PC_to_RDR_XfrBlock',
  [PC_to_RDR_GetParameters]: 'PC_to_RDR_GetParameters',
  [PC_to_RDR_ResetParameters]: 'PC_to_RDR_ResetParameters',
  [PC_to_RDR_SetParameters]: 'PC_to_RDR_SetParameters',
  [PC_to_RDR_Escape]: 'PC_to_RDR_Escape',
  [PC_to_RDR_IccClock]: 'PC_to_RDR_IccClock',
  [PC_to_RDR_T0APDU]: 'PC_to_RDR_T0APDU',
  [PC_to_RDR_Secure]: 'PC_to_RDR_Secure',
  [PC_to_RDR_Mechanical]: 'PC_to_RDR_Mechanical',
  [PC_to_RDR_Abort]: 'PC_to_RDR_Abort',
  [PC_to_RDR_SetDataRateAndClockFrequency]: 'PC_to_RDR_SetDataRateAndClockFrequency',
  [RDR_to_PC_DataBlock]: 'RDR_to_PC_DataBlock',
  [RDR_to_PC_SlotStatus]: 'RDR_to_PC_SlotStatus',
  [RDR_to_PC_Parameters]: 'RDR_to_PC_Parameters',
  [RDR_to_PC_Escape]: 'RDR_to_PC_Escape',
  [RDR_to_PC_DataRateAndClockFrequency]: 'RDR_to_PC_DataRateAndClockFrequency',
  [RDR_to_PC_NotifySlotChange]: 'RDR_to_PC_NotifySlotChange',
  [RDR_to_PC_HardwareError]: 'RDR_to_PC_HardwareError',
};

/**
 * The response type a reader sends for each command (CCID 1.1 §6.1: each command names its
 * response message). Unknown commands get a SlotStatus, as real readers do.
 */
export function responseTypeFor(bMessageType: number): number {
  switch (bMessageType) {
    case PC_to_RDR_IccPowerOn:
    case PC_to_RDR_XfrBlock:
    case PC_to_RDR_Secure:
      return RDR_to_PC_DataBlock;
    case PC_to_RDR_GetParameters:
    case PC_to_RDR_ResetParameters:
    case PC_to_RDR_SetParameters:
      return RDR_to_PC_Parameters;
    case PC_to_RDR_Escape:
      return RDR_to_PC_Escape;
    case PC_to_RDR_SetDataRateAndClockFrequency:
      return RDR_to_PC_DataRateAndClockFrequency;
    default:
      return RDR_to_PC_SlotStatus;
  }
}
