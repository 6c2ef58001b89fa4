/**
 * Encoders of the RDR_to_PC (Bulk-IN) messages (CCID 1.1 §6.2): the reader's side. The
 * driver never sends these; they serve test doubles, round-trip tests and capture
 * writers. (The emulator in `src/sim/` has its own, written independently.)
 */
import {
  CCID_HEADER_LENGTH,
  RDR_to_PC_DataBlock,
  RDR_to_PC_DataRateAndClockFrequency,
  RDR_to_PC_Escape,
  RDR_to_PC_Parameters,
  RDR_to_PC_SlotStatus,
} from './messages.ts';
import type { ProtocolData } from './messages.ts';
import { writeHeader } from './encode.ts';
import { encodeProtocolData } from './structures.ts';

/** bStatus and bError of a response (§6.2.6). */
export interface ResponseStatus {
  /** bmICCStatus: 0 active, 1 inactive, 2 no card. Default 0. */
  readonly iccStatus?: number;
  /** bmCommandStatus: 0 processed, 1 failed, 2 time extension. Default 0. */
  readonly commandStatus?: number;
  /** bError (or the time-extension multiplier). Default 0. */
  readonly error?: number;
}

/** bStatus from its two fields. */
export function statusByte(s: ResponseStatus = {}): number {
  return ((s.iccStatus ?? 0) & 0x03) | (((s.commandStatus ?? 0) & 0x03) << 6);
}

function response(type: number, slot: number, seq: number, s: ResponseStatus, b9: number, data?: Uint8Array): Uint8Array {
  const out = new Uint8Array(CCID_HEADER_LENGTH + (data?.length ?? 0));
  if (data !== undefined) out.set(data, CCID_HEADER_LENGTH);
  return writeHeader(out, type, slot, seq, statusByte(s), (s.error ?? 0) & 0xff, b9 & 0xff);
}

/** RDR_to_PC_DataBlock (§6.2.1). */
export function encodeDataBlock(slot: number, seq: number, data: Uint8Array, status: ResponseStatus = {}, chainParameter = 0): Uint8Array {
  return response(RDR_to_PC_DataBlock, slot, seq, status, chainParameter, data);
}

/** RDR_to_PC_SlotStatus (§6.2.2). */
export function encodeSlotStatus(slot: number, seq: number, status: ResponseStatus = {}, clockStatus = 0): Uint8Array {
  return response(RDR_to_PC_SlotStatus, slot, seq, status, clockStatus);
}

/** RDR_to_PC_Parameters (§6.2.3); `parameters` undefined for an answer without structure. */
export function encodeParameters(slot: number, seq: number, parameters: ProtocolData | undefined, status: ResponseStatus = {}): Uint8Array {
  if (parameters === undefined) return response(RDR_to_PC_Parameters, slot, seq, status, 0);
  return response(RDR_to_PC_Parameters, slot, seq, status, parameters.protocol, encodeProtocolData(parameters));
}

/** RDR_to_PC_Escape (§6.2.4). */
export function encodeEscapeResponse(slot: number, seq: number, data: Uint8Array, status: ResponseStatus = {}): Uint8Array {
  return response(RDR_to_PC_Escape, slot, seq, status, 0, data);
}

/** RDR_to_PC_DataRateAndClockFrequency (§6.2.5); without values for a failed answer. */
export function encodeDataRateAndClockFrequency(
  slot: number,
  seq: number,
  values: { clockFrequency: number; dataRate: number } | undefined,
  status: ResponseStatus = {},
): Uint8Array {
  if (values === undefined) return response(RDR_to_PC_DataRateAndClockFrequency, slot, seq, status, 0);
  const data = new Uint8Array(8);
  const view = new DataView(data.buffer);
  view.setUint32(0, values.clockFrequency >>> 0, true);
  view.setUint32(4, values.dataRate >>> 0, true);
  return response(RDR_to_PC_DataRateAndClockFrequency, slot, seq, status, 0, data);
}
