import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError } from '../../src/errors.ts';
import { decodeBulk, decodeBulkIn, decodeBulkOut } from '../../src/ccid/decode.ts';
import { describeMessage } from '../../src/ccid/describe.ts';
import * as enc from '../../src/ccid/encode.ts';
import * as rdr from '../../src/ccid/encode-reader.ts';
import * as m from '../../src/ccid/messages.ts';
import { Reassembler } from '../../src/ccid/reassembler.ts';
import { commandStatusName, iccStatusName, slotErrorName } from '../../src/ccid/status.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { command, pinModification, pinVerification, protocolData, response, toReferenceFields } from './arbitraries.ts';
import { referenceDecode } from './reference-codec.ts';

describe('message type constants', () => {
  it('keep the CCID 1.1 / Wireshark names and values', () => {
    const table: [number, string][] = [
      [0x62, 'PC_to_RDR_IccPowerOn'],
      [0x63, 'PC_to_RDR_IccPowerOff'],
      [0x65, 'PC_to_RDR_GetSlotStatus'],
      [0x6f, 'PC_to_RDR_XfrBlock'],
      [0x6c, 'PC_to_RDR_GetParameters'],
      [0x6d, 'PC_to_RDR_ResetParameters'],
      [0x61, 'PC_to_RDR_SetParameters'],
      [0x6b, 'PC_to_RDR_Escape'],
      [0x6e, 'PC_to_RDR_IccClock'],
      [0x6a, 'PC_to_RDR_T0APDU'],
      [0x69, 'PC_to_RDR_Secure'],
      [0x71, 'PC_to_RDR_Mechanical'],
      [0x72, 'PC_to_RDR_Abort'],
      [0x73, 'PC_to_RDR_SetDataRateAndClockFrequency'],
      [0x80, 'RDR_to_PC_DataBlock'],
      [0x81, 'RDR_to_PC_SlotStatus'],
      [0x82, 'RDR_to_PC_Parameters'],
      [0x83, 'RDR_to_PC_Escape'],
      [0x84, 'RDR_to_PC_DataRateAndClockFrequency'],
      [0x50, 'RDR_to_PC_NotifySlotChange'],
      [0x51, 'RDR_to_PC_HardwareError'],
    ];
    for (const [value, name] of table) {
      expect((m as unknown as Record<string, number>)[name]).toBe(value);
      expect(m.messageTypeName(value)).toBe(name);
    }
    expect(m.messageTypeName(0x12)).toBe('UNKNOWN(0x12)');
    expect([m.ABORT, m.GET_CLOCK_FREQUENCIES, m.GET_DATA_RATES]).toEqual([1, 2, 3]);
  });

  it('map each command to the response type of its §6.1 entry', () => {
    expect(m.responseTypeOf(m.PC_to_RDR_IccPowerOn)).toBe(m.RDR_to_PC_DataBlock);
    expect(m.responseTypeOf(m.PC_to_RDR_XfrBlock)).toBe(m.RDR_to_PC_DataBlock);
    expect(m.responseTypeOf(m.PC_to_RDR_Secure)).toBe(m.RDR_to_PC_DataBlock);
    for (const t of [m.PC_to_RDR_IccPowerOff, m.PC_to_RDR_GetSlotStatus, m.PC_to_RDR_IccClock, m.PC_to_RDR_T0APDU, m.PC_to_RDR_Mechanical, m.PC_to_RDR_Abort]) {
      expect(m.responseTypeOf(t)).toBe(m.RDR_to_PC_SlotStatus);
    }
    for (const t of [m.PC_to_RDR_GetParameters, m.PC_to_RDR_ResetParameters, m.PC_to_RDR_SetParameters]) {
      expect(m.responseTypeOf(t)).toBe(m.RDR_to_PC_Parameters);
    }
    expect(m.responseTypeOf(m.PC_to_RDR_Escape)).toBe(m.RDR_to_PC_Escape);
    expect(m.responseTypeOf(m.PC_to_RDR_SetDataRateAndClockFrequency)).toBe(m.RDR_to_PC_DataRateAndClockFrequency);
    expect(m.responseTypeOf(0x80)).toBeUndefined();
    expect(m.responseTypeOf(0x64)).toBeUndefined();
  });
});

describe('status registers (§6.2.6)', () => {
  it('name bmICCStatus, bmCommandStatus and bError', () => {
    expect([0, 1, 2, 3].map(iccStatusName)).toEqual(['PRESENT_ACTIVE', 'PRESENT_INACTIVE', 'NOT_PRESENT', 'RFU']);
    expect([0, 1, 2].map(commandStatusName)).toEqual(['PROCESSED', 'FAILED', 'TIME_EXTENSION']);
    const errors: [number, string][] = [
      [0xfe, 'ICC_MUTE'],
      [0xfd, 'XFR_PARITY_ERROR'],
      [0xfc, 'XFR_OVERRUN'],
      [0xfb, 'HW_ERROR'],
      [0xf8, 'BAD_ATR_TS'],
      [0xf7, 'BAD_ATR_TCK'],
      [0xf6, 'ICC_PROTOCOL_NOT_SUPPORTED'],
      [0xf5, 'ICC_CLASS_NOT_SUPPORTED'],
      [0xf4, 'PROCEDURE_BYTE_CONFLICT'],
      [0xf3, 'DEACTIVATED_PROTOCOL'],
      [0xf2, 'BUSY_WITH_AUTO_SEQUENCE'],
      [0xf0, 'PIN_TIMEOUT'],
      [0xef, 'PIN_CANCELLED'],
      [0xe0, 'CMD_SLOT_BUSY'],
      [0xff, 'CMD_ABORTED'],
      [0x00, 'CMD_NOT_SUPPORTED'],
      [0x01, 'BAD_PARAMETER(1)'],
      [0x05, 'BAD_PARAMETER(5)'],
      [0x7f, 'BAD_PARAMETER(127)'],
      [0x80, 'UNKNOWN(0x80)'],
      [0xc0, 'UNKNOWN(0xC0)'],
      [0xf1, 'UNKNOWN(0xF1)'],
    ];
    for (const [code, name] of errors) expect(slotErrorName(code)).toBe(name);
  });
});

describe('encode → decode round trip', () => {
  it('PC_to_RDR messages keep every field', () => {
    const x = decodeBulkOut(enc.encodeXfrBlock(3, 0x1a, fromHex('00 A4 04 00'), 7, 0x1234));
    expect(x).toMatchObject({ kind: 'PC_to_RDR_XfrBlock', slot: 3, seq: 0x1a, bwi: 7, levelParameter: 0x1234, length: 4 });
    expect(toHex(x.raw)).toBe('6F 04 00 00 00 03 1A 07 34 12 00 A4 04 00');
    expect(decodeBulkOut(enc.encodeIccPowerOn(1, 2, 3))).toMatchObject({ kind: 'PC_to_RDR_IccPowerOn', powerSelect: 3 });
    expect(decodeBulkOut(enc.encodeIccClock(1, 2, 1))).toMatchObject({ kind: 'PC_to_RDR_IccClock', clockCommand: 1 });
    expect(decodeBulkOut(enc.encodeT0Apdu(1, 2, 3, 0xa0, 0xff))).toMatchObject({ changes: 3, classGetResponse: 0xa0, classEnvelope: 0xff });
    expect(decodeBulkOut(enc.encodeMechanical(0, 9, 2))).toMatchObject({ kind: 'PC_to_RDR_Mechanical', function: 2 });
    expect(toHex(enc.encodeAbort(2, 0x33))).toBe('72 00 00 00 00 02 33 00 00 00');
    expect(decodeBulkOut(enc.encodeSetDataRateAndClockFrequency(0, 1, 4000, 10752))).toMatchObject({ clockFrequency: 4000, dataRate: 10752, length: 8 });
    for (const encode of [enc.encodeIccPowerOff, enc.encodeGetSlotStatus, enc.encodeGetParameters, enc.encodeResetParameters]) {
      const raw = encode(5, 6);
      expect(raw.length).toBe(10);
      expect(decodeBulkOut(raw).raw).toEqual(raw);
    }
  });

  it('SetParameters T=0 and T=1 structures (§6.1.7)', () => {
    fc.assert(
      fc.property(protocolData, (p) => {
        const msg = decodeBulkOut(enc.encodeSetParameters(0, 1, p));
        expect(msg.kind).toBe('PC_to_RDR_SetParameters');
        if (msg.kind !== 'PC_to_RDR_SetParameters') return;
        expect(msg.protocolNum).toBe(p.protocol);
        expect(msg.length).toBe(p.protocol === 0 ? 5 : 7);
        expect(msg.parameters).toEqual(p);
      }),
    );
    // The capture's SetParameters: T=0, Fi/Di 0x11, guard 0, WI 0x0A, no clock stop.
    const real = decodeBulkOut(fromHex('610500000000240000001100000a00'));
    expect(real).toMatchObject({ parameters: { protocol: 0, findexDindex: 0x11, tcckst: 0, guardTime: 0, waitingInteger: 0x0a, clockStop: 0 } });
  });

  it('Secure with PIN verification and modification structures (§6.1.11)', () => {
    fc.assert(
      fc.property(pinVerification, (v) => {
        const msg = decodeBulkOut(enc.encodeSecure(0, 1, { operation: 'verify', structure: v }, 0, 0));
        if (msg.kind !== 'PC_to_RDR_Secure') throw new Error('kind');
        expect(msg.pinOperation).toBe(0);
        expect(msg.pinData.length).toBe(14 + v.apdu.length);
        expect(msg.verification).toEqual(v);
      }),
    );
    fc.assert(
      fc.property(pinModification, (p) => {
        const msg = decodeBulkOut(enc.encodeSecure(0, 1, { operation: 'modify', structure: p }));
        if (msg.kind !== 'PC_to_RDR_Secure') throw new Error('kind');
        expect(msg.pinOperation).toBe(1);
        expect(msg.modification).toEqual(p);
      }),
    );
    // wPINMaxExtraDigit = XXYYh (min 4, max 8) goes little endian: 08 04.
    const v = decodeBulkOut(
      enc.encodeSecure(0, 0, {
        operation: 'verify',
        structure: {
          timeOut: 0,
          formatString: 0x82,
          pinBlockString: 0x08,
          pinLengthFormat: 0,
          minPinDigits: 4,
          maxPinDigits: 8,
          entryValidationCondition: 2,
          numberMessage: 1,
          langId: 0x0409,
          msgIndex: 0,
          teoPrologue: new Uint8Array(3),
          apdu: fromHex('00 20 00 01 08 FF FF FF FF FF FF FF FF'),
        },
      }),
    );
    expect(toHex(v.raw.subarray(10, 25))).toBe('00 00 82 08 00 08 04 02 01 09 04 00 00 00 00');
  });

  it('RDR_to_PC messages keep every field', () => {
    const d = decodeBulkIn(rdr.encodeDataBlock(2, 0x44, fromHex('90 00'), { iccStatus: 0, commandStatus: 0 }, 0));
    expect(d).toMatchObject({ kind: 'RDR_to_PC_DataBlock', slot: 2, seq: 0x44, status: 0, chainParameter: 0, length: 2 });
    const te = decodeBulkIn(rdr.encodeDataBlock(0, 2, new Uint8Array(0), { commandStatus: 2, error: 0x40 }));
    expect(te).toMatchObject({ commandStatus: 2, error: 0x40, status: 0x80 });
    const mute = decodeBulkIn(rdr.encodeSlotStatus(0, 2, { iccStatus: 1, commandStatus: 1, error: 0xfe }, 3));
    expect(mute).toMatchObject({ kind: 'RDR_to_PC_SlotStatus', status: 0x41, iccStatus: 1, commandStatus: 1, error: 0xfe, clockStatus: 3 });
    const p = decodeBulkIn(fromHex('820700000000040000011110004500fe00'));
    expect(p).toMatchObject({ kind: 'RDR_to_PC_Parameters', protocolNum: 1, parameters: { protocol: 1, findexDindex: 0x11, tcckst: 0x10, guardTime: 0, waitingIntegers: 0x45, clockStop: 0, ifsc: 0xfe, nad: 0 } });
    const failedParams = decodeBulkIn(rdr.encodeParameters(0, 1, undefined, { commandStatus: 1, error: 0x0a }));
    expect(failedParams).toMatchObject({ length: 0, parameters: undefined });
    const rate = decodeBulkIn(rdr.encodeDataRateAndClockFrequency(0, 1, { clockFrequency: 4000, dataRate: 10753 }));
    expect(rate).toMatchObject({ clockFrequency: 4000, dataRate: 10753 });
    expect(decodeBulkIn(rdr.encodeDataRateAndClockFrequency(0, 1, undefined))).toMatchObject({ clockFrequency: undefined, dataRate: undefined });
    expect(decodeBulkIn(rdr.encodeEscapeResponse(0, 1, fromHex('01 02')))).toMatchObject({ kind: 'RDR_to_PC_Escape', length: 2 });
  });

  it('every message type, any field values: decode(encode(x)) keeps raw and fields, and agrees with the reference decoder', () => {
    fc.assert(
      fc.property(fc.oneof(command, response), (raw) => {
        const msg = decodeBulk(raw);
        expect(msg.raw).toEqual(raw);
        expect(toReferenceFields(msg)).toEqual(referenceDecode(raw));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decoding bad input', () => {
  it('throws FrameError only, and exactly when the reference decoder says invalid', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          // Mostly-valid frames with one byte changed or the length cut.
          fc.tuple(fc.oneof(command, response), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([raw, at, v, cut]) => {
            const copy = raw.slice();
            if (cut) return copy.subarray(0, at % (copy.length + 1));
            copy[at % copy.length] = v;
            return copy;
          }),
        ),
        (raw) => {
          const ref = referenceDecode(raw);
          let fast: ReturnType<typeof decodeBulk> | undefined;
          try {
            fast = decodeBulk(raw);
          } catch (error) {
            expect(error).toBeInstanceOf(FrameError);
          }
          if (ref === 'invalid') expect(fast).toBeUndefined();
          else expect(toReferenceFields(fast!)).toEqual(ref);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('names the problem', () => {
    expect(() => decodeBulkIn(fromHex('80 02 00'))).toThrow(/shorter than its 10-byte header/);
    expect(() => decodeBulkIn(fromHex('80 05 00 00 00 00 00 00 00 00 90 00'))).toThrow(/dwLength 5 but 2 data bytes/);
    expect(() => decodeBulkIn(enc.encodeAbort(0, 0))).toThrow(/not an RDR_to_PC message type: PC_to_RDR_Abort/);
    expect(() => decodeBulkOut(rdr.encodeSlotStatus(0, 0))).toThrow(/not a PC_to_RDR message type: RDR_to_PC_SlotStatus/);
  });
});

describe('dwLength boundaries', () => {
  const max = 0x10000 + 10;
  const lengths = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x105, 0xffff, 0x10000, max];
  it.each(lengths)('a DataBlock with dwLength %i decodes and reassembles', (len) => {
    const data = new Uint8Array(len).map((_, i) => i & 0xff);
    const raw = rdr.encodeDataBlock(0, 1, data);
    expect([raw[1], raw[2], raw[3], raw[4]]).toEqual([len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, 0]);
    const msg = decodeBulkIn(raw);
    expect(msg.length).toBe(len);
    const r = new Reassembler({ maxMessageLength: max });
    const out = [...r.push(raw.subarray(0, 64)), ...r.push(raw.subarray(64))];
    expect(out.map((x) => x.length)).toEqual([len]);
  });

  it('dwLength = dwMaxCCIDMessageLength + 1 is a FrameError (CCID_ERR_FRAME_TOO_LONG)', () => {
    const r = new Reassembler({ maxMessageLength: max });
    const head = rdr.encodeDataBlock(0, 1, new Uint8Array(0));
    const len = max + 1;
    head.set([len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24], 1);
    expect(() => r.push(head)).toThrow(expect.objectContaining({ code: 'CCID_ERR_FRAME_TOO_LONG' }));
    expect(r.buffered).toBe(0);
  });

  it('dwLength 0xFFFFFFFF does not allocate: it is refused from the header', () => {
    const r = new Reassembler({ maxMessageLength: 271 });
    expect(() => r.push(fromHex('80 FF FF FF FF 00 00 00 00 00'))).toThrow(expect.objectContaining({ code: 'CCID_ERR_FRAME_TOO_LONG' }));
  });
});

describe('describeMessage', () => {
  it('prints one line per message with spec names', () => {
    expect(describeMessage(decodeBulkIn(rdr.encodeDataBlock(3, 0x1a, fromHex('90 00'))))).toBe(
      'RDR_to_PC_DataBlock slot=3 seq=0x1A status=PROCESSED/PRESENT_ACTIVE len=2 chain=0 data=90 00',
    );
    expect(describeMessage(decodeBulkIn(fromHex('8000000000000241fe00')))).toBe(
      'RDR_to_PC_DataBlock slot=0 seq=0x02 status=FAILED/PRESENT_INACTIVE error=ICC_MUTE len=0 chain=0',
    );
    expect(describeMessage(decodeBulkIn(fromHex('80000000000002804000')))).toBe(
      'RDR_to_PC_DataBlock slot=0 seq=0x02 status=TIME_EXTENSION/PRESENT_ACTIVE multiplier=64 len=0 chain=0',
    );
    expect(describeMessage(decodeBulkOut(fromHex('6f05000000002600000000c0000022')))).toBe(
      'PC_to_RDR_XfrBlock slot=0 seq=0x26 len=5 bwi=0 level=0x0000 data=00 C0 00 00 22',
    );
    expect(describeMessage(decodeBulkOut(enc.encodeEscape(0, 1, new Uint8Array(20))))).toMatch(/^PC_to_RDR_Escape slot=0 seq=0x01 len=20 data=(00 ){15}00 …$/);
    expect(describeMessage(decodeBulkIn(fromHex('81000000000022010001')))).toBe(
      'RDR_to_PC_SlotStatus slot=0 seq=0x22 status=PROCESSED/PRESENT_INACTIVE len=0 clock=STOPPED_L',
    );
    expect(describeMessage(decodeBulkIn(fromHex('820700000000040000011110004500fe00')))).toBe(
      'RDR_to_PC_Parameters slot=0 seq=0x04 status=PROCESSED/PRESENT_ACTIVE len=7 protocol=1 T=1 FiDi=0x11 TCCKS=0x10 guard=0 BWI/CWI=0x45 clockStop=0 IFSC=254 NAD=0',
    );
  });

  it('describes any decodable message without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(command, response), (raw) => {
        const line = describeMessage(decodeBulk(raw));
        expect(line.startsWith(m.messageTypeName(raw[0]!))).toBe(true);
      }),
    );
  });
});
