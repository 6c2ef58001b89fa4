/**
 * Encoders of every PC_to_RDR (Bulk-OUT) message (CCID 1.1 §6.1).
 *
 * Each returns a fresh buffer holding exactly one message: the 10-byte header (bMessageType,
 * dwLength little endian, bSlot, bSeq, three message-specific bytes) and the data. The
 * engine assigns bSeq when it sends, by writing byte 6 of the buffer ({@link SEQ_OFFSET}).
 */
import { ArgumentError } from '../errors.ts';
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
  PIN_OPERATION,
} from './messages.ts';
import type { PinModification, PinVerification, ProtocolData } from './messages.ts';
import { encodePinModification, encodePinVerification, encodeProtocolData } from './structures.ts';

/** Offset of bSlot in every bulk message. */
export const SLOT_OFFSET = 5;
/** Offset of bSeq in every bulk message. */
export const SEQ_OFFSET = 6;

/**
 * Writes a bulk header into `out` and returns it. The three message-specific bytes are
 * `b7`, `b8`, `b9`; dwLength is `out.length - 10`.
 * @throws {ArgumentError} when slot or seq is not a byte.
 */
export function writeHeader(out: Uint8Array, bMessageType: number, slot: number, seq: number, b7 = 0, b8 = 0, b9 = 0): Uint8Array {
  if ((slot & 0xff) !== slot || (seq & 0xff) !== seq) {
    throw new ArgumentError(`bSlot and bSeq must be bytes (got slot ${slot}, seq ${seq})`);
  }
  const len = out.length - CCID_HEADER_LENGTH;
  out[0] = bMessageType;
  out[1] = len & 0xff;
  out[2] = (len >>> 8) & 0xff;
  out[3] = (len >>> 16) & 0xff;
  out[4] = (len >>> 24) & 0xff;
  out[5] = slot;
  out[6] = seq;
  out[7] = b7;
  out[8] = b8;
  out[9] = b9;
  return out;
}

function header(bMessageType: number, slot: number, seq: number, b7 = 0, b8 = 0, b9 = 0): Uint8Array {
  return writeHeader(new Uint8Array(CCID_HEADER_LENGTH), bMessageType, slot, seq, b7, b8, b9);
}

function withData(bMessageType: number, slot: number, seq: number, data: Uint8Array, b7 = 0, b8 = 0, b9 = 0): Uint8Array {
  const out = new Uint8Array(CCID_HEADER_LENGTH + data.length);
  out.set(data, CCID_HEADER_LENGTH);
  return writeHeader(out, bMessageType, slot, seq, b7, b8, b9);
}

function checkByte(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new ArgumentError(`${name} must be a byte (got ${value})`);
  return value;
}

function checkWord(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new ArgumentError(`${name} must be 0..65535 (got ${value})`);
  return value;
}

/** PC_to_RDR_IccPowerOn (§6.1.1). bPowerSelect: 0 automatic, 1 = 5 V, 2 = 3 V, 3 = 1.8 V. */
export function encodeIccPowerOn(slot: number, seq: number, powerSelect = 0): Uint8Array {
  return header(PC_to_RDR_IccPowerOn, slot, seq, checkByte('bPowerSelect', powerSelect));
}

/** PC_to_RDR_IccPowerOff (§6.1.2). */
export function encodeIccPowerOff(slot: number, seq: number): Uint8Array {
  return header(PC_to_RDR_IccPowerOff, slot, seq);
}

/** PC_to_RDR_GetSlotStatus (§6.1.3). */
export function encodeGetSlotStatus(slot: number, seq: number): Uint8Array {
  return header(PC_to_RDR_GetSlotStatus, slot, seq);
}

/**
 * PC_to_RDR_XfrBlock (§6.1.4): `data` to the card, with bBWI (block waiting time
 * multiplier) and wLevelParameter (APDU chaining / character-level expected length).
 */
export function encodeXfrBlock(slot: number, seq: number, data: Uint8Array, bBWI = 0, wLevelParameter = 0): Uint8Array {
  checkByte('bBWI', bBWI);
  checkWord('wLevelParameter', wLevelParameter);
  return withData(PC_to_RDR_XfrBlock, slot, seq, data, bBWI, wLevelParameter & 0xff, wLevelParameter >> 8);
}

/** PC_to_RDR_GetParameters (§6.1.5). */
export function encodeGetParameters(slot: number, seq: number): Uint8Array {
  return header(PC_to_RDR_GetParameters, slot, seq);
}

/** PC_to_RDR_ResetParameters (§6.1.6). */
export function encodeResetParameters(slot: number, seq: number): Uint8Array {
  return header(PC_to_RDR_ResetParameters, slot, seq);
}

/** PC_to_RDR_SetParameters (§6.1.7) with a T=0 or T=1 protocol data structure. */
export function encodeSetParameters(slot: number, seq: number, parameters: ProtocolData): Uint8Array {
  return withData(PC_to_RDR_SetParameters, slot, seq, encodeProtocolData(parameters), parameters.protocol);
}

/** PC_to_RDR_Escape (§6.1.8): vendor bytes. */
export function encodeEscape(slot: number, seq: number, data: Uint8Array): Uint8Array {
  return withData(PC_to_RDR_Escape, slot, seq, data);
}

/** PC_to_RDR_IccClock (§6.1.9). bClockCommand: 0 restart, 1 stop. */
export function encodeIccClock(slot: number, seq: number, clockCommand: number): Uint8Array {
  return header(PC_to_RDR_IccClock, slot, seq, checkByte('bClockCommand', clockCommand));
}

/** PC_to_RDR_T0APDU (§6.1.10): bmChanges, bClassGetResponse, bClassEnvelope. */
export function encodeT0Apdu(slot: number, seq: number, changes: number, classGetResponse: number, classEnvelope: number): Uint8Array {
  return header(
    PC_to_RDR_T0APDU,
    slot,
    seq,
    checkByte('bmChanges', changes),
    checkByte('bClassGetResponse', classGetResponse),
    checkByte('bClassEnvelope', classEnvelope),
  );
}

/** What a PC_to_RDR_Secure carries (§6.1.11). */
export type SecureOperation =
  | { readonly operation: 'verify'; readonly structure: PinVerification }
  | { readonly operation: 'modify'; readonly structure: PinModification }
  /** Any other bPINOperation (2 transfer, 3 wait, 4 cancel, 5 resend, 6 next part) with its raw data. */
  | { readonly operation: number; readonly data?: Uint8Array };

/** PC_to_RDR_Secure (§6.1.11): bPINOperation then the PIN structure. */
export function encodeSecure(slot: number, seq: number, op: SecureOperation, bBWI = 0, wLevelParameter = 0): Uint8Array {
  checkByte('bBWI', bBWI);
  checkWord('wLevelParameter', wLevelParameter);
  let code: number;
  let body: Uint8Array;
  if (op.operation === 'verify') {
    code = PIN_OPERATION.VERIFY;
    body = encodePinVerification(op.structure);
  } else if (op.operation === 'modify') {
    code = PIN_OPERATION.MODIFY;
    body = encodePinModification(op.structure);
  } else {
    code = checkByte('bPINOperation', op.operation);
    body = op.data ?? new Uint8Array(0);
  }
  const data = new Uint8Array(1 + body.length);
  data[0] = code;
  data.set(body, 1);
  return withData(PC_to_RDR_Secure, slot, seq, data, bBWI, wLevelParameter & 0xff, wLevelParameter >> 8);
}

/** PC_to_RDR_Mechanical (§6.1.12). bFunction: 1 accept, 2 eject, 3 capture, 4 lock, 5 unlock. */
export function encodeMechanical(slot: number, seq: number, fn: number): Uint8Array {
  return header(PC_to_RDR_Mechanical, slot, seq, checkByte('bFunction', fn));
}

/** PC_to_RDR_Abort (§6.1.13): sent after the ABORT class request with the same bSlot and bSeq. */
export function encodeAbort(slot: number, seq: number): Uint8Array {
  return header(PC_to_RDR_Abort, slot, seq);
}

/** PC_to_RDR_SetDataRateAndClockFrequency (§6.1.14): dwClockFrequency (kHz), dwDataRate (bps). */
export function encodeSetDataRateAndClockFrequency(slot: number, seq: number, clockFrequency: number, dataRate: number): Uint8Array {
  const out = new Uint8Array(CCID_HEADER_LENGTH + 8);
  const view = new DataView(out.buffer);
  view.setUint32(10, clockFrequency >>> 0, true);
  view.setUint32(14, dataRate >>> 0, true);
  return writeHeader(out, PC_to_RDR_SetDataRateAndClockFrequency, slot, seq);
}
