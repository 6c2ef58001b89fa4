/**
 * Main side of the remote hardware: emulated readers in a worker thread
 * (`usim-sim-worker.ts`), each seen here as a {@link UsbDevice} whose calls are forwarded
 * as messages. The contract's obligations hold because the worker runs the real emulated
 * device: one transfer in flight per endpoint, `releaseInterface` ending a pending
 * `transferIn` with `CCID_ERR_USB_CLOSED` (rebuilt here as the same typed error).
 */
import { Worker } from 'node:worker_threads';
import { CcidError, UsbTransportError } from '../../src/errors.ts';
import type { CcidErrorCode } from '../../src/errors.ts';
import type { CardLink } from '../../src/sim/index.ts';
import type { UsbControlSetup, UsbDevice, UsbDirection, UsbInTransferResult, UsbOutTransferResult, UsbTransferStatus } from '../../src/usb/transport.ts';
import type { Hardware, HardwareCounters, HardwareSpec } from './usim-hardware.ts';

/** A device's identity, sent once by the worker. */
export interface DeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName?: string | undefined;
  readonly productName?: string | undefined;
  readonly serialNumber?: string | undefined;
}

/** A transfer result on the wire (the data as its own buffer). */
export interface WireResult {
  readonly status?: UsbTransferStatus | undefined;
  readonly data?: Uint8Array | undefined;
  readonly bytesWritten?: number | undefined;
}

/** Messages to the worker. */
export type ToWorker =
  | { readonly kind: 'call'; readonly id: number; readonly reader: number; readonly op: string; readonly args: readonly unknown[] }
  | { readonly kind: 'counters'; readonly id: number }
  | { readonly kind: 'link'; readonly id: number; readonly reader: number; readonly slot: number };

/** Messages from the worker. */
export type ToMain =
  | { readonly kind: 'ready'; readonly devices: readonly DeviceInfo[] }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly code: string | undefined; readonly message: string } };

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

class Channel {
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  constructor(private readonly worker: Worker) {}

  onReply(m: Extract<ToMain, { kind: 'reply' }>): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(rebuild(m.error));
  }

  ask(message: Omit<Extract<ToWorker, { kind: 'call' }>, 'id'> | Omit<Extract<ToWorker, { kind: 'counters' }>, 'id'> | Omit<Extract<ToWorker, { kind: 'link' }>, 'id'>): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  failAll(error: unknown): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

function rebuild(e: { name: string; code: string | undefined; message: string }): Error {
  if (e.name === 'UsbTransportError' && e.code !== undefined) return new UsbTransportError(e.code as UsbTransportError['code'], e.message);
  if (e.code !== undefined) {
    const error = new CcidError(e.code as CcidErrorCode, e.message);
    error.name = e.name;
    return error;
  }
  return new Error(`${e.name}: ${e.message}`);
}

function bytesOf(data: BufferSource | undefined): Uint8Array | undefined {
  if (data === undefined) return undefined;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return new Uint8Array(data.slice(0));
}

function inResult(w: WireResult): UsbInTransferResult {
  return { status: w.status, data: w.data === undefined ? undefined : new DataView(w.data.buffer, w.data.byteOffset, w.data.byteLength) };
}

/** A USB device living in the worker. */
class RemoteDevice implements UsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName?: string | undefined;
  readonly productName?: string | undefined;
  readonly serialNumber?: string | undefined;
  private isOpen = false;

  constructor(
    private readonly channel: Channel,
    private readonly index: number,
    info: DeviceInfo,
  ) {
    this.vendorId = info.vendorId;
    this.productId = info.productId;
    this.manufacturerName = info.manufacturerName;
    this.productName = info.productName;
    this.serialNumber = info.serialNumber;
  }

  get opened(): boolean {
    return this.isOpen;
  }

  private call(op: string, ...args: unknown[]): Promise<WireResult> {
    return this.channel.ask({ kind: 'call', reader: this.index, op, args }) as Promise<WireResult>;
  }

  async open(): Promise<void> {
    await this.call('open');
    this.isOpen = true;
  }
  async close(): Promise<void> {
    await this.call('close');
    this.isOpen = false;
  }
  async selectConfiguration(configurationValue: number): Promise<void> {
    await this.call('selectConfiguration', configurationValue);
  }
  async claimInterface(interfaceNumber: number): Promise<void> {
    await this.call('claimInterface', interfaceNumber);
  }
  async releaseInterface(interfaceNumber: number): Promise<void> {
    await this.call('releaseInterface', interfaceNumber);
  }
  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    return inResult(await this.call('controlTransferIn', setup, length));
  }
  async controlTransferOut(setup: UsbControlSetup, data?: BufferSource): Promise<UsbOutTransferResult> {
    const w = await this.call('controlTransferOut', setup, bytesOf(data));
    return { status: w.status, bytesWritten: w.bytesWritten ?? 0 };
  }
  async transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    return inResult(await this.call('transferIn', endpointNumber, length));
  }
  async transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    const w = await this.call('transferOut', endpointNumber, bytesOf(data));
    return { status: w.status, bytesWritten: w.bytesWritten ?? 0 };
  }
  async clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    await this.call('clearHalt', direction, endpointNumber);
  }
  async reset(): Promise<void> {
    await this.call('reset');
  }
}

/** Starts a worker with the readers of `spec` and returns them as devices of this thread. */
export async function workerHardware(spec: HardwareSpec): Promise<Hardware> {
  const worker = new Worker(new URL('./usim-worker-boot.mjs', import.meta.url), {
    workerData: { entry: new URL('./usim-sim-worker.ts', import.meta.url).href, spec },
  });
  const channel = new Channel(worker);
  const devices = await new Promise<RemoteDevice[]>((resolve, reject) => {
    worker.on('message', (m: ToMain) => {
      if (m.kind === 'ready') resolve(m.devices.map((info, i) => new RemoteDevice(channel, i, info)));
      else channel.onReply(m);
    });
    worker.once('error', (error) => {
      channel.failAll(error);
      reject(error);
    });
  });
  return {
    devices,
    counters: () => channel.ask({ kind: 'counters' }) as Promise<HardwareCounters>,
    link: (reader, slot) => channel.ask({ kind: 'link', reader, slot }) as Promise<CardLink>,
    dispose: async () => {
      await worker.terminate();
    },
  };
}
