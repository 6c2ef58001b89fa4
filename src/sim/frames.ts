/**
 * Builders of the bytes the emulated reader sends: RDR_to_PC bulk messages (CCID 1.1
 * §6.2) and interrupt messages (§6.3). Each call returns a fresh buffer, as a USB
 * transfer would.
 */
import { CCID_HEADER_LENGTH, RDR_to_PC_HardwareError, RDR_to_PC_NotifySlotChange } from './spec.ts';

/**
 * One RDR_to_PC message: bMessageType, dwLength, bSlot, bSeq, bStatus, bError, then the
 * type's byte 9 (bChainParameter, bClockStatus, bProtocolNum or RFU) and abData.
 */
export function bulkFrame(type: number, bSlot: number, bSeq: number, bStatus: number, bError: number, byte9: number, data?: Uint8Array): Uint8Array {
  const n = data === undefined ? 0 : data.length;
  const out = new Uint8Array(CCID_HEADER_LENGTH + n);
  out[0] = type;
  out[1] = n;
  out[2] = n >>> 8;
  out[3] = n >>> 16;
  out[4] = n >>> 24;
  out[5] = bSlot;
  out[6] = bSeq;
  out[7] = bStatus;
  out[8] = bError;
  out[9] = byte9;
  if (data !== undefined) out.set(data, CCID_HEADER_LENGTH);
  return out;
}

/** Size of RDR_to_PC_NotifySlotChange for `slots` slots: 1 + ceil(2 · slots / 8) (§6.3.1). */
export function notifySlotChangeLength(slots: number): number {
  return 1 + Math.ceil((2 * slots) / 8);
}

/**
 * RDR_to_PC_NotifySlotChange: two bits per slot in bmSlotICCState, bit 2n = card present
 * in slot n, bit 2n+1 = slot n changed since the last notification (§6.3.1).
 */
export function notifySlotChange(present: readonly boolean[], changed: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(notifySlotChangeLength(present.length));
  out[0] = RDR_to_PC_NotifySlotChange;
  for (let i = 0; i < present.length; i++) {
    const bits = (present[i] ? 1 : 0) | (changed[i] ? 2 : 0);
    out[1 + (i >> 2)]! |= bits << ((i & 3) * 2);
  }
  return out;
}

/** Merges a newer slot-change state into a notification not yet delivered: present bits replaced, changed bits accumulated. */
export function mergeNotifySlotChange(queued: Uint8Array, newer: Uint8Array): void {
  for (let i = 1; i < queued.length; i++) {
    const changed = (queued[i]! | newer[i]!) & 0xaa;
    queued[i] = changed | (newer[i]! & 0x55);
  }
}

/** RDR_to_PC_HardwareError (§6.3.2): bSlot, bSeq, bHardwareErrorCode (0x01 = overcurrent). */
export function hardwareError(bSlot: number, bSeq: number, code: number): Uint8Array {
  return Uint8Array.of(RDR_to_PC_HardwareError, bSlot, bSeq, code);
}
