/**
 * Interrupt-IN messages (CCID 1.1 §6.3): RDR_to_PC_NotifySlotChange, 2 bits per slot for
 * any number of slots (bMaxSlotIndex goes up to 255, so up to 64 bytes of bitmap), and
 * RDR_to_PC_HardwareError.
 *
 * libccid reads slot changes into an 8-byte buffer, which caps it at 28 slots; nothing
 * here has a fixed size.
 */
import { FrameError } from '../errors.ts';
import { RDR_to_PC_HardwareError, RDR_to_PC_NotifySlotChange, messageTypeName } from './messages.ts';
import type { HardwareError, InterruptMessage, NotifySlotChange } from './messages.ts';

/** Length of RDR_to_PC_HardwareError (§6.3.2). */
export const HARDWARE_ERROR_LENGTH = 4;

/** Length of a NotifySlotChange for `slotCount` slots: 1 + ⌈2·slotCount / 8⌉ (§6.3.1). */
export function notifySlotChangeLength(slotCount: number): number {
  return 1 + Math.ceil(slotCount / 4);
}

/** One slot's two bits in a NotifySlotChange. */
export interface SlotChangeBits {
  /** Bit 0 of the pair: a card is present. */
  readonly present: boolean;
  /** Bit 1 of the pair: the state changed since the last notification. */
  readonly changed: boolean;
}

/** The bits of slot `slot` in a NotifySlotChange; `undefined` beyond the bitmap. */
export function slotChangeBits(msg: NotifySlotChange, slot: number): SlotChangeBits | undefined {
  if (slot < 0 || slot >= msg.slotCount) return undefined;
  const pair = (msg.slotIccState[slot >> 2]! >> ((slot & 3) * 2)) & 0x03;
  return { present: (pair & 1) !== 0, changed: (pair & 2) !== 0 };
}

/**
 * Calls `visit(slot, present, changed)` for every slot whose changed bit is set, skipping
 * bytes with no changed bit at once (a 96-slot notification for one card costs 24 byte
 * tests and one call).
 */
export function forEachChangedSlot(msg: NotifySlotChange, visit: (slot: number, present: boolean) => void, limit = msg.slotCount): void {
  const bitmap = msg.slotIccState;
  for (let i = 0; i < bitmap.length; i++) {
    const byte = bitmap[i]!;
    if ((byte & 0xaa) === 0) continue;
    for (let k = 0; k < 4; k++) {
      const slot = i * 4 + k;
      if (slot >= limit) return;
      const pair = (byte >> (k * 2)) & 0x03;
      if ((pair & 2) !== 0) visit(slot, (pair & 1) !== 0);
    }
  }
}

/**
 * Decodes one interrupt message at the start of `bytes`. With `slotCount`, a
 * NotifySlotChange takes exactly its length and extra bytes are left; without it, it
 * takes the rest of the buffer.
 * @throws {FrameError} on an empty buffer, an unknown type, or a short HardwareError.
 */
export function decodeInterrupt(bytes: Uint8Array, slotCount?: number): InterruptMessage {
  if (bytes.length === 0) throw new FrameError('CCID_ERR_FRAME_MALFORMED', 'empty interrupt message');
  const type = bytes[0]!;
  if (type === RDR_to_PC_NotifySlotChange) {
    const wanted = slotCount === undefined ? bytes.length : Math.min(bytes.length, notifySlotChangeLength(slotCount));
    if (wanted < 2) throw new FrameError('CCID_ERR_FRAME_MALFORMED', 'RDR_to_PC_NotifySlotChange without bmSlotICCState', { bMessageType: type });
    const raw = bytes.subarray(0, wanted);
    const slotIccState = raw.subarray(1);
    const describes = slotIccState.length * 4;
    return {
      kind: 'RDR_to_PC_NotifySlotChange',
      raw,
      slotIccState,
      slotCount: slotCount === undefined ? describes : Math.min(slotCount, describes),
    };
  }
  if (type === RDR_to_PC_HardwareError) {
    if (bytes.length < HARDWARE_ERROR_LENGTH) {
      throw new FrameError('CCID_ERR_FRAME_MALFORMED', `RDR_to_PC_HardwareError of ${bytes.length} bytes (4 expected)`, { bMessageType: type });
    }
    const hw: HardwareError = {
      kind: 'RDR_to_PC_HardwareError',
      raw: bytes.subarray(0, HARDWARE_ERROR_LENGTH),
      slot: bytes[1]!,
      seq: bytes[2]!,
      hardwareErrorCode: bytes[3]!,
    };
    return hw;
  }
  throw new FrameError('CCID_ERR_FRAME_MALFORMED', `not an interrupt message type: ${messageTypeName(type)}`, { bMessageType: type });
}

/**
 * Decodes every interrupt message of one interrupt-IN transfer (a reader may send a
 * HardwareError and a NotifySlotChange back to back). `slotCount` fixes the length of a
 * NotifySlotChange.
 * @throws {FrameError} when a message cannot be decoded; messages before it are lost.
 */
export function decodeInterruptTransfer(bytes: Uint8Array, slotCount: number): InterruptMessage[] {
  const out: InterruptMessage[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const msg = decodeInterrupt(bytes.subarray(offset), slotCount);
    out.push(msg);
    offset += msg.raw.length;
  }
  return out;
}

/** Encodes RDR_to_PC_NotifySlotChange from per-slot bits (reader side: tests, fakes, pcap). */
export function encodeNotifySlotChange(slots: readonly SlotChangeBits[]): Uint8Array {
  const out = new Uint8Array(notifySlotChangeLength(slots.length));
  out[0] = RDR_to_PC_NotifySlotChange;
  slots.forEach((s, slot) => {
    const pair = (s.present ? 1 : 0) | (s.changed ? 2 : 0);
    out[1 + (slot >> 2)] |= pair << ((slot & 3) * 2);
  });
  return out;
}

/** Encodes RDR_to_PC_HardwareError (reader side). */
export function encodeHardwareError(slot: number, seq: number, hardwareErrorCode: number): Uint8Array {
  return Uint8Array.of(RDR_to_PC_HardwareError, slot & 0xff, seq & 0xff, hardwareErrorCode & 0xff);
}
