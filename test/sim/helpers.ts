/**
 * Test helpers that speak raw bytes to an emulated reader (no driver code): open and
 * claim, write one message, read one whole message back (a tiny reassembler of its own).
 */
import { fromHex, toHex } from '../../src/util/hex.ts';
import type { UsbDevice } from '../../src/usb/transport.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import type { EmulatedReader } from '../../src/sim/index.ts';

export { fromHex, toHex };

/** Opens the device and claims interface 0. */
export async function openReader(reader: EmulatedReader, iface = 0): Promise<UsbDevice> {
  await reader.device.open();
  await reader.device.claimInterface(iface);
  return reader.device;
}

/** Endpoint numbers of the first function. */
export function eps(reader: EmulatedReader): { bulkIn: number; bulkOut: number; intr: number | undefined } {
  const f = reader.profile.functions[0]!;
  return { bulkIn: f.bulkIn!.number, bulkOut: f.bulkOut!.number, intr: f.interruptIn?.number };
}

/** Writes hex bytes to bulk-OUT. */
export async function send(reader: EmulatedReader, hex: string | Uint8Array): Promise<void> {
  const bytes = typeof hex === 'string' ? fromHex(hex) : hex;
  await reader.device.transferOut(eps(reader).bulkOut, bytes as Uint8Array<ArrayBuffer>);
}

/** Reads transfers until one whole bulk message (10 + dwLength bytes); returns it and the transfer sizes. */
export async function readMessage(reader: EmulatedReader, length = 65536): Promise<{ bytes: Uint8Array; transfers: number[] }> {
  const parts: number[] = [];
  let buf = new Uint8Array(0);
  for (;;) {
    const r = await reader.device.transferIn(eps(reader).bulkIn, length);
    if (r.status !== 'ok') throw new Error(`transfer status ${r.status}`);
    const chunk = transferBytes(r);
    parts.push(chunk.length);
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    if (buf.length >= 10) {
      const dwLength = buf[1]! | (buf[2]! << 8) | (buf[3]! << 16) | (buf[4]! << 24);
      if (buf.length >= 10 + dwLength) return { bytes: buf, transfers: parts };
    }
  }
}

/** Sends a message and reads the answer (as upper-case hex). */
export async function exchange(reader: EmulatedReader, hex: string | Uint8Array): Promise<string> {
  await send(reader, hex);
  return toHex((await readMessage(reader)).bytes);
}

/** Reads one interrupt transfer (as hex). */
export async function readInterrupt(reader: EmulatedReader): Promise<string> {
  const r = await reader.device.transferIn(eps(reader).intr!, 64);
  return toHex(transferBytes(r));
}

/** Resolves to 'pending' if `p` has not settled after `ms`. */
export async function settleWithin<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}
