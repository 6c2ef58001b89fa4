/**
 * The CCID conversation in a USB capture: the PC_to_RDR messages on bulk OUT, the
 * RDR_to_PC messages on bulk IN and the interrupt messages, per device, in capture order.
 *
 * Bulk messages are reassembled the way a driver must read them (CCID 1.1 §5.1: a message
 * may span several transfers): bytes accumulate per endpoint until there are
 * 10 + dwLength of them. Real readers do split: the reader in
 * `gcc_bad_habit_usb.pcapng` returns every response longer than its 16-byte wMaxPacketSize
 * in two transfers. The accumulation is bounded by `maxDwLength`; a longer dwLength ends
 * the message at once, marked incomplete, so a corrupt header cannot swallow the rest of
 * the capture.
 *
 * Which endpoints are CCID: those of an interface whose class is 0x0B (or a vendor
 * interface carrying a 54-byte CCID class descriptor) in a configuration descriptor seen
 * in the capture. For a device whose descriptors the capture missed, a bulk OUT transfer
 * that is exactly one well-formed PC_to_RDR message marks the device as CCID.
 */
import { decodeBulkIn, decodeBulkOut, readDwLength } from '../ccid/decode.ts';
import { decodeInterrupt } from '../ccid/interrupt.ts';
import { CCID_HEADER_LENGTH, RDR_to_PC_HardwareError, RDR_to_PC_NotifySlotChange, isPcToRdrType, messageTypeName, type CcidMessage } from '../ccid/messages.ts';
import { CcidError } from '../errors.ts';
import { isCcidClassDescriptor } from '../descriptors/ccid-class.ts';
import { parseConfiguration } from '../descriptors/configuration.ts';
import type { UsbPacket } from './usb-packet.ts';

/** The largest dwLength accepted by default: an extended APDU, 4 + 3 + 65535 + 2 bytes. */
export const DEFAULT_MAX_DW_LENGTH = 65_544;

/** A USB device in a capture: bus and address. */
export interface CaptureDeviceId {
  readonly bus: number;
  readonly device: number;
}

/** One CCID message of the conversation. */
export interface ConversationMessage {
  /** `out`: PC_to_RDR on bulk OUT; `in`: RDR_to_PC on bulk IN; `interrupt`: interrupt IN. */
  readonly dir: 'out' | 'in' | 'interrupt';
  /** bMessageType. */
  readonly messageType: number;
  /** Its spec name (`PC_to_RDR_XfrBlock`...), or `UNKNOWN(0xNN)`. */
  readonly type: string;
  /** bSlot; undefined for RDR_to_PC_NotifySlotChange (it covers every slot) or a short message. */
  readonly slot: number | undefined;
  /** bSeq; undefined for RDR_to_PC_NotifySlotChange or a short message. */
  readonly seq: number | undefined;
  /** The whole message: 10-byte header and abData (interrupt: the whole transfer). */
  readonly data: Uint8Array;
  /** First and last capture frame whose transfer carried bytes of this message. */
  readonly frames: readonly [number, number];
  readonly bus: number;
  readonly device: number;
  /** Endpoint address (bit 7 set for IN). */
  readonly endpoint: number;
  /** False when the message was cut: the capture ended, a transfer failed, or dwLength was out of bounds. */
  readonly complete: boolean;
  /** Timestamp of the first frame: seconds since the epoch. */
  readonly tsSec: number;
  /** Timestamp of the first frame: nanoseconds. */
  readonly tsNsec: number;
  /** The message as the CCID codec decodes it; undefined when it does not decode (cut or malformed). */
  readonly decoded: CcidMessage | undefined;
}

/** Options of {@link CcidConversation}. */
export interface ConversationOptions {
  /** Only this device; default: every device with CCID endpoints. */
  readonly device?: CaptureDeviceId;
  /** Largest dwLength reassembled. @default 65544 */
  readonly maxDwLength?: number;
}

interface Pending {
  chunks: Uint8Array[];
  length: number;
  firstFrame: number;
  lastFrame: number;
  tsSec: number;
  tsNsec: number;
}

/** What the capture told us about a device. */
interface DeviceInfo {
  /** CCID endpoint addresses, from descriptors; undefined until a configuration is seen. */
  fromDescriptors: Set<number> | undefined;
  /** Set when a bulk OUT transfer looked like a PC_to_RDR message (no descriptors seen). */
  guessed: boolean;
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let p = 0;
  for (const c of chunks) {
    out.set(c.subarray(0, length - p), p);
    p += Math.min(c.length, length - p);
    if (p >= length) break;
  }
  return out;
}

/** The message decoded by the CCID codec, or undefined when it cannot be (cut, malformed). */
function decode(dir: ConversationMessage['dir'], data: Uint8Array): CcidMessage | undefined {
  try {
    return dir === 'out' ? decodeBulkOut(data) : dir === 'in' ? decodeBulkIn(data) : decodeInterrupt(data);
  } catch (error) {
    if (error instanceof CcidError) return undefined;
    throw error;
  }
}

/** The CCID endpoint addresses of a configuration descriptor (empty when it has none). */
export function ccidEndpoints(configuration: Uint8Array): Set<number> {
  const out = new Set<number>();
  try {
    for (const iface of parseConfiguration(configuration).configuration.interfaces) {
      const ccid = iface.interfaceClass === 0x0b || iface.extra.some((d) => isCcidClassDescriptor(d.raw)) || iface.endpoints.some((e) => e.extra.some((d) => isCcidClassDescriptor(d.raw)));
      if (ccid) for (const e of iface.endpoints) out.add(e.address);
    }
  } catch {
    // A malformed configuration descriptor in a capture: leave the device to the heuristic.
  }
  return out;
}

/**
 * A push decoder: feed it the USB packets of a capture in order, get the CCID messages
 * as each one completes; `end()` flushes the messages the capture cut short.
 *
 * @example
 * ```ts
 * const conversation = new CcidConversation();
 * for (const packet of readUsbPackets(bytes)) for (const m of conversation.push(packet)) print(m);
 * for (const m of conversation.end()) print(m);
 * ```
 */
export class CcidConversation {
  readonly #filter: CaptureDeviceId | undefined;
  readonly #maxDwLength: number;
  readonly #devices = new Map<string, DeviceInfo>();
  readonly #pending = new Map<string, Pending & CaptureDeviceId & { endpoint: number }>();

  constructor(options: ConversationOptions = {}) {
    this.#filter = options.device;
    this.#maxDwLength = options.maxDwLength ?? DEFAULT_MAX_DW_LENGTH;
  }

  /** The devices seen to carry CCID traffic so far ("bus.device"). */
  get ccidDevices(): string[] {
    return [...this.#devices].filter(([, d]) => d.guessed || (d.fromDescriptors?.size ?? 0) > 0).map(([k]) => k);
  }

  #info(key: string): DeviceInfo {
    let info = this.#devices.get(key);
    if (info === undefined) {
      info = { fromDescriptors: undefined, guessed: false };
      this.#devices.set(key, info);
    }
    return info;
  }

  /** Feeds one packet; returns the messages it completes. */
  push(packet: UsbPacket): ConversationMessage[] {
    if (this.#filter !== undefined && (packet.bus !== this.#filter.bus || packet.device !== this.#filter.device)) return [];
    const deviceKey = `${packet.bus}.${packet.device}`;
    if (packet.transfer === 'control') {
      this.#control(deviceKey, packet);
      return [];
    }
    if (packet.transfer !== 'bulk' && packet.transfer !== 'interrupt') return [];
    const info = this.#info(deviceKey);
    const isIn = (packet.endpoint & 0x80) !== 0;
    // OUT data travels with the submission, IN data with the completion.
    if (isIn ? packet.event !== 'complete' : packet.event !== 'submit') return [];
    const endpointKey = `${deviceKey}.${packet.endpoint}`;
    if (!packet.ok) return this.#flush(endpointKey);
    if (packet.data.length === 0) return [];
    if (info.fromDescriptors === undefined && !info.guessed && !isIn && packet.transfer === 'bulk') {
      const d = packet.data;
      if (d.length >= CCID_HEADER_LENGTH && isPcToRdrType(d[0]!) && CCID_HEADER_LENGTH + readDwLength(d) === d.length) info.guessed = true;
    }
    const isCcid = info.fromDescriptors !== undefined ? info.fromDescriptors.has(packet.endpoint) : info.guessed;
    if (!isCcid) return [];
    if (packet.transfer === 'interrupt') {
      if (!isIn) return [];
      if (info.fromDescriptors === undefined && packet.data[0] !== RDR_to_PC_NotifySlotChange && packet.data[0] !== RDR_to_PC_HardwareError) return [];
      return [this.#message('interrupt', packet, packet.data.slice(), [packet.frame, packet.frame], true, packet)];
    }
    return this.#bulk(endpointKey, packet, isIn);
  }

  /** Flushes messages still being reassembled (marked incomplete). */
  end(): ConversationMessage[] {
    return [...this.#pending.keys()].flatMap((k) => this.#flush(k));
  }

  #control(deviceKey: string, packet: UsbPacket): void {
    // The answer to GET_DESCRIPTOR(CONFIGURATION) (USB 2.0 §9.4.3): recognised by its shape
    // (type 2, wTotalLength = the bytes received) rather than by pairing it with its request,
    // because USBPcap gives the descriptor reads it makes itself IRP id 0.
    if (packet.event !== 'complete' || !packet.ok || packet.data.length < 9) return;
    const d = packet.data;
    if (d[1] !== 2 || (d[2]! | (d[3]! << 8)) !== d.length) return;
    this.#info(deviceKey).fromDescriptors = ccidEndpoints(d);
  }

  #bulk(endpointKey: string, packet: UsbPacket, isIn: boolean): ConversationMessage[] {
    let p = this.#pending.get(endpointKey);
    if (p === undefined) {
      p = { chunks: [], length: 0, firstFrame: packet.frame, lastFrame: packet.frame, tsSec: packet.tsSec, tsNsec: packet.tsNsec, bus: packet.bus, device: packet.device, endpoint: packet.endpoint };
      this.#pending.set(endpointKey, p);
    }
    p.chunks.push(packet.data);
    p.length += packet.data.length;
    p.lastFrame = packet.frame;
    if (p.length < CCID_HEADER_LENGTH) return [];
    const head = p.chunks.length === 1 ? p.chunks[0]! : concat(p.chunks, CCID_HEADER_LENGTH);
    const declared = readDwLength(head);
    const dir = isIn ? 'in' : 'out';
    if (declared > this.#maxDwLength) {
      this.#pending.delete(endpointKey);
      return [this.#message(dir, p, concat(p.chunks, p.length), [p.firstFrame, p.lastFrame], false, packet)];
    }
    const total = CCID_HEADER_LENGTH + declared;
    if (p.length < total) return [];
    this.#pending.delete(endpointKey);
    // A bulk transfer ends with a short packet, so bytes past the message are not another one.
    return [this.#message(dir, p, concat(p.chunks, total), [p.firstFrame, p.lastFrame], true, packet)];
  }

  #flush(endpointKey: string): ConversationMessage[] {
    const p = this.#pending.get(endpointKey);
    if (p === undefined) return [];
    this.#pending.delete(endpointKey);
    const dir = (p.endpoint & 0x80) === 0 ? 'out' : 'in';
    return [this.#message(dir, p, concat(p.chunks, p.length), [p.firstFrame, p.lastFrame], false, p)];
  }

  #message(
    dir: ConversationMessage['dir'],
    origin: { tsSec: number; tsNsec: number },
    data: Uint8Array,
    frames: readonly [number, number],
    complete: boolean,
    where: CaptureDeviceId & { endpoint: number },
  ): ConversationMessage {
    const messageType = data[0]!;
    const decoded = complete ? decode(dir, data) : undefined;
    let slot: number | undefined;
    let seq: number | undefined;
    if (decoded !== undefined) {
      if ('slot' in decoded) slot = decoded.slot;
      if ('seq' in decoded) seq = decoded.seq;
    } else if (dir !== 'interrupt' && data.length >= 7) {
      // A cut or malformed bulk message still shows bSlot and bSeq in its header (CCID 1.1 §6.1, §6.2).
      slot = data[5];
      seq = data[6];
    }
    return {
      dir,
      messageType,
      type: messageTypeName(messageType),
      slot,
      seq,
      data,
      frames,
      bus: where.bus,
      device: where.device,
      endpoint: where.endpoint,
      complete,
      tsSec: origin.tsSec,
      tsNsec: origin.tsNsec,
      decoded,
    };
  }
}

/**
 * The whole CCID conversation of a sequence of USB packets (see {@link CcidConversation}).
 */
export function extractConversation(packets: Iterable<UsbPacket>, options: ConversationOptions = {}): ConversationMessage[] {
  const conversation = new CcidConversation(options);
  const out: ConversationMessage[] = [];
  for (const packet of packets) out.push(...conversation.push(packet));
  out.push(...conversation.end());
  return out;
}
