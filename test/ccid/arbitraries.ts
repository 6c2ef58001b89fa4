/**
 * fast-check arbitraries of encoded CCID messages (both directions), built with the
 * encoders under test, plus the mapping from a decoded message to the reference
 * decoder's spec-named fields.
 */
import fc from 'fast-check';
import * as enc from '../../src/ccid/encode.ts';
import * as rdr from '../../src/ccid/encode-reader.ts';
import type { BulkMessage, PinModification, PinVerification, ProtocolData } from '../../src/ccid/messages.ts';
import type { Fields } from './reference-codec.ts';

const byte = fc.integer({ min: 0, max: 255 });
const word = fc.integer({ min: 0, max: 0xffff });
const dword = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max = 300) => fc.uint8Array({ maxLength: max });

export const protocolData: fc.Arbitrary<ProtocolData> = fc.oneof(
  fc.record({ protocol: fc.constant(0 as const), findexDindex: byte, tcckst: byte, guardTime: byte, waitingInteger: byte, clockStop: byte }),
  fc.record({
    protocol: fc.constant(1 as const),
    findexDindex: byte,
    tcckst: byte,
    guardTime: byte,
    waitingIntegers: byte,
    clockStop: byte,
    ifsc: byte,
    nad: byte,
  }),
);

export const pinVerification: fc.Arbitrary<PinVerification> = fc.record({
  timeOut: byte,
  formatString: byte,
  pinBlockString: byte,
  pinLengthFormat: byte,
  minPinDigits: byte,
  maxPinDigits: byte,
  entryValidationCondition: byte,
  numberMessage: byte,
  langId: word,
  msgIndex: byte,
  teoPrologue: fc.uint8Array({ minLength: 3, maxLength: 3 }),
  apdu: bytes(40),
});

export const pinModification: fc.Arbitrary<PinModification> = fc
  .record({
    timeOut: byte,
    formatString: byte,
    pinBlockString: byte,
    pinLengthFormat: byte,
    insertionOffsetOld: byte,
    insertionOffsetNew: byte,
    minPinDigits: byte,
    maxPinDigits: byte,
    confirmPin: byte,
    entryValidationCondition: byte,
    numberMessage: fc.constantFrom(0, 1, 2, 3, 0xff),
    langId: word,
    msgIndexes: fc.array(byte, { minLength: 3, maxLength: 3 }),
    teoPrologue: fc.uint8Array({ minLength: 3, maxLength: 3 }),
    apdu: bytes(40),
  })
  .map((m) => ({ ...m, msgIndexes: m.msgIndexes.slice(0, m.numberMessage === 0 ? 1 : m.numberMessage >= 3 ? 3 : 2) }));

const status = fc.record({ iccStatus: fc.integer({ min: 0, max: 3 }), commandStatus: fc.integer({ min: 0, max: 3 }), error: byte });

/** Any encoded PC_to_RDR message. */
export const command: fc.Arbitrary<Uint8Array> = fc
  .tuple(byte, byte)
  .chain(([s, q]) =>
    fc.oneof(
      byte.map((p) => enc.encodeIccPowerOn(s, q, p)),
      fc.constant(enc.encodeIccPowerOff(s, q)),
      fc.constant(enc.encodeGetSlotStatus(s, q)),
      fc.tuple(bytes(), byte, word).map(([d, b, w]) => enc.encodeXfrBlock(s, q, d, b, w)),
      fc.constant(enc.encodeGetParameters(s, q)),
      fc.constant(enc.encodeResetParameters(s, q)),
      protocolData.map((p) => enc.encodeSetParameters(s, q, p)),
      bytes().map((d) => enc.encodeEscape(s, q, d)),
      byte.map((c) => enc.encodeIccClock(s, q, c)),
      fc.tuple(byte, byte, byte).map(([a, b, c]) => enc.encodeT0Apdu(s, q, a, b, c)),
      pinVerification.map((v) => enc.encodeSecure(s, q, { operation: 'verify', structure: v })),
      pinModification.map((m) => enc.encodeSecure(s, q, { operation: 'modify', structure: m })),
      fc.tuple(fc.integer({ min: 2, max: 6 }), bytes(20)).map(([o, d]) => enc.encodeSecure(s, q, { operation: o, data: d })),
      byte.map((f) => enc.encodeMechanical(s, q, f)),
      fc.constant(enc.encodeAbort(s, q)),
      fc.tuple(dword, dword).map(([c, r]) => enc.encodeSetDataRateAndClockFrequency(s, q, c, r)),
    ),
  );

/** Any encoded RDR_to_PC message. */
export const response: fc.Arbitrary<Uint8Array> = fc
  .tuple(byte, byte, status)
  .chain(([s, q, st]) =>
    fc.oneof(
      fc.tuple(bytes(), byte).map(([d, c]) => rdr.encodeDataBlock(s, q, d, st, c)),
      byte.map((c) => rdr.encodeSlotStatus(s, q, st, c)),
      fc.option(protocolData, { nil: undefined }).map((p) => rdr.encodeParameters(s, q, p, st)),
      bytes().map((d) => rdr.encodeEscapeResponse(s, q, d, st)),
      fc.option(fc.record({ clockFrequency: dword, dataRate: dword }), { nil: undefined }).map((v) => rdr.encodeDataRateAndClockFrequency(s, q, v, st)),
    ),
  );

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** The fast decoder's result expressed as the reference decoder's fields. */
export function toReferenceFields(m: BulkMessage): Fields {
  const f: Fields = { bMessageType: m.kind, dwLength: m.length, bSlot: m.slot, bSeq: m.seq };
  switch (m.kind) {
    case 'PC_to_RDR_IccPowerOn':
      f['bPowerSelect'] = m.powerSelect;
      break;
    case 'PC_to_RDR_XfrBlock':
      Object.assign(f, { bBWI: m.bwi, wLevelParameter: m.levelParameter, abData: hex(m.data) });
      break;
    case 'PC_to_RDR_SetParameters':
      Object.assign(f, { bProtocolNum: m.protocolNum, abProtocolDataStructure: hex(m.protocolData) });
      break;
    case 'PC_to_RDR_Escape':
      f['abData'] = hex(m.data);
      break;
    case 'PC_to_RDR_IccClock':
      f['bClockCommand'] = m.clockCommand;
      break;
    case 'PC_to_RDR_T0APDU':
      Object.assign(f, { bmChanges: m.changes, bClassGetResponse: m.classGetResponse, bClassEnvelope: m.classEnvelope });
      break;
    case 'PC_to_RDR_Secure':
      Object.assign(f, { bBWI: m.bwi, wLevelParameter: m.levelParameter, abPINDataStructure: hex(m.pinData) });
      if (m.pinOperation !== undefined) f['bPINOperation'] = m.pinOperation;
      break;
    case 'PC_to_RDR_Mechanical':
      f['bFunction'] = m.function;
      break;
    case 'PC_to_RDR_SetDataRateAndClockFrequency':
    case 'RDR_to_PC_DataRateAndClockFrequency':
      if (m.clockFrequency !== undefined) f['dwClockFrequency'] = m.clockFrequency;
      if (m.dataRate !== undefined) f['dwDataRate'] = m.dataRate;
      break;
    default:
      break;
  }
  if (m.kind.startsWith('RDR_to_PC') && 'status' in m) {
    Object.assign(f, { bmICCStatus: m.iccStatus, bmCommandStatus: m.commandStatus, bError: m.error });
    if (m.kind === 'RDR_to_PC_DataBlock') Object.assign(f, { bChainParameter: m.chainParameter, abData: hex(m.data) });
    if (m.kind === 'RDR_to_PC_SlotStatus') f['bClockStatus'] = m.clockStatus;
    if (m.kind === 'RDR_to_PC_Parameters') Object.assign(f, { bProtocolNum: m.protocolNum, abProtocolDataStructure: hex(m.protocolData) });
    if (m.kind === 'RDR_to_PC_Escape') f['abData'] = hex(m.data);
  }
  return f;
}
