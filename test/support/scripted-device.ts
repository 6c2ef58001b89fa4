/**
 * A scriptable fake {@link UsbDevice} for the engine's unit tests and benchmark: the test
 * decides, byte by byte, what the "reader" sends on bulk-IN and interrupt-IN and when.
 * Test-only; the emulator in `src/sim/` is the product's fake reader.
 *
 * - Every bulk-OUT frame goes to `onCommand` (if any) and is recorded in `written`
 *   (unless `record: false`). In `echo` mode each command is answered at once with its
 *   expected response (XfrBlock → DataBlock with the same bytes, etc.): a zero-latency
 *   reader for the benchmark.
 * - `reply(...chunks)` queues bulk-IN transfers, one per chunk (empty = ZLP); a chunk longer
 *   than the length asked by `transferIn` is cut as a host controller would.
 * - `notify(bytes)` queues an interrupt-IN transfer.
 * - `unplug()` makes every pending and future transfer reject with CCID_ERR_USB_DEVICE_GONE;
 *   `releaseInterface` / `close` make pending IN transfers reject with CCID_ERR_USB_CLOSED,
 *   as the transport contract says.
 */
import { UsbTransportError } from '../../src/errors.ts';
import type { UsbControlSetup, UsbDevice, UsbDirection, UsbInTransferResult, UsbOutTransferResult } from '../../src/usb/transport.ts';
import * as rdr from '../../src/ccid/encode-reader.ts';
import * as m from '../../src/ccid/messages.ts';

/** Endpoint numbers the fake uses. */
export const BULK_OUT = 1;
export const BULK_IN = 2;
export const INTERRUPT_IN = 3;

/** Options of the fake. */
export interface ScriptedDeviceOptions {
  /** Called with each bulk-OUT frame (after recording), synchronously inside transferOut. */
  onCommand?: (frame: Uint8Array, device: ScriptedDevice) => void;
  /** Answer every command with its expected response. @default false */
  echo?: boolean;
  /** Keep `written` and `controls`. @default true */
  record?: boolean;
  /** What the ABORT class request gets: ok or stall. @default 'ok' */
  abortRequest?: 'ok' | 'stall';
}

interface Pending {
  resolve: (r: UsbInTransferResult) => void;
  reject: (e: unknown) => void;
  length: number;
}

class InPipe {
  readonly queue: (Uint8Array | 'stall')[] = [];
  pending: Pending | undefined;

  push(item: Uint8Array | 'stall'): void {
    const p = this.pending;
    if (p !== undefined) {
      this.pending = undefined;
      p.resolve(this.take(item, p.length));
    } else this.queue.push(item);
  }

  read(length: number): Promise<UsbInTransferResult> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(this.take(next, length));
    return new Promise((resolve, reject) => (this.pending = { resolve, reject, length }));
  }

  fail(error: unknown): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(error);
  }

  private take(item: Uint8Array | 'stall', length: number): UsbInTransferResult {
    if (item === 'stall') return { status: 'stall' };
    let bytes = item;
    if (bytes.length > length) {
      this.queue.unshift(bytes.subarray(length));
      bytes = bytes.subarray(0, length);
    }
    return { status: 'ok', data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }
}

/** The expected answer to a command, as a well-behaved zero-latency reader with an active card gives it. */
export function echoResponse(frame: Uint8Array): Uint8Array {
  const slot = frame[5]!;
  const seq = frame[6]!;
  switch (frame[0]) {
    case m.PC_to_RDR_XfrBlock:
    case m.PC_to_RDR_Secure:
      return rdr.encodeDataBlock(slot, seq, frame.subarray(10));
    case m.PC_to_RDR_IccPowerOn:
      return rdr.encodeDataBlock(slot, seq, Uint8Array.of(0x3b, 0x00));
    case m.PC_to_RDR_GetParameters:
    case m.PC_to_RDR_ResetParameters:
    case m.PC_to_RDR_SetParameters:
      return rdr.encodeParameters(slot, seq, { protocol: 0, findexDindex: 0x11, tcckst: 0, guardTime: 0, waitingInteger: 10, clockStop: 0 });
    case m.PC_to_RDR_Escape:
      return rdr.encodeEscapeResponse(slot, seq, frame.subarray(10));
    case m.PC_to_RDR_SetDataRateAndClockFrequency: {
      const v = new DataView(frame.buffer, frame.byteOffset + 10, 8);
      return rdr.encodeDataRateAndClockFrequency(slot, seq, { clockFrequency: v.getUint32(0, true), dataRate: v.getUint32(4, true) });
    }
    case m.PC_to_RDR_IccPowerOff:
      return rdr.encodeSlotStatus(slot, seq, { iccStatus: 1 });
    default:
      return rdr.encodeSlotStatus(slot, seq);
  }
}

/** One control transfer received. */
export interface ControlRecord {
  readonly direction: 'in' | 'out';
  readonly setup: UsbControlSetup;
}

/** The scriptable fake reader. */
export class ScriptedDevice implements UsbDevice {
  readonly vendorId = 0x1d50;
  readonly productId = 0x6141;
  readonly productName = 'scripted';
  opened = false;
  claimed = false;
  gone = false;
  /** Bulk-OUT frames, in order. */
  readonly written: Uint8Array[] = [];
  /** Control transfers, in order. */
  readonly controls: ControlRecord[] = [];
  /** Bulk-OUT writes currently in flight (the engine must keep this ≤ 1). */
  writesInFlight = 0;
  maxWritesInFlight = 0;
  /** When set, transferOut waits for this promise before completing. */
  holdWrites: Promise<void> | undefined;
  /** Answer for control transfers IN (GET_CLOCK_FREQUENCIES / GET_DATA_RATES). */
  controlInAnswer: Uint8Array | 'stall' = new Uint8Array(0);
  onCommand: ((frame: Uint8Array, device: ScriptedDevice) => void) | undefined;
  private readonly bulk = new InPipe();
  private readonly intr = new InPipe();
  private readonly echo: boolean;
  private readonly record: boolean;
  private readonly abortRequest: 'ok' | 'stall';

  constructor(options: ScriptedDeviceOptions = {}) {
    this.onCommand = options.onCommand;
    this.echo = options.echo ?? false;
    this.record = options.record ?? true;
    this.abortRequest = options.abortRequest ?? 'ok';
  }

  /** Queues bulk-IN transfers, one per chunk. */
  reply(...chunks: Uint8Array[]): void {
    for (const c of chunks) this.bulk.push(c);
  }

  /** Queues a stalled bulk-IN transfer. */
  stallIn(): void {
    this.bulk.push('stall');
  }

  /** Queues an interrupt-IN transfer. */
  notify(bytes: Uint8Array): void {
    this.intr.push(bytes);
  }

  /** The reader is unplugged. */
  unplug(): void {
    this.gone = true;
    const error = new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', 'device unplugged (scripted)');
    this.bulk.fail(error);
    this.intr.fail(error);
  }

  /** True while the engine has a bulk-IN read pending. */
  get readingBulk(): boolean {
    return this.bulk.pending !== undefined;
  }

  /** True while the engine has an interrupt-IN read pending. */
  get readingInterrupt(): boolean {
    return this.intr.pending !== undefined;
  }

  async open(): Promise<void> {
    this.check();
    this.opened = true;
  }

  async close(): Promise<void> {
    this.closeIns();
    this.opened = false;
    this.claimed = false;
  }

  async selectConfiguration(): Promise<void> {
    this.check();
  }

  async claimInterface(): Promise<void> {
    this.check();
    this.claimed = true;
  }

  async releaseInterface(): Promise<void> {
    this.claimed = false;
    this.closeIns();
  }

  async controlTransferIn(setup: UsbControlSetup): Promise<UsbInTransferResult> {
    this.check();
    if (this.record) this.controls.push({ direction: 'in', setup });
    const a = this.controlInAnswer;
    if (a === 'stall') return { status: 'stall' };
    return { status: 'ok', data: new DataView(a.buffer, a.byteOffset, a.byteLength) };
  }

  async controlTransferOut(setup: UsbControlSetup): Promise<UsbOutTransferResult> {
    this.check();
    if (this.record) this.controls.push({ direction: 'out', setup });
    if (this.abortRequest === 'stall') return { bytesWritten: 0, status: 'stall' };
    return { bytesWritten: 0, status: 'ok' };
  }

  transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    if (this.gone) return Promise.reject(new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', 'device unplugged (scripted)'));
    if (!this.claimed) return Promise.reject(new UsbTransportError('CCID_ERR_USB_CLOSED', 'interface not claimed'));
    const pipe = endpointNumber === BULK_IN ? this.bulk : endpointNumber === INTERRUPT_IN ? this.intr : undefined;
    if (pipe === undefined) return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', `no IN endpoint ${endpointNumber}`));
    if (pipe.pending !== undefined) return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', 'endpoint not found (two transfers in flight)'));
    return pipe.read(length);
  }

  async transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    this.check();
    if (endpointNumber !== BULK_OUT) throw new UsbTransportError('CCID_ERR_USB_IO', `no OUT endpoint ${endpointNumber}`);
    this.writesInFlight++;
    this.maxWritesInFlight = Math.max(this.maxWritesInFlight, this.writesInFlight);
    try {
      if (this.holdWrites !== undefined) await this.holdWrites;
      this.check();
      const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const frame = view.slice();
      if (this.record) this.written.push(frame);
      this.onCommand?.(frame, this);
      if (this.echo) this.bulk.push(echoResponse(frame));
      return { bytesWritten: frame.length, status: 'ok' };
    } finally {
      this.writesInFlight--;
    }
  }

  async clearHalt(_direction: UsbDirection, _endpointNumber: number): Promise<void> {
    this.check();
  }

  async reset(): Promise<void> {
    this.check();
  }

  private closeIns(): void {
    const error = new UsbTransportError('CCID_ERR_USB_CLOSED', 'interface released');
    this.bulk.fail(error);
    this.intr.fail(error);
  }

  private check(): void {
    if (this.gone) throw new UsbTransportError('CCID_ERR_USB_DEVICE_GONE', 'device unplugged (scripted)');
  }
}
