/**
 * The data structures carried inside CCID messages: the T=0 / T=1 protocol data
 * structures of SetParameters and RDR_to_PC_Parameters (CCID 1.1 §6.1.7) and the PIN
 * verification / modification structures of PC_to_RDR_Secure (§6.1.11).
 *
 * Decoders are lenient: a structure of the wrong length decodes to `undefined` (the
 * message keeps the raw bytes), because a reader's answer to a failed SetParameters may
 * carry no structure at all.
 */
import type { PinModification, PinVerification, ProtocolData, T0ProtocolData, T1ProtocolData } from './messages.ts';

/** Length of the T=0 protocol data structure (§6.1.7, Table 6.1-8). */
export const T0_PROTOCOL_DATA_LENGTH = 5;
/** Length of the T=1 protocol data structure (§6.1.7, Table 6.1-9). */
export const T1_PROTOCOL_DATA_LENGTH = 7;

/** Encodes a protocol data structure (5 bytes for T=0, 7 for T=1). */
export function encodeProtocolData(p: ProtocolData): Uint8Array {
  if (p.protocol === 0) {
    return Uint8Array.of(p.findexDindex & 0xff, p.tcckst & 0xff, p.guardTime & 0xff, p.waitingInteger & 0xff, p.clockStop & 0xff);
  }
  return Uint8Array.of(
    p.findexDindex & 0xff,
    p.tcckst & 0xff,
    p.guardTime & 0xff,
    p.waitingIntegers & 0xff,
    p.clockStop & 0xff,
    p.ifsc & 0xff,
    p.nad & 0xff,
  );
}

/**
 * Decodes abProtocolDataStructure for bProtocolNum; `undefined` when the protocol is
 * neither 0 nor 1 or the length does not match its table.
 */
export function decodeProtocolData(protocolNum: number, bytes: Uint8Array): ProtocolData | undefined {
  if (protocolNum === 0 && bytes.length === T0_PROTOCOL_DATA_LENGTH) {
    const t0: T0ProtocolData = {
      protocol: 0,
      findexDindex: bytes[0]!,
      tcckst: bytes[1]!,
      guardTime: bytes[2]!,
      waitingInteger: bytes[3]!,
      clockStop: bytes[4]!,
    };
    return t0;
  }
  if (protocolNum === 1 && bytes.length === T1_PROTOCOL_DATA_LENGTH) {
    const t1: T1ProtocolData = {
      protocol: 1,
      findexDindex: bytes[0]!,
      tcckst: bytes[1]!,
      guardTime: bytes[2]!,
      waitingIntegers: bytes[3]!,
      clockStop: bytes[4]!,
      ifsc: bytes[5]!,
      nad: bytes[6]!,
    };
    return t1;
  }
  return undefined;
}

// Offsets inside the PIN verification structure (§6.1.11.7).
const V_FIXED = 14; // bTimeOut .. bTeoPrologue

/** Encodes a PIN verification data structure (§6.1.11.7); 14 bytes + the APDU. */
export function encodePinVerification(v: PinVerification): Uint8Array {
  const out = new Uint8Array(V_FIXED + v.apdu.length);
  out[0] = v.timeOut;
  out[1] = v.formatString;
  out[2] = v.pinBlockString;
  out[3] = v.pinLengthFormat;
  // wPINMaxExtraDigit = XXYYh (XX min, YY max), little endian on the wire.
  out[4] = v.maxPinDigits;
  out[5] = v.minPinDigits;
  out[6] = v.entryValidationCondition;
  out[7] = v.numberMessage;
  out[8] = v.langId & 0xff;
  out[9] = (v.langId >> 8) & 0xff;
  out[10] = v.msgIndex;
  out.set(v.teoPrologue.subarray(0, 3), 11);
  out.set(v.apdu, V_FIXED);
  return out;
}

/** Decodes a PIN verification data structure; `undefined` when shorter than its fixed part. */
export function decodePinVerification(b: Uint8Array): PinVerification | undefined {
  if (b.length < V_FIXED) return undefined;
  return {
    timeOut: b[0]!,
    formatString: b[1]!,
    pinBlockString: b[2]!,
    pinLengthFormat: b[3]!,
    maxPinDigits: b[4]!,
    minPinDigits: b[5]!,
    entryValidationCondition: b[6]!,
    numberMessage: b[7]!,
    langId: b[8]! | (b[9]! << 8),
    msgIndex: b[10]!,
    teoPrologue: b.subarray(11, 14),
    apdu: b.subarray(V_FIXED),
  };
}

/** How many bMsgIndex fields a PIN modification structure has for bNumberMessage. */
export function modificationMessageCount(numberMessage: number): number {
  if (numberMessage === 0) return 1;
  return numberMessage >= 3 ? 3 : 2;
}

/**
 * Encodes a PIN modification data structure (§6.1.11.8). `msgIndexes` supplies
 * bMsgIndex1..3; the ones bNumberMessage makes absent are left out, missing ones are 0.
 */
export function encodePinModification(m: PinModification): Uint8Array {
  const count = modificationMessageCount(m.numberMessage);
  const fixed = 13 + count + 3;
  const out = new Uint8Array(fixed + m.apdu.length);
  out[0] = m.timeOut;
  out[1] = m.formatString;
  out[2] = m.pinBlockString;
  out[3] = m.pinLengthFormat;
  out[4] = m.insertionOffsetOld;
  out[5] = m.insertionOffsetNew;
  out[6] = m.maxPinDigits;
  out[7] = m.minPinDigits;
  out[8] = m.confirmPin;
  out[9] = m.entryValidationCondition;
  out[10] = m.numberMessage;
  out[11] = m.langId & 0xff;
  out[12] = (m.langId >> 8) & 0xff;
  for (let i = 0; i < count; i++) out[13 + i] = m.msgIndexes[i] ?? 0;
  out.set(m.teoPrologue.subarray(0, 3), 13 + count);
  out.set(m.apdu, fixed);
  return out;
}

/** Decodes a PIN modification data structure; `undefined` when shorter than its fixed part. */
export function decodePinModification(b: Uint8Array): PinModification | undefined {
  if (b.length < 11) return undefined;
  const count = modificationMessageCount(b[10]!);
  const fixed = 13 + count + 3;
  if (b.length < fixed) return undefined;
  const msgIndexes: number[] = [];
  for (let i = 0; i < count; i++) msgIndexes.push(b[13 + i]!);
  return {
    timeOut: b[0]!,
    formatString: b[1]!,
    pinBlockString: b[2]!,
    pinLengthFormat: b[3]!,
    insertionOffsetOld: b[4]!,
    insertionOffsetNew: b[5]!,
    maxPinDigits: b[6]!,
    minPinDigits: b[7]!,
    confirmPin: b[8]!,
    entryValidationCondition: b[9]!,
    numberMessage: b[10]!,
    langId: b[11]! | (b[12]! << 8),
    msgIndexes,
    teoPrologue: b.subarray(13 + count, fixed),
    apdu: b.subarray(fixed),
  };
}
