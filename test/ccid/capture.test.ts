/**
 * The real capture (gcc_bad_habit_usb, "Generic EMV Smartcard Reader" 2ce3:9563, 16-byte
 * bulk packets, a contact EMV card in T=0): every one of its 426 CCID messages decodes
 * with the fields TShark decoded, and the 16 responses the reader split over two bulk-IN
 * transfers are reassembled from the same cuts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBulk, decodeBulkOut } from '../../src/ccid/decode.ts';
import { decodeInterrupt } from '../../src/ccid/interrupt.ts';
import type { BulkMessage } from '../../src/ccid/messages.ts';
import { Reassembler } from '../../src/ccid/reassembler.ts';
import { fromHex, toHex } from '../../src/util/hex.ts';
import { describeMessage } from '../../src/ccid/describe.ts';

const DIR = new URL('../../../shared/reference/captures/', import.meta.url);

function rows(name: string): string[][] {
  return readFileSync(new URL(name, DIR), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}

interface CaptureLine {
  firstFrame: number;
  lastFrame: number;
  dir: 'IN' | 'OUT';
  bytes: Uint8Array;
}

const lines: CaptureLine[] = rows('gcc_bad_habit_usb.ccid.tsv').map(([first, last, dir, , , hex]) => ({
  firstFrame: Number(first),
  lastFrame: Number(last),
  dir: dir as 'IN' | 'OUT',
  bytes: fromHex(hex!),
}));

const [header, ...fieldRows] = rows('gcc_bad_habit_usb.tshark-fields.tsv');
const col = (name: string): number => header!.indexOf(name);

function tsharkNumber(cell: string | undefined): number | undefined {
  if (cell === undefined || cell === '') return undefined;
  return cell.startsWith('0x') ? parseInt(cell, 16) : Number(cell);
}

describe('gcc_bad_habit_usb capture', () => {
  it('has the 426 messages and the 16 split responses the README describes', () => {
    expect(lines).toHaveLength(426);
    expect(fieldRows).toHaveLength(426);
    expect(lines.filter((l) => l.firstFrame !== l.lastFrame)).toHaveLength(16);
  });

  it("every message decodes with TShark's fields", () => {
    const byType = new Map<string, number>();
    fieldRows.forEach((row, i) => {
      const line = lines[i]!;
      expect(row[col('ccid_message_hex')]).toBe(toHex(line.bytes, '').toLowerCase());
      const msg = decodeBulk(line.bytes);
      byType.set(msg.kind, (byType.get(msg.kind) ?? 0) + 1);
      expect(msg.kind.startsWith(line.dir === 'OUT' ? 'PC_to_RDR' : 'RDR_to_PC')).toBe(true);
      const get = (name: string) => tsharkNumber(row[col(name)]);
      expect(msg.messageType).toBe(get('usbccid.bMessageType'));
      expect(msg.length).toBe(get('usbccid.dwLength'));
      expect(msg.slot).toBe(get('usbccid.bSlot'));
      expect(msg.seq).toBe(get('usbccid.bSeq'));
      const expectField = (name: string, value: number | undefined) => {
        const t = get(name);
        if (t !== undefined) expect(value, `${name} of ${describeMessage(msg)}`).toBe(t);
      };
      if ('status' in msg) {
        expectField('usbccid.bStatus.bmIccStatus', msg.iccStatus);
        expectField('usbccid.bStatus.bmCommandStatus', msg.commandStatus);
        expectField('usbccid.bError', msg.error);
      }
      check(msg, expectField);
    });
    // What the capture holds (README): power cycles, SetParameters, 208 exchanges.
    expect(Object.fromEntries(byType)).toEqual({
      PC_to_RDR_IccPowerOff: 1,
      RDR_to_PC_SlotStatus: 1,
      PC_to_RDR_IccPowerOn: 2,
      RDR_to_PC_DataBlock: 210,
      PC_to_RDR_SetParameters: 2,
      RDR_to_PC_Parameters: 2,
      PC_to_RDR_XfrBlock: 208,
    });
  });

  it('the split responses reassemble from the cuts the reader made (largest multiple of 16, then the rest)', () => {
    const r = new Reassembler({ maxMessageLength: 272 });
    const got: string[] = [];
    for (const line of lines.filter((l) => l.dir === 'IN')) {
      const b = line.bytes;
      const split = line.firstFrame !== line.lastFrame;
      const chunks = split ? [b.subarray(0, b.length - (b.length % 16)), b.subarray(b.length - (b.length % 16))] : [b];
      for (const c of chunks) for (const m of r.push(c)) got.push(toHex(m.raw));
    }
    expect(got).toEqual(lines.filter((l) => l.dir === 'IN').map((l) => toHex(l.bytes)));
    expect(r.fragmented).toBe(16);
  });
});

function check(msg: BulkMessage, expectField: (name: string, value: number | undefined) => void): void {
  switch (msg.kind) {
    case 'RDR_to_PC_DataBlock':
      expectField('usbccid.bChainParameter', msg.chainParameter);
      break;
    case 'RDR_to_PC_SlotStatus':
      expectField('usbccid.bClockStatus', msg.clockStatus);
      break;
    case 'PC_to_RDR_IccPowerOn':
      expectField('usbccid.bPowerSelect', msg.powerSelect);
      break;
    case 'PC_to_RDR_SetParameters':
      expectField('usbccid.bProtocolNum', msg.protocolNum);
      expect(msg.parameters).toEqual({ protocol: 0, findexDindex: 0x11, tcckst: 0, guardTime: 0, waitingInteger: 0x0a, clockStop: 0 });
      break;
    case 'RDR_to_PC_Parameters':
      // TShark 4.0 reads bProtocolNum of 0x82 from offset 8 (README): compare with bError's byte instead.
      expectField('usbccid.bProtocolNum', msg.error);
      expect(msg.protocolNum).toBe(0);
      expect(msg.parameters?.protocol).toBe(0);
      break;
    case 'PC_to_RDR_XfrBlock':
      expectField('usbccid.bBWI', msg.bwi);
      // TShark prints wLevelParameter's low byte only (README).
      expectField('usbccid.wLevelParameter', msg.levelParameter & 0xff);
      break;
    default:
      break;
  }
}

describe('synthetic_misc capture (hand-written, spec-shaped)', () => {
  it('every line decodes, interrupt messages included', () => {
    const lines = rows('synthetic_misc.tsv');
    const described = lines.map(([dir, hex]) => {
      const bytes = fromHex(hex!);
      return describeMessage(dir === 'INTR' ? decodeInterrupt(bytes, 1) : decodeBulk(bytes));
    });
    expect(described).toEqual([
      'RDR_to_PC_NotifySlotChange slots=1 changes=0:inserted bitmap=03',
      'PC_to_RDR_GetSlotStatus slot=0 seq=0x01 len=0',
      'RDR_to_PC_SlotStatus slot=0 seq=0x01 status=PROCESSED/NOT_PRESENT len=0 clock=RUNNING',
      'PC_to_RDR_IccPowerOn slot=0 seq=0x02 len=0 power=auto',
      'RDR_to_PC_DataBlock slot=0 seq=0x02 status=TIME_EXTENSION/PRESENT_ACTIVE multiplier=64 len=0 chain=0',
      'RDR_to_PC_DataBlock slot=0 seq=0x02 status=FAILED/PRESENT_INACTIVE error=ICC_MUTE len=0 chain=0',
      'PC_to_RDR_IccPowerOn slot=0 seq=0x03 len=0 power=5V',
      'RDR_to_PC_DataBlock slot=0 seq=0x03 status=PROCESSED/PRESENT_ACTIVE len=12 chain=0 data=3B A7 00 40 18 80 65 A2 08 01 01 52',
      'PC_to_RDR_GetParameters slot=0 seq=0x04 len=0',
      'RDR_to_PC_Parameters slot=0 seq=0x04 status=PROCESSED/PRESENT_ACTIVE len=7 protocol=1 T=1 FiDi=0x11 TCCKS=0x10 guard=0 BWI/CWI=0x45 clockStop=0 IFSC=254 NAD=0',
      'PC_to_RDR_XfrBlock slot=0 seq=0x05 len=5 bwi=0 level=0x0000 data=00 A4 04 00 00',
      'RDR_to_PC_DataBlock slot=0 seq=0x05 status=PROCESSED/PRESENT_ACTIVE len=2 chain=0 data=90 00',
      'PC_to_RDR_Escape slot=0 seq=0x06 len=3 data=1A 2B 3C',
      'RDR_to_PC_Escape slot=0 seq=0x06 status=PROCESSED/PRESENT_ACTIVE len=0',
      'PC_to_RDR_IccPowerOff slot=0 seq=0x07 len=0',
      'RDR_to_PC_SlotStatus slot=0 seq=0x07 status=PROCESSED/PRESENT_INACTIVE len=0 clock=RUNNING',
      'RDR_to_PC_NotifySlotChange slots=1 changes=0:removed bitmap=02',
    ]);
    expect(decodeBulkOut(fromHex(lines[1]![1]!)).kind).toBe('PC_to_RDR_GetSlotStatus');
  });
});
