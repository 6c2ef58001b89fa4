/**
 * The page's session capture: every transfer to the connected reader, recorded by the
 * same wrapper and pcap writer as the CLI's `--capture` (`src/pcap/`: Linux usbmon
 * records, link type 220), kept in memory and saved on request as a `.pcap` file that
 * Wireshark and tshark decode as USB CCID.
 */
import { captureDevice, PcapWriter, type CapturingUsbDevice } from '../pcap/index.ts';
import type { UsbDevice } from '../usb/transport.ts';

/** The capture of one page session (all readers connected since the page loaded). */
export class SessionCapture {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  readonly #writer: PcapWriter;
  #nextDevice = 1;
  readonly #listeners = new Set<() => void>();

  constructor() {
    this.#writer = new PcapWriter((chunk) => {
      this.#chunks.push(chunk);
      this.#bytes += chunk.length;
      for (const listener of this.#listeners) listener();
    });
  }

  /** Records written (usbmon submissions and completions). */
  get packets(): number {
    return this.#writer.packets;
  }

  /** Size of the pcap file so far, header included. */
  get size(): number {
    return this.#bytes;
  }

  /** Wraps a device so its traffic is recorded; each device gets its own usbmon device number. */
  wrap(device: UsbDevice): CapturingUsbDevice {
    return captureDevice(device, this.#writer, { device: this.#nextDevice++ });
  }

  /** Calls `listener` after each record (to update a counter); returns a function that stops it. */
  onRecord(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The pcap file as one byte array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#bytes);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Saves the capture through the browser's download (a temporary `a[download]` link). */
  download(fileName: string): void {
    const blob = new Blob([this.bytes() as Uint8Array<ArrayBuffer>], { type: 'application/vnd.tcpdump.pcap' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    // Revoking at once can cancel the download in some browsers; a minute is plenty.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** `ccid-session-1d50-6141-20260101T120000.pcap`. */
export function captureFileName(vidPid: string | undefined, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `ccid-session${vidPid === undefined ? '' : `-${vidPid.replace(':', '-')}`}-${stamp}.pcap`;
}
