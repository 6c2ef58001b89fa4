/**
 * A slow, obvious CCID decoder written straight from the CCID 1.1 tables (§6.1, §6.2),
 * field by field with a DataView and spec names, to check the fast decoder against. It
 * shares no code with src/ccid and returns a flat record of spec-named fields (hex strings
 * for byte arrays), or the string 'invalid' when the bytes are not one message.
 */

export type Fields = Record<string, string | number>;

const COMMANDS: Record<number, { name: string; fields: [string, string, string] }> = {
  0x62: { name: 'PC_to_RDR_IccPowerOn', fields: ['bPowerSelect', 'abRFU', 'abRFU'] },
  0x63: { name: 'PC_to_RDR_IccPowerOff', fields: ['abRFU', 'abRFU', 'abRFU'] },
  0x65: { name: 'PC_to_RDR_GetSlotStatus', fields: ['abRFU', 'abRFU', 'abRFU'] },
  0x6f: { name: 'PC_to_RDR_XfrBlock', fields: ['bBWI', 'wLevelParameter', 'wLevelParameter'] },
  0x6c: { name: 'PC_to_RDR_GetParameters', fields: ['abRFU', 'abRFU', 'abRFU'] },
  0x6d: { name: 'PC_to_RDR_ResetParameters', fields: ['abRFU', 'abRFU', 'abRFU'] },
  0x61: { name: 'PC_to_RDR_SetParameters', fields: ['bProtocolNum', 'abRFU', 'abRFU'] },
  0x6b: { name: 'PC_to_RDR_Escape', fields: ['abRFU', 'abRFU', 'abRFU'] },
  0x6e: { name: 'PC_to_RDR_IccClock', fields: ['bClockCommand', 'abRFU', 'abRFU'] },
  0x6a: { name: 'PC_to_RDR_T0APDU', fields: ['bmChanges', 'bClassGetResponse', 'bClassEnvelope'] },
  0x69: { name: 'PC_to_RDR_Secure', fields: ['bBWI', 'wLevelParameter', 'wLevelParameter'] },
  0x71: { name: 'PC_to_RDR_Mechanical', fields: ['bFunction', 'abRFU', 'abRFU'] },
  0x72: { name: 'PC_to_RDR_Abort', fields: ['abRFU', 'abRFU', 'abRFU'] },
  0x73: { name: 'PC_to_RDR_SetDataRateAndClockFrequency', fields: ['abRFU', 'abRFU', 'abRFU'] },
};

const RESPONSES: Record<number, { name: string; lastField: string }> = {
  0x80: { name: 'RDR_to_PC_DataBlock', lastField: 'bChainParameter' },
  0x81: { name: 'RDR_to_PC_SlotStatus', lastField: 'bClockStatus' },
  0x82: { name: 'RDR_to_PC_Parameters', lastField: 'bProtocolNum' },
  0x83: { name: 'RDR_to_PC_Escape', lastField: 'bRFU' },
  0x84: { name: 'RDR_to_PC_DataRateAndClockFrequency', lastField: 'bRFU' },
};

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Decodes one bulk message into spec-named fields. */
export function referenceDecode(bytes: Uint8Array): Fields | 'invalid' {
  if (bytes.length < 10) return 'invalid';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  const dwLength = view.getUint32(1, true);
  if (bytes.length !== 10 + dwLength) return 'invalid';
  const out: Fields = { dwLength, bSlot: view.getUint8(5), bSeq: view.getUint8(6) };
  const abData = bytes.slice(10);
  const command = COMMANDS[type];
  const response = RESPONSES[type];
  if (command !== undefined) {
    out['bMessageType'] = command.name;
    if (command.fields[0] !== 'abRFU') out[command.fields[0]] = view.getUint8(7);
    if (command.fields[1] === 'wLevelParameter') out['wLevelParameter'] = view.getUint16(8, true);
    else if (command.fields[1] !== 'abRFU') {
      out[command.fields[1]] = view.getUint8(8);
      out[command.fields[2]] = view.getUint8(9);
    }
    if (type === 0x73 && dwLength >= 8) {
      out['dwClockFrequency'] = view.getUint32(10, true);
      out['dwDataRate'] = view.getUint32(14, true);
    } else if (type === 0x69) {
      if (dwLength > 0) out['bPINOperation'] = abData[0]!;
      out['abPINDataStructure'] = hex(abData.slice(1));
    } else if (type === 0x61) {
      out['abProtocolDataStructure'] = hex(abData);
    } else if (type === 0x6f || type === 0x6b) {
      out['abData'] = hex(abData);
    }
    return out;
  }
  if (response !== undefined) {
    out['bMessageType'] = response.name;
    const bStatus = view.getUint8(7);
    out['bmICCStatus'] = bStatus % 4;
    out['bmCommandStatus'] = Math.floor(bStatus / 64);
    out['bError'] = view.getUint8(8);
    if (response.lastField !== 'bRFU') out[response.lastField] = view.getUint8(9);
    if (type === 0x80 || type === 0x83) out['abData'] = hex(abData);
    if (type === 0x82) out['abProtocolDataStructure'] = hex(abData);
    if (type === 0x84 && dwLength >= 8) {
      out['dwClockFrequency'] = view.getUint32(10, true);
      out['dwDataRate'] = view.getUint32(14, true);
    }
    return out;
  }
  return 'invalid';
}
