/**
 * Decoders of one whole bulk CCID message, either direction (CCID 1.1 §6.1, §6.2).
 *
 * Input is exactly one message (10 + dwLength bytes); reassembling a message from USB
 * transfers is {@link Reassembler}'s job. Decoded values keep `raw` (a view of the input,
 * not a copy) and data fields are views into it. Decoding throws nothing but
 * {@link FrameError}: a short header, a length that disagrees with dwLength, or a byte that
 * is no message type of the expected direction. Inner structures that do not match their
 * table (a T=1 structure of 5 bytes...) decode to `undefined` with the raw bytes kept.
 */
import { FrameError } from '../errors.ts';
import {
  CCID_HEADER_LENGTH,
  PC_to_RDR_Abort,
  PC_to_RDR_Escape,
  PC_to_RDR_GetParameters,
  PC_to_RDR_GetSlotStatus,
  PC_to_RDR_IccClock,
  PC_to_RDR_IccPowerOff,
  PC_to_RDR_IccPowerOn,
  PC_to_RDR_Mechanical,
  PC_to_RDR_ResetParameters,
  PC_to_RDR_Secure,
  PC_to_RDR_SetDataRateAndClockFrequency,
  PC_to_RDR_SetParameters,
  PC_to_RDR_T0APDU,
  PC_to_RDR_XfrBlock,
  RDR_to_PC_DataBlock,
  RDR_to_PC_DataRateAndClockFrequency,
  RDR_to_PC_Escape,
  RDR_to_PC_Parameters,
  RDR_to_PC_SlotStatus,
  isRdrToPcType,
  messageTypeName,
} from './messages.ts';
import type { BulkMessage, PcToRdrMessage, RdrToPcMessage } from './messages.ts';
import { decodePinModification, decodePinVerification, decodeProtocolData } from './structures.ts';

/** dwLength of the bulk message starting at `offset` (caller checked 10 bytes are there). */
export function readDwLength(bytes: Uint8Array, offset = 0): number {
  return (bytes[offset + 1]! | (bytes[offset + 2]! << 8) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 24)) >>> 0;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

function checkFrame(bytes: Uint8Array): number {
  if (bytes.length < CCID_HEADER_LENGTH) {
    throw new FrameError('CCID_ERR_FRAME_MALFORMED', `CCID message shorter than its 10-byte header (${bytes.length} bytes)`);
  }
  const length = readDwLength(bytes);
  if (bytes.length !== CCID_HEADER_LENGTH + length) {
    throw new FrameError(
      'CCID_ERR_FRAME_MALFORMED',
      `${messageTypeName(bytes[0]!)}: dwLength ${length} but ${bytes.length - CCID_HEADER_LENGTH} data bytes`,
      { bMessageType: bytes[0]!, slot: bytes[5]!, bSeq: bytes[6]! },
    );
  }
  return length;
}

/**
 * Decodes one RDR_to_PC (Bulk-IN) message.
 * @throws {FrameError} when the bytes are not exactly one RDR_to_PC message.
 */
export function decodeBulkIn(bytes: Uint8Array): RdrToPcMessage {
  const length = checkFrame(bytes);
  const messageType = bytes[0]!;
  const slot = bytes[5]!;
  const seq = bytes[6]!;
  const status = bytes[7]!;
  const iccStatus = status & 0x03;
  const commandStatus = (status >> 6) & 0x03;
  const error = bytes[8]!;
  const b9 = bytes[9]!;
  switch (messageType) {
    case RDR_to_PC_DataBlock:
      return {
        kind: 'RDR_to_PC_DataBlock',
        raw: bytes,
        messageType,
        length,
        slot,
        seq,
        status,
        iccStatus,
        commandStatus,
        error,
        chainParameter: b9,
        data: bytes.subarray(CCID_HEADER_LENGTH),
      };
    case RDR_to_PC_SlotStatus:
      return { kind: 'RDR_to_PC_SlotStatus', raw: bytes, messageType, length, slot, seq, status, iccStatus, commandStatus, error, clockStatus: b9 };
    case RDR_to_PC_Parameters: {
      const protocolData = bytes.subarray(CCID_HEADER_LENGTH);
      return {
        kind: 'RDR_to_PC_Parameters',
        raw: bytes,
        messageType,
        length,
        slot,
        seq,
        status,
        iccStatus,
        commandStatus,
        error,
        protocolNum: b9,
        protocolData,
        parameters: decodeProtocolData(b9, protocolData),
      };
    }
    case RDR_to_PC_Escape:
      return {
        kind: 'RDR_to_PC_Escape',
        raw: bytes,
        messageType,
        length,
        slot,
        seq,
        status,
        iccStatus,
        commandStatus,
        error,
        data: bytes.subarray(CCID_HEADER_LENGTH),
      };
    case RDR_to_PC_DataRateAndClockFrequency: {
      const full = length >= 8;
      return {
        kind: 'RDR_to_PC_DataRateAndClockFrequency',
        raw: bytes,
        messageType,
        length,
        slot,
        seq,
        status,
        iccStatus,
        commandStatus,
        error,
        clockFrequency: full ? readUint32(bytes, 10) : undefined,
        dataRate: full ? readUint32(bytes, 14) : undefined,
      };
    }
    default:
      throw new FrameError('CCID_ERR_FRAME_MALFORMED', `not an RDR_to_PC message type: ${messageTypeName(messageType)}`, {
        bMessageType: messageType,
        slot,
        bSeq: seq,
      });
  }
}

/**
 * Decodes one PC_to_RDR (Bulk-OUT) message (pcap decoding, the emulator's tests).
 * @throws {FrameError} when the bytes are not exactly one PC_to_RDR message.
 */
export function decodeBulkOut(bytes: Uint8Array): PcToRdrMessage {
  const length = checkFrame(bytes);
  const messageType = bytes[0]!;
  const slot = bytes[5]!;
  const seq = bytes[6]!;
  const b7 = bytes[7]!;
  const b8 = bytes[8]!;
  const b9 = bytes[9]!;
  const data = bytes.subarray(CCID_HEADER_LENGTH);
  const h = { raw: bytes, messageType, length, slot, seq };
  switch (messageType) {
    case PC_to_RDR_IccPowerOn:
      return { kind: 'PC_to_RDR_IccPowerOn', ...h, powerSelect: b7 };
    case PC_to_RDR_IccPowerOff:
      return { kind: 'PC_to_RDR_IccPowerOff', ...h };
    case PC_to_RDR_GetSlotStatus:
      return { kind: 'PC_to_RDR_GetSlotStatus', ...h };
    case PC_to_RDR_XfrBlock:
      return { kind: 'PC_to_RDR_XfrBlock', ...h, bwi: b7, levelParameter: b8 | (b9 << 8), data };
    case PC_to_RDR_GetParameters:
      return { kind: 'PC_to_RDR_GetParameters', ...h };
    case PC_to_RDR_ResetParameters:
      return { kind: 'PC_to_RDR_ResetParameters', ...h };
    case PC_to_RDR_SetParameters:
      return { kind: 'PC_to_RDR_SetParameters', ...h, protocolNum: b7, protocolData: data, parameters: decodeProtocolData(b7, data) };
    case PC_to_RDR_Escape:
      return { kind: 'PC_to_RDR_Escape', ...h, data };
    case PC_to_RDR_IccClock:
      return { kind: 'PC_to_RDR_IccClock', ...h, clockCommand: b7 };
    case PC_to_RDR_T0APDU:
      return { kind: 'PC_to_RDR_T0APDU', ...h, changes: b7, classGetResponse: b8, classEnvelope: b9 };
    case PC_to_RDR_Secure: {
      const pinOperation = data.length > 0 ? data[0]! : undefined;
      const pinData = data.subarray(1);
      return {
        kind: 'PC_to_RDR_Secure',
        ...h,
        bwi: b7,
        levelParameter: b8 | (b9 << 8),
        pinOperation,
        pinData,
        verification: pinOperation === 0 ? decodePinVerification(pinData) : undefined,
        modification: pinOperation === 1 ? decodePinModification(pinData) : undefined,
      };
    }
    case PC_to_RDR_Mechanical:
      return { kind: 'PC_to_RDR_Mechanical', ...h, function: b7 };
    case PC_to_RDR_Abort:
      return { kind: 'PC_to_RDR_Abort', ...h };
    case PC_to_RDR_SetDataRateAndClockFrequency: {
      const full = length >= 8;
      return {
        kind: 'PC_to_RDR_SetDataRateAndClockFrequency',
        ...h,
        clockFrequency: full ? readUint32(bytes, 10) : undefined,
        dataRate: full ? readUint32(bytes, 14) : undefined,
      };
    }
    default:
      throw new FrameError('CCID_ERR_FRAME_MALFORMED', `not a PC_to_RDR message type: ${messageTypeName(messageType)}`, {
        bMessageType: messageType,
        slot,
        bSeq: seq,
      });
  }
}

/**
 * Decodes one bulk message of either direction, telling them apart by bMessageType
 * (0x6x/0x7x commands, 0x8x responses).
 * @throws {FrameError} when the bytes are not exactly one bulk CCID message.
 */
export function decodeBulk(bytes: Uint8Array): BulkMessage {
  if (bytes.length > 0 && isRdrToPcType(bytes[0]!)) return decodeBulkIn(bytes);
  return decodeBulkOut(bytes);
}
