/**
 * What Linux FunctionFS needs to present an emulated reader as a real USB function: the
 * descriptor and string blobs written to `ep0` (`include/uapi/linux/usb/functionfs.h`,
 * descriptors format v2), the map from the `epN` files to the emulator's endpoints, and
 * the decoding of the events read back from `ep0`. Pure data (no Node built-ins); the
 * file I/O is in `functionfs-node.ts`.
 *
 * The device descriptor (VID:PID, bcdDevice, manufacturer/product/serial strings) is not
 * FunctionFS's business: the configfs gadget sets it (see `test/usb/testbed/guest-gadget.sh`).
 */
import { ArgumentError } from '../errors.ts';
import type { ReaderProfile } from './profile.ts';

/** FUNCTIONFS_DESCRIPTORS_MAGIC_V2. */
export const FUNCTIONFS_DESCRIPTORS_MAGIC_V2 = 3;
/** FUNCTIONFS_STRINGS_MAGIC. */
export const FUNCTIONFS_STRINGS_MAGIC = 2;
/** Flag of the v2 header: a full-speed descriptor set follows. */
export const FUNCTIONFS_HAS_FS_DESC = 1;
/** Flag of the v2 header: a high-speed descriptor set follows. */
export const FUNCTIONFS_HAS_HS_DESC = 2;
/** Size of one `struct usb_functionfs_event` read from ep0. */
export const FUNCTIONFS_EVENT_SIZE = 12;
/** `enum usb_functionfs_event_type`. */
export const FUNCTIONFS_EVENT_TYPES = ['bind', 'unbind', 'enable', 'disable', 'setup', 'suspend', 'resume'] as const;
/** A FunctionFS event type. */
export type FunctionFsEventType = (typeof FUNCTIONFS_EVENT_TYPES)[number];

const DT_CONFIG = 2;
const DT_STRING = 3;
const DT_INTERFACE = 4;
const DT_ENDPOINT = 5;
const LANGID_EN_US = 0x0409;

/** One `epN` file and the emulator endpoint behind it. */
export interface FunctionFsEndpoint {
  /** N of the `epN` file (endpoints are numbered 1.. in descriptor order). */
  readonly file: number;
  /** The emulator's (WebUSB) endpoint number, bEndpointAddress & 0x0F in the fixture. */
  readonly endpointNumber: number;
  /** Direction, from bit 7 of bEndpointAddress. */
  readonly direction: 'in' | 'out';
  /** Transfer type, from bits 0-1 of bmAttributes (USB 2.0 Table 9-13). */
  readonly type: 'bulk' | 'interrupt' | 'isochronous' | 'control';
  /** wMaxPacketSize at the speed in use. */
  readonly maxPacketSize: number;
}

/** Everything written to ep0, and the endpoint map. */
export interface FunctionFsSetup {
  /** The v2 descriptors blob. */
  readonly descriptors: Uint8Array;
  /** The strings blob. */
  readonly strings: Uint8Array;
  /** The ep files, in order. */
  readonly endpoints: readonly FunctionFsEndpoint[];
  /** bInterfaceNumber values of the function, in order. */
  readonly interfaceNumbers: readonly number[];
}

/** Options of {@link functionFsSetup}. */
export interface FunctionFsSetupOptions {
  /**
   * Add a high-speed set (bulk wMaxPacketSize 512, USB 2.0 §5.8.3) beside the full-speed
   * one. The emulator must then be created with `maxPacketSize: 512`. @default false
   */
  readonly highSpeed?: boolean;
}

const TYPES = ['control', 'isochronous', 'bulk', 'interrupt'] as const;

function le32(out: number[], v: number): void {
  out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

/**
 * Builds the ep0 blobs from a reader profile: every descriptor of the configuration after
 * the configuration descriptor itself (interfaces, the CCID class descriptor 0x21,
 * endpoints), with iInterface indices renumbered 1.. into FunctionFS's own string table.
 * @throws {ArgumentError} when the configuration holds no interface.
 */
export function functionFsSetup(profile: ReaderProfile, options: FunctionFsSetupOptions = {}): FunctionFsSetup {
  const config = profile.fixture.configuration;
  const fs: Uint8Array[] = [];
  const hs: Uint8Array[] = [];
  const endpoints: FunctionFsEndpoint[] = [];
  const interfaceNumbers: number[] = [];
  const stringTexts: string[] = [];
  const stringIndex = new Map<number, number>();
  for (let o = 0; o + 2 <= config.length; ) {
    const length = config[o]!;
    if (length < 2 || o + length > config.length) break;
    const type = config[o + 1]!;
    const d = config.slice(o, o + length);
    o += length;
    if (type === DT_CONFIG || type === DT_STRING) continue;
    if (type === DT_INTERFACE && length >= 9) {
      if (d[3] === 0) interfaceNumbers.push(d[2]!);
      const iInterface = d[8]!;
      if (iInterface !== 0) {
        let mapped = stringIndex.get(iInterface);
        if (mapped === undefined) {
          stringTexts.push(profile.fixture.strings.get(iInterface) ?? '');
          mapped = stringTexts.length;
          stringIndex.set(iInterface, mapped);
        }
        d[8] = mapped;
      }
    }
    const h = d.slice();
    if (type === DT_ENDPOINT && length >= 7) {
      const transfer = TYPES[d[3]! & 0x03]!;
      const fsMps = d[4]! | ((d[5]! & 0x07) << 8);
      if (transfer === 'bulk') {
        h[4] = 0x00;
        h[5] = 0x02;
      } else if (transfer === 'interrupt') {
        // bInterval: frames (1 ms) at full speed, 2^(n-1) microframes at high speed (§9.6.6).
        const frames = Math.max(1, d[6]!);
        h[6] = Math.min(16, Math.ceil(Math.log2(frames * 8)) + 1);
      }
      endpoints.push({
        file: endpoints.length + 1,
        endpointNumber: d[2]! & 0x0f,
        direction: (d[2]! & 0x80) !== 0 ? 'in' : 'out',
        type: transfer,
        maxPacketSize: options.highSpeed === true && transfer === 'bulk' ? 512 : fsMps,
      });
    }
    fs.push(d);
    hs.push(h);
  }
  if (interfaceNumbers.length === 0) throw new ArgumentError(`profile ${profile.name}: the configuration descriptor holds no interface`);

  const out: number[] = [];
  const high = options.highSpeed === true;
  const flags = FUNCTIONFS_HAS_FS_DESC | (high ? FUNCTIONFS_HAS_HS_DESC : 0);
  const bodyLength = fs.reduce((n, d) => n + d.length, 0) * (high ? 2 : 1);
  le32(out, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
  le32(out, 12 + 4 * (high ? 2 : 1) + bodyLength);
  le32(out, flags);
  le32(out, fs.length);
  if (high) le32(out, hs.length);
  for (const d of fs) out.push(...d);
  if (high) for (const d of hs) out.push(...d);

  // struct usb_functionfs_strings_head, then one language: code, then NUL-terminated UTF-8 strings.
  const s: number[] = [];
  const encoded = stringTexts.map((t) => new TextEncoder().encode(t));
  const langCount = encoded.length === 0 ? 0 : 1;
  const stringsLength = 16 + (langCount === 0 ? 0 : 2 + encoded.reduce((n, e) => n + e.length + 1, 0));
  le32(s, FUNCTIONFS_STRINGS_MAGIC);
  le32(s, stringsLength);
  le32(s, encoded.length);
  le32(s, langCount);
  if (langCount === 1) {
    s.push(LANGID_EN_US & 0xff, LANGID_EN_US >> 8);
    for (const e of encoded) s.push(...e, 0);
  }
  return { descriptors: Uint8Array.from(out), strings: Uint8Array.from(s), endpoints, interfaceNumbers };
}

/** A control request forwarded by FunctionFS (`struct usb_ctrlrequest`, USB 2.0 §9.3). */
export interface FunctionFsSetupPacket {
  /** Direction (bit 7), type (bits 5-6) and recipient (bits 0-4). */
  readonly bmRequestType: number;
  /** The request code (CCID 1.1 §5.3: 1 ABORT, 2 GET_CLOCK_FREQUENCIES, 3 GET_DATA_RATES). */
  readonly bRequest: number;
  /** wValue (ABORT: bSeq << 8 | bSlot). */
  readonly wValue: number;
  /** wIndex (the function's own interface number for interface requests). */
  readonly wIndex: number;
  /** Length of the data stage. */
  readonly wLength: number;
}

/** One decoded ep0 event. */
export interface FunctionFsEvent {
  readonly type: FunctionFsEventType | 'unknown';
  /** For `setup` events. */
  readonly setup?: FunctionFsSetupPacket;
}

/** Decodes the events of one ep0 read (a whole number of 12-byte events). */
export function decodeFunctionFsEvents(bytes: Uint8Array): FunctionFsEvent[] {
  const events: FunctionFsEvent[] = [];
  for (let o = 0; o + FUNCTIONFS_EVENT_SIZE <= bytes.length; o += FUNCTIONFS_EVENT_SIZE) {
    const type = FUNCTIONFS_EVENT_TYPES[bytes[o + 8]!] ?? 'unknown';
    if (type !== 'setup') {
      events.push({ type });
      continue;
    }
    const u16 = (i: number): number => bytes[o + i]! | (bytes[o + i + 1]! << 8);
    events.push({ type, setup: { bmRequestType: bytes[o]!, bRequest: bytes[o + 1]!, wValue: u16(2), wIndex: u16(4), wLength: u16(6) } });
  }
  return events;
}
