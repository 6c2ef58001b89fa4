/**
 * One line per CCID message, the same everywhere (CLI, logs, test failures):
 *
 * ```
 * PC_to_RDR_XfrBlock slot=0 seq=0x25 len=5 bwi=0 level=0x0000 data=00 A4 04 00 0E …
 * RDR_to_PC_DataBlock slot=0 seq=0x25 status=PROCESSED/PRESENT_ACTIVE len=2 chain=0 data=61 22
 * RDR_to_PC_SlotStatus slot=0 seq=0x22 status=FAILED/PRESENT_INACTIVE error=ICC_MUTE len=0 clock=RUNNING
 * ```
 */
import { toHex } from '../util/hex.ts';
import type { CcidMessage, ProtocolData, RdrToPcMessage } from './messages.ts';
import { clockStatusName, commandStatusName, hardwareErrorName, iccStatusName, slotErrorName } from './status.ts';

/** Longest data shown in full; longer data is cut with `…` and its length. */
const DATA_SHOWN = 16;

function hex2(n: number): string {
  return '0x' + (n & 0xff).toString(16).toUpperCase().padStart(2, '0');
}

function data(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  if (bytes.length <= DATA_SHOWN) return ` data=${toHex(bytes)}`;
  return ` data=${toHex(bytes.subarray(0, DATA_SHOWN))} …`;
}

function status(m: RdrToPcMessage): string {
  let s = ` status=${commandStatusName(m.commandStatus)}/${iccStatusName(m.iccStatus)}`;
  if (m.commandStatus === 1) s += ` error=${slotErrorName(m.error)}`;
  else if (m.commandStatus === 2) s += ` multiplier=${m.error}`;
  return s;
}

function params(p: ProtocolData | undefined, raw: Uint8Array): string {
  if (p === undefined) return data(raw);
  if (p.protocol === 0) {
    return ` T=0 FiDi=${hex2(p.findexDindex)} TCCKS=${hex2(p.tcckst)} guard=${p.guardTime} WI=${p.waitingInteger} clockStop=${p.clockStop}`;
  }
  return ` T=1 FiDi=${hex2(p.findexDindex)} TCCKS=${hex2(p.tcckst)} guard=${p.guardTime} BWI/CWI=${hex2(p.waitingIntegers)} clockStop=${p.clockStop} IFSC=${p.ifsc} NAD=${p.nad}`;
}

/** Describes any CCID message on one line, starting with its spec name. */
export function describeMessage(msg: CcidMessage): string {
  switch (msg.kind) {
    case 'RDR_to_PC_NotifySlotChange': {
      const parts: string[] = [];
      for (let slot = 0; slot < msg.slotCount; slot++) {
        const pair = (msg.slotIccState[slot >> 2]! >> ((slot & 3) * 2)) & 3;
        if (pair & 2) parts.push(`${slot}:${pair & 1 ? 'inserted' : 'removed'}`);
      }
      return `${msg.kind} slots=${msg.slotCount} changes=${parts.length ? parts.join(',') : 'none'} bitmap=${toHex(msg.slotIccState)}`;
    }
    case 'RDR_to_PC_HardwareError':
      return `${msg.kind} slot=${msg.slot} seq=${hex2(msg.seq)} code=${hardwareErrorName(msg.hardwareErrorCode)}`;
    default:
      break;
  }
  const head = `${msg.kind} slot=${msg.slot} seq=${hex2(msg.seq)}`;
  switch (msg.kind) {
    case 'RDR_to_PC_DataBlock':
      return `${head}${status(msg)} len=${msg.length} chain=${msg.chainParameter}${data(msg.data)}`;
    case 'RDR_to_PC_SlotStatus':
      return `${head}${status(msg)} len=${msg.length} clock=${clockStatusName(msg.clockStatus)}`;
    case 'RDR_to_PC_Parameters':
      return `${head}${status(msg)} len=${msg.length} protocol=${msg.protocolNum}${params(msg.parameters, msg.protocolData)}`;
    case 'RDR_to_PC_Escape':
      return `${head}${status(msg)} len=${msg.length}${data(msg.data)}`;
    case 'RDR_to_PC_DataRateAndClockFrequency':
      return `${head}${status(msg)} len=${msg.length}${msg.clockFrequency === undefined ? '' : ` clock=${msg.clockFrequency}kHz rate=${msg.dataRate}bps`}`;
    case 'PC_to_RDR_IccPowerOn':
      return `${head} len=${msg.length} power=${['auto', '5V', '3V', '1.8V'][msg.powerSelect] ?? hex2(msg.powerSelect)}`;
    case 'PC_to_RDR_XfrBlock':
      return `${head} len=${msg.length} bwi=${msg.bwi} level=0x${msg.levelParameter.toString(16).toUpperCase().padStart(4, '0')}${data(msg.data)}`;
    case 'PC_to_RDR_SetParameters':
      return `${head} len=${msg.length} protocol=${msg.protocolNum}${params(msg.parameters, msg.protocolData)}`;
    case 'PC_to_RDR_Escape':
      return `${head} len=${msg.length}${data(msg.data)}`;
    case 'PC_to_RDR_IccClock':
      return `${head} len=${msg.length} clock=${msg.clockCommand === 0 ? 'restart' : msg.clockCommand === 1 ? 'stop' : hex2(msg.clockCommand)}`;
    case 'PC_to_RDR_T0APDU':
      return `${head} len=${msg.length} changes=${hex2(msg.changes)} getResponseCLA=${hex2(msg.classGetResponse)} envelopeCLA=${hex2(msg.classEnvelope)}`;
    case 'PC_to_RDR_Secure': {
      const op = msg.pinOperation === 0 ? 'verify' : msg.pinOperation === 1 ? 'modify' : msg.pinOperation === undefined ? 'none' : String(msg.pinOperation);
      return `${head} len=${msg.length} bwi=${msg.bwi} pinOperation=${op}${data(msg.pinData)}`;
    }
    case 'PC_to_RDR_Mechanical':
      return `${head} len=${msg.length} function=${['?', 'accept', 'eject', 'capture', 'lock', 'unlock'][msg.function] ?? hex2(msg.function)}`;
    case 'PC_to_RDR_SetDataRateAndClockFrequency':
      return `${head} len=${msg.length}${msg.clockFrequency === undefined ? '' : ` clock=${msg.clockFrequency}kHz rate=${msg.dataRate}bps`}`;
    default:
      return `${head} len=${msg.length}`;
  }
}
