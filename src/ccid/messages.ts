/**
 * CCID message types and their decoded shapes (USB CCID Rev 1.1, §6).
 *
 * Constants are spelled exactly as the specification and Wireshark's usbccid dissector
 * spell them, so a trace, a pcap and this code can be read side by side. Every decoded
 * message keeps its bytes as `raw` (byte-exact re-encoding, pcap output, traces).
 *
 * Layout shared by every bulk message (§6.1, §6.2): bMessageType (1), dwLength (4, little
 * endian, length of the data after the 10-byte header), bSlot (1), bSeq (1), then three
 * message-specific bytes, then dwLength data bytes.
 */

/** Length of the header every bulk CCID message starts with (§6.1, §6.2). */
export const CCID_HEADER_LENGTH = 10;

// Command pipe, Bulk-OUT messages (§6.1, Table 6.1-1).
/** §6.1.1: activate the card, answered by RDR_to_PC_DataBlock (the ATR). */
export const PC_to_RDR_IccPowerOn = 0x62;
/** §6.1.2: deactivate the card, answered by RDR_to_PC_SlotStatus. */
export const PC_to_RDR_IccPowerOff = 0x63;
/** §6.1.3: slot status, answered by RDR_to_PC_SlotStatus. */
export const PC_to_RDR_GetSlotStatus = 0x65;
/** §6.1.4: exchange a block with the card, answered by RDR_to_PC_DataBlock. */
export const PC_to_RDR_XfrBlock = 0x6f;
/** §6.1.5: protocol parameters in force, answered by RDR_to_PC_Parameters. */
export const PC_to_RDR_GetParameters = 0x6c;
/** §6.1.6: reset the protocol parameters to their defaults, answered by RDR_to_PC_Parameters. */
export const PC_to_RDR_ResetParameters = 0x6d;
/** §6.1.7: set T=0 or T=1 parameters, answered by RDR_to_PC_Parameters. */
export const PC_to_RDR_SetParameters = 0x61;
/** §6.1.8: vendor command, answered by RDR_to_PC_Escape. */
export const PC_to_RDR_Escape = 0x6b;
/** §6.1.9: stop or restart the card clock, answered by RDR_to_PC_SlotStatus. */
export const PC_to_RDR_IccClock = 0x6e;
/** §6.1.10: T=0 APDU-level class bytes, answered by RDR_to_PC_SlotStatus. */
export const PC_to_RDR_T0APDU = 0x6a;
/** §6.1.11: PIN verification or modification on a PIN pad, answered by RDR_to_PC_DataBlock. */
export const PC_to_RDR_Secure = 0x69;
/** §6.1.12: accept, eject, capture, lock or unlock the card, answered by RDR_to_PC_SlotStatus. */
export const PC_to_RDR_Mechanical = 0x71;
/** §6.1.13: second half of the abort procedure (§5.3.1), answered by RDR_to_PC_SlotStatus. */
export const PC_to_RDR_Abort = 0x72;
/** §6.1.14: choose clock and data rate, answered by RDR_to_PC_DataRateAndClockFrequency. */
export const PC_to_RDR_SetDataRateAndClockFrequency = 0x73;

// Response pipe, Bulk-IN messages (§6.2, Table 6.2-1).
/** §6.2.1: answer to IccPowerOn, XfrBlock and Secure. */
export const RDR_to_PC_DataBlock = 0x80;
/** §6.2.2: answer to IccPowerOff, GetSlotStatus, IccClock, T0APDU, Mechanical and Abort. */
export const RDR_to_PC_SlotStatus = 0x81;
/** §6.2.3: answer to GetParameters, ResetParameters and SetParameters. */
export const RDR_to_PC_Parameters = 0x82;
/** §6.2.4: answer to Escape. */
export const RDR_to_PC_Escape = 0x83;
/** §6.2.5: answer to SetDataRateAndClockFrequency. */
export const RDR_to_PC_DataRateAndClockFrequency = 0x84;

// Interrupt-IN messages (§6.3).
/** §6.3.1: card inserted or removed, 2 bits per slot. */
export const RDR_to_PC_NotifySlotChange = 0x50;
/** §6.3.2: hardware error (overcurrent) on a slot. */
export const RDR_to_PC_HardwareError = 0x51;

// Class-specific requests on the control pipe (§5.3, Table 5.3-1), recipient interface.
/** §5.3.1: wValue = bSeq << 8 | bSlot, no data; followed by PC_to_RDR_Abort with the same bSlot and bSeq. */
export const ABORT = 0x01;
/** §5.3.2: array of dwords, the clock frequencies (kHz) the reader supports. */
export const GET_CLOCK_FREQUENCIES = 0x02;
/** §5.3.3: array of dwords, the data rates (bps) the reader supports. */
export const GET_DATA_RATES = 0x03;

/** Names of the PC_to_RDR (Bulk-OUT) message types. */
export type PcToRdrKind =
  | 'PC_to_RDR_IccPowerOn'
  | 'PC_to_RDR_IccPowerOff'
  | 'PC_to_RDR_GetSlotStatus'
  | 'PC_to_RDR_XfrBlock'
  | 'PC_to_RDR_GetParameters'
  | 'PC_to_RDR_ResetParameters'
  | 'PC_to_RDR_SetParameters'
  | 'PC_to_RDR_Escape'
  | 'PC_to_RDR_IccClock'
  | 'PC_to_RDR_T0APDU'
  | 'PC_to_RDR_Secure'
  | 'PC_to_RDR_Mechanical'
  | 'PC_to_RDR_Abort'
  | 'PC_to_RDR_SetDataRateAndClockFrequency';

/** Names of the RDR_to_PC (Bulk-IN) message types. */
export type RdrToPcKind =
  | 'RDR_to_PC_DataBlock'
  | 'RDR_to_PC_SlotStatus'
  | 'RDR_to_PC_Parameters'
  | 'RDR_to_PC_Escape'
  | 'RDR_to_PC_DataRateAndClockFrequency';

/** Names of the interrupt-IN message types. */
export type InterruptKind = 'RDR_to_PC_NotifySlotChange' | 'RDR_to_PC_HardwareError';

const NAMES = new Map<number, PcToRdrKind | RdrToPcKind | InterruptKind>([
  [PC_to_RDR_IccPowerOn, 'PC_to_RDR_IccPowerOn'],
  [PC_to_RDR_IccPowerOff, 'PC_to_RDR_IccPowerOff'],
  [PC_to_RDR_GetSlotStatus, 'PC_to_RDR_GetSlotStatus'],
  [PC_to_RDR_XfrBlock, 'PC_to_RDR_XfrBlock'],
  [PC_to_RDR_GetParameters, 'PC_to_RDR_GetParameters'],
  [PC_to_RDR_ResetParameters, 'PC_to_RDR_ResetParameters'],
  [PC_to_RDR_SetParameters, 'PC_to_RDR_SetParameters'],
  [PC_to_RDR_Escape, 'PC_to_RDR_Escape'],
  [PC_to_RDR_IccClock, 'PC_to_RDR_IccClock'],
  [PC_to_RDR_T0APDU, 'PC_to_RDR_T0APDU'],
  [PC_to_RDR_Secure, 'PC_to_RDR_Secure'],
  [PC_to_RDR_Mechanical, 'PC_to_RDR_Mechanical'],
  [PC_to_RDR_Abort, 'PC_to_RDR_Abort'],
  [PC_to_RDR_SetDataRateAndClockFrequency, 'PC_to_RDR_SetDataRateAndClockFrequency'],
  [RDR_to_PC_DataBlock, 'RDR_to_PC_DataBlock'],
  [RDR_to_PC_SlotStatus, 'RDR_to_PC_SlotStatus'],
  [RDR_to_PC_Parameters, 'RDR_to_PC_Parameters'],
  [RDR_to_PC_Escape, 'RDR_to_PC_Escape'],
  [RDR_to_PC_DataRateAndClockFrequency, 'RDR_to_PC_DataRateAndClockFrequency'],
  [RDR_to_PC_NotifySlotChange, 'RDR_to_PC_NotifySlotChange'],
  [RDR_to_PC_HardwareError, 'RDR_to_PC_HardwareError'],
]);

/**
 * The spec name of a message type, e.g. `0x6F` → `"PC_to_RDR_XfrBlock"`, or
 * `"UNKNOWN(0x12)"` for a byte that is no CCID message type.
 */
export function messageTypeName(bMessageType: number): string {
  return NAMES.get(bMessageType) ?? `UNKNOWN(0x${(bMessageType & 0xff).toString(16).toUpperCase().padStart(2, '0')})`;
}

/** True for the fourteen PC_to_RDR (Bulk-OUT) message types of §6.1. */
export function isPcToRdrType(bMessageType: number): boolean {
  return RESPONSE_OF[bMessageType] !== 0 && RESPONSE_OF[bMessageType] !== undefined;
}

/** True for the five RDR_to_PC (Bulk-IN) message types of §6.2. */
export function isRdrToPcType(bMessageType: number): boolean {
  return bMessageType >= RDR_to_PC_DataBlock && bMessageType <= RDR_to_PC_DataRateAndClockFrequency;
}

// Indexed by PC_to_RDR type: the RDR_to_PC type that answers it (§6.1, each command's
// "response to this message" line). 0 = not a command. A flat array keeps the per-frame
// check of the engine to one load.
const RESPONSE_OF: number[] = new Array<number>(256).fill(0);
RESPONSE_OF[PC_to_RDR_IccPowerOn] = RDR_to_PC_DataBlock;
RESPONSE_OF[PC_to_RDR_IccPowerOff] = RDR_to_PC_SlotStatus;
RESPONSE_OF[PC_to_RDR_GetSlotStatus] = RDR_to_PC_SlotStatus;
RESPONSE_OF[PC_to_RDR_XfrBlock] = RDR_to_PC_DataBlock;
RESPONSE_OF[PC_to_RDR_GetParameters] = RDR_to_PC_Parameters;
RESPONSE_OF[PC_to_RDR_ResetParameters] = RDR_to_PC_Parameters;
RESPONSE_OF[PC_to_RDR_SetParameters] = RDR_to_PC_Parameters;
RESPONSE_OF[PC_to_RDR_Escape] = RDR_to_PC_Escape;
RESPONSE_OF[PC_to_RDR_IccClock] = RDR_to_PC_SlotStatus;
RESPONSE_OF[PC_to_RDR_T0APDU] = RDR_to_PC_SlotStatus;
RESPONSE_OF[PC_to_RDR_Secure] = RDR_to_PC_DataBlock;
RESPONSE_OF[PC_to_RDR_Mechanical] = RDR_to_PC_SlotStatus;
RESPONSE_OF[PC_to_RDR_Abort] = RDR_to_PC_SlotStatus;
RESPONSE_OF[PC_to_RDR_SetDataRateAndClockFrequency] = RDR_to_PC_DataRateAndClockFrequency;

/**
 * The RDR_to_PC message type that answers a PC_to_RDR command (§6.1), or `undefined`
 * when `bMessageType` is not a command. Example: `responseTypeOf(0x62)` → `0x80`.
 */
export function responseTypeOf(bMessageType: number): number | undefined {
  const type = RESPONSE_OF[bMessageType & 0xff]!;
  return type === 0 ? undefined : type;
}

// ---------------------------------------------------------------------------------------
// Protocol data structures (§6.1.7, Tables 6.1-8 and 6.1-9)

/** abProtocolDataStructure for T=0 (§6.1.7, Table 6.1-8), 5 bytes. */
export interface T0ProtocolData {
  readonly protocol: 0;
  /** bmFindexDindex: Fi index in the high nibble, Di index in the low nibble (ISO/IEC 7816-3 TA1). */
  readonly findexDindex: number;
  /** bmTCCKST0: bit 1 = inverse convention; other bits 0. */
  readonly tcckst: number;
  /** bGuardTimeT0: extra guard time, ISO/IEC 7816-3 TC1. */
  readonly guardTime: number;
  /** bWaitingIntegerT0: WI, ISO/IEC 7816-3 TC2. */
  readonly waitingInteger: number;
  /** bClockStop: 0 not allowed, 1 stop low, 2 stop high, 3 either (TA(i) for T=15). */
  readonly clockStop: number;
}

/** abProtocolDataStructure for T=1 (§6.1.7, Table 6.1-9), 7 bytes. */
export interface T1ProtocolData {
  readonly protocol: 1;
  /** bmFindexDindex: Fi index in the high nibble, Di index in the low nibble (ISO/IEC 7816-3 TA1). */
  readonly findexDindex: number;
  /** bmTCCKST1: 0x10 | bit 1 inverse convention | bit 0 CRC (1) or LRC (0). */
  readonly tcckst: number;
  /** bGuardTimeT1: extra guard time, ISO/IEC 7816-3 TC1. */
  readonly guardTime: number;
  /** bmWaitingIntegersT1: BWI in the high nibble, CWI in the low nibble (ISO/IEC 7816-3 TB3). */
  readonly waitingIntegers: number;
  /** bClockStop: 0 not allowed, 1 stop low, 2 stop high, 3 either. */
  readonly clockStop: number;
  /** bIFSC: information field size of the card (TA3). */
  readonly ifsc: number;
  /** bNadValue: node address used by the reader. */
  readonly nad: number;
}

/** The protocol data structure of SetParameters / RDR_to_PC_Parameters. */
export type ProtocolData = T0ProtocolData | T1ProtocolData;

// ---------------------------------------------------------------------------------------
// PIN structures (§6.1.11)

/**
 * PIN verification data structure (§6.1.11.7), the abPINDataStructure of a
 * PC_to_RDR_Secure with bPINOperation = 0.
 */
export interface PinVerification {
  /** bTimeOut: seconds to wait for the first key (0 = reader default). */
  readonly timeOut: number;
  /** bmFormatString: PIN format (position of the PIN, justification, system units, BCD/ASCII). */
  readonly formatString: number;
  /** bmPINBlockString: PIN length field size and PIN block size. */
  readonly pinBlockString: number;
  /** bmPINLengthFormat: where the PIN length goes in the APDU. */
  readonly pinLengthFormat: number;
  /** wPINMaxExtraDigit high byte (XX of XXYYh): minimum PIN size in digits. */
  readonly minPinDigits: number;
  /** wPINMaxExtraDigit low byte (YY of XXYYh): maximum PIN size in digits. */
  readonly maxPinDigits: number;
  /** bEntryValidationCondition: 1 max size reached, 2 validation key, 4 timeout (ORed). */
  readonly entryValidationCondition: number;
  /** bNumberMessage: number of messages to display (0, 1, or 0xFF for the reader default). */
  readonly numberMessage: number;
  /** wLangId: language of the messages (USB LANGID). */
  readonly langId: number;
  /** bMsgIndex: index of the message to display. */
  readonly msgIndex: number;
  /** bTeoPrologue: T=1 block prologue for TPDU-level readers (3 bytes). */
  readonly teoPrologue: Uint8Array;
  /** abPINApdu: the APDU the reader completes with the PIN. */
  readonly apdu: Uint8Array;
}

/**
 * PIN modification data structure (§6.1.11.8), the abPINDataStructure of a
 * PC_to_RDR_Secure with bPINOperation = 1.
 *
 * bMsgIndex2 is present when bNumberMessage ≠ 0 and bMsgIndex3 when bNumberMessage ≥ 3
 * (including 0xFF): libccid's reading of the table, which the pinpad readers it supports
 * accept.
 */
export interface PinModification {
  /** bTimeOut: seconds to wait for the first key (0 = reader default). */
  readonly timeOut: number;
  /** bmFormatString: PIN format. */
  readonly formatString: number;
  /** bmPINBlockString: PIN length field size and PIN block size. */
  readonly pinBlockString: number;
  /** bmPINLengthFormat: where the PIN length goes in the APDU. */
  readonly pinLengthFormat: number;
  /** bInsertionOffsetOld: offset of the current PIN in the APDU data, in bytes. */
  readonly insertionOffsetOld: number;
  /** bInsertionOffsetNew: offset of the new PIN in the APDU data, in bytes. */
  readonly insertionOffsetNew: number;
  /** wPINMaxExtraDigit high byte: minimum PIN size in digits. */
  readonly minPinDigits: number;
  /** wPINMaxExtraDigit low byte: maximum PIN size in digits. */
  readonly maxPinDigits: number;
  /** bConfirmPIN: bit 0 = new PIN entered twice, bit 1 = current PIN requested. */
  readonly confirmPin: number;
  /** bEntryValidationCondition: 1 max size reached, 2 validation key, 4 timeout (ORed). */
  readonly entryValidationCondition: number;
  /** bNumberMessage: 0..3, or 0xFF for the reader default. */
  readonly numberMessage: number;
  /** wLangId: language of the messages. */
  readonly langId: number;
  /** bMsgIndex1, and bMsgIndex2 / bMsgIndex3 when bNumberMessage makes them present. */
  readonly msgIndexes: readonly number[];
  /** bTeoPrologue: T=1 block prologue for TPDU-level readers (3 bytes). */
  readonly teoPrologue: Uint8Array;
  /** abPINApdu: the APDU the reader completes with the PINs. */
  readonly apdu: Uint8Array;
}

/** bPINOperation values of PC_to_RDR_Secure (§6.1.11). */
export const PIN_OPERATION = {
  VERIFY: 0,
  MODIFY: 1,
  TRANSFER: 2,
  WAIT_ICC_RESPONSE: 3,
  CANCEL: 4,
  RESEND_LAST_IBLOCK: 5,
  SEND_NEXT_APDU_PART: 6,
} as const;

// ---------------------------------------------------------------------------------------
// Decoded messages

/** Fields every bulk message has. */
export interface BulkHeader {
  /** The whole message as received or sent: header and data. */
  readonly raw: Uint8Array;
  /** bMessageType. */
  readonly messageType: number;
  /** dwLength: length of the data after the 10-byte header. */
  readonly length: number;
  /** bSlot: slot index (0 .. bMaxSlotIndex). */
  readonly slot: number;
  /** bSeq: sequence number, echoed by the response. */
  readonly seq: number;
}

/** PC_to_RDR_IccPowerOn (§6.1.1). */
export interface IccPowerOn extends BulkHeader {
  readonly kind: 'PC_to_RDR_IccPowerOn';
  /** bPowerSelect: 0 automatic, 1 = 5 V, 2 = 3 V, 3 = 1.8 V. */
  readonly powerSelect: number;
}
/** PC_to_RDR_IccPowerOff (§6.1.2). */
export interface IccPowerOff extends BulkHeader {
  readonly kind: 'PC_to_RDR_IccPowerOff';
}
/** PC_to_RDR_GetSlotStatus (§6.1.3). */
export interface GetSlotStatus extends BulkHeader {
  readonly kind: 'PC_to_RDR_GetSlotStatus';
}
/** PC_to_RDR_XfrBlock (§6.1.4). */
export interface XfrBlock extends BulkHeader {
  readonly kind: 'PC_to_RDR_XfrBlock';
  /** bBWI: block waiting time multiplier for this exchange. */
  readonly bwi: number;
  /** wLevelParameter: chaining (APDU level) or expected length (character level). */
  readonly levelParameter: number;
  /** abData. */
  readonly data: Uint8Array;
}
/** PC_to_RDR_GetParameters (§6.1.5). */
export interface GetParameters extends BulkHeader {
  readonly kind: 'PC_to_RDR_GetParameters';
}
/** PC_to_RDR_ResetParameters (§6.1.6). */
export interface ResetParameters extends BulkHeader {
  readonly kind: 'PC_to_RDR_ResetParameters';
}
/** PC_to_RDR_SetParameters (§6.1.7). */
export interface SetParameters extends BulkHeader {
  readonly kind: 'PC_to_RDR_SetParameters';
  /** bProtocolNum: 0 = T=0, 1 = T=1. */
  readonly protocolNum: number;
  /** abProtocolDataStructure as sent. */
  readonly protocolData: Uint8Array;
  /** The structure decoded, when bProtocolNum is 0 or 1 and the length matches. */
  readonly parameters: ProtocolData | undefined;
}
/** PC_to_RDR_Escape (§6.1.8). */
export interface EscapeCommand extends BulkHeader {
  readonly kind: 'PC_to_RDR_Escape';
  /** abData: vendor bytes. */
  readonly data: Uint8Array;
}
/** PC_to_RDR_IccClock (§6.1.9). */
export interface IccClock extends BulkHeader {
  readonly kind: 'PC_to_RDR_IccClock';
  /** bClockCommand: 0 restart the clock, 1 stop it. */
  readonly clockCommand: number;
}
/** PC_to_RDR_T0APDU (§6.1.10). */
export interface T0Apdu extends BulkHeader {
  readonly kind: 'PC_to_RDR_T0APDU';
  /** bmChanges: bit 0 = use bClassGetResponse, bit 1 = use bClassEnvelope. */
  readonly changes: number;
  /** bClassGetResponse: CLA of the GET RESPONSE the reader sends (0xFF = echo the command's CLA). */
  readonly classGetResponse: number;
  /** bClassEnvelope: CLA of the ENVELOPE the reader sends (0xFF = echo). */
  readonly classEnvelope: number;
}
/** PC_to_RDR_Secure (§6.1.11). */
export interface Secure extends BulkHeader {
  readonly kind: 'PC_to_RDR_Secure';
  /** bBWI. */
  readonly bwi: number;
  /** wLevelParameter. */
  readonly levelParameter: number;
  /** bPINOperation (see {@link PIN_OPERATION}); undefined when dwLength = 0. */
  readonly pinOperation: number | undefined;
  /** abPINDataStructure: the bytes after bPINOperation. */
  readonly pinData: Uint8Array;
  /** The PIN verification structure, when bPINOperation = 0 and it is well formed. */
  readonly verification: PinVerification | undefined;
  /** The PIN modification structure, when bPINOperation = 1 and it is well formed. */
  readonly modification: PinModification | undefined;
}
/** PC_to_RDR_Mechanical (§6.1.12). */
export interface Mechanical extends BulkHeader {
  readonly kind: 'PC_to_RDR_Mechanical';
  /** bFunction: 1 accept, 2 eject, 3 capture, 4 lock, 5 unlock. */
  readonly function: number;
}
/** PC_to_RDR_Abort (§6.1.13). */
export interface Abort extends BulkHeader {
  readonly kind: 'PC_to_RDR_Abort';
}
/** PC_to_RDR_SetDataRateAndClockFrequency (§6.1.14). */
export interface SetDataRateAndClockFrequency extends BulkHeader {
  readonly kind: 'PC_to_RDR_SetDataRateAndClockFrequency';
  /** dwClockFrequency, in kHz; undefined when dwLength < 8. */
  readonly clockFrequency: number | undefined;
  /** dwDataRate, in bps; undefined when dwLength < 8. */
  readonly dataRate: number | undefined;
}

/** Any PC_to_RDR (Bulk-OUT) message. */
export type PcToRdrMessage =
  | IccPowerOn
  | IccPowerOff
  | GetSlotStatus
  | XfrBlock
  | GetParameters
  | ResetParameters
  | SetParameters
  | EscapeCommand
  | IccClock
  | T0Apdu
  | Secure
  | Mechanical
  | Abort
  | SetDataRateAndClockFrequency;

/** Fields every RDR_to_PC message has (§6.2.6). */
export interface ResponseHeader extends BulkHeader {
  /** bStatus: bmICCStatus (bits 0-1) and bmCommandStatus (bits 6-7). */
  readonly status: number;
  /** bmICCStatus: 0 present and active, 1 present and inactive, 2 no card (§6.2.6). */
  readonly iccStatus: number;
  /** bmCommandStatus: 0 processed, 1 failed (see bError), 2 time extension requested (§6.2.6). */
  readonly commandStatus: number;
  /** bError: error code when failed, time-extension multiplier when bmCommandStatus = 2. */
  readonly error: number;
}
/** RDR_to_PC_DataBlock (§6.2.1). */
export interface DataBlock extends ResponseHeader {
  readonly kind: 'RDR_to_PC_DataBlock';
  /** bChainParameter: 0 whole, 1 begins, 2 ends, 3 continues, 0x10 empty (continue). */
  readonly chainParameter: number;
  /** abData: card answer, or the ATR after IccPowerOn. */
  readonly data: Uint8Array;
}
/** RDR_to_PC_SlotStatus (§6.2.2). */
export interface SlotStatus extends ResponseHeader {
  readonly kind: 'RDR_to_PC_SlotStatus';
  /** bClockStatus: 0 running, 1 stopped low, 2 stopped high, 3 stopped (unknown level). */
  readonly clockStatus: number;
}
/** RDR_to_PC_Parameters (§6.2.3). */
export interface Parameters extends ResponseHeader {
  readonly kind: 'RDR_to_PC_Parameters';
  /** bProtocolNum: 0 = T=0, 1 = T=1. */
  readonly protocolNum: number;
  /** abProtocolDataStructure as received. */
  readonly protocolData: Uint8Array;
  /** The structure decoded, when bProtocolNum is 0 or 1 and the length matches. */
  readonly parameters: ProtocolData | undefined;
}
/** RDR_to_PC_Escape (§6.2.4). */
export interface EscapeResponse extends ResponseHeader {
  readonly kind: 'RDR_to_PC_Escape';
  /** abData: vendor bytes. */
  readonly data: Uint8Array;
}
/** RDR_to_PC_DataRateAndClockFrequency (§6.2.5). */
export interface DataRateAndClockFrequency extends ResponseHeader {
  readonly kind: 'RDR_to_PC_DataRateAndClockFrequency';
  /** dwClockFrequency, in kHz; undefined when dwLength < 8 (a failed answer). */
  readonly clockFrequency: number | undefined;
  /** dwDataRate, in bps; undefined when dwLength < 8. */
  readonly dataRate: number | undefined;
}

/** Any RDR_to_PC (Bulk-IN) message. */
export type RdrToPcMessage = DataBlock | SlotStatus | Parameters | EscapeResponse | DataRateAndClockFrequency;

/** Any bulk message, either direction. */
export type BulkMessage = PcToRdrMessage | RdrToPcMessage;

/** RDR_to_PC_NotifySlotChange (§6.3.1). */
export interface NotifySlotChange {
  readonly kind: 'RDR_to_PC_NotifySlotChange';
  readonly raw: Uint8Array;
  /**
   * bmSlotICCState: 2 bits per slot, slot 0 in bits 0-1 of the first byte; bit 0 of a
   * pair = card present, bit 1 = changed since the last notification.
   */
  readonly slotIccState: Uint8Array;
  /** How many slots the message describes (4 per byte of bmSlotICCState). */
  readonly slotCount: number;
}
/** RDR_to_PC_HardwareError (§6.3.2). */
export interface HardwareError {
  readonly kind: 'RDR_to_PC_HardwareError';
  readonly raw: Uint8Array;
  /** bSlot. */
  readonly slot: number;
  /** bSeq of the command in progress when the error occurred. */
  readonly seq: number;
  /** bHardwareErrorCode: 0x01 = overcurrent. */
  readonly hardwareErrorCode: number;
}

/** Any interrupt-IN message. */
export type InterruptMessage = NotifySlotChange | HardwareError;

/** Any CCID message. */
export type CcidMessage = BulkMessage | InterruptMessage;
