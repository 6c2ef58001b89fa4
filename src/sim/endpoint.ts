/**
 * An emulated IN endpoint (bulk or interrupt) with the semantics the transport contract
 * (`src/usb/transport.ts`) demands: a `transferIn` resolves only when data is there; data
 * produced while nobody reads waits in a queue (never lost); each queued chunk is one USB
 * transfer (a chunk longer than the host's buffer is delivered over several transfers);
 * a halted endpoint answers `stall` until `clearHalt`; going away or closing rejects the
 * pending transfer with a typed error.
 */
import { UsbTransportError } from '../errors.ts';
import type { UsbInTransferResult } from '../usb/transport.ts';

interface PendingIn {
  readonly resolve: (result: UsbInTransferResult) => void;
  readonly reject: (error: UsbTransportError) => void;
  readonly length: number;
}

const STALL: UsbInTransferResult = Object.freeze({ status: 'stall' as const });

/** One IN endpoint's queue and its (at most one) pending transfer. */
export class InEndpoint {
  /** WebUSB endpoint number. */
  readonly number: number;
  private queue: Uint8Array[] = [];
  private head = 0;
  private pending: PendingIn | undefined;
  /** Non-strict mode only: transfers waiting behind `pending`. */
  private waiting: PendingIn[] = [];
  private halted = false;
  /** Called with each chunk as it is handed to the host (for traces and byte counts). */
  onDeliver: ((chunk: Uint8Array) => void) | undefined;

  constructor(number: number) {
    this.number = number;
  }

  /** True while a transferIn waits. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Chunks waiting to be read. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** True while the endpoint is halted. */
  get isHalted(): boolean {
    return this.halted;
  }

  /** Queues one transfer's worth of bytes; hands it over at once if a transferIn waits. */
  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    if (this.pending !== undefined && !this.halted) this.deliver(this.pending);
  }

  /** The last queued chunk, if nothing of it was delivered yet (for merging notifications). */
  lastQueued(): Uint8Array | undefined {
    return this.queue.length > this.head ? this.queue[this.queue.length - 1] : undefined;
  }

  /**
   * A host transferIn. With `strict`, a second transfer while one waits rejects (as npm
   * `usb` v3 does: "endpoint not found"); otherwise it waits behind the first.
   */
  transferIn(length: number, strict: boolean): Promise<UsbInTransferResult> {
    if (this.halted) return Promise.resolve(STALL);
    if (this.pending !== undefined && strict) {
      return Promise.reject(new UsbTransportError('CCID_ERR_USB_IO', `transferIn: a transfer is already in flight on endpoint ${this.number}`));
    }
    return new Promise<UsbInTransferResult>((resolve, reject) => {
      const waiter: PendingIn = { resolve, reject, length };
      if (this.pending === undefined) {
        if (this.queued > 0) this.deliver(waiter);
        else this.pending = waiter;
      } else {
        this.waiting.push(waiter);
      }
    });
  }

  private deliver(p: PendingIn): void {
    const chunk = this.queue[this.head]!;
    let out: Uint8Array;
    if (chunk.length <= p.length) {
      out = chunk;
      this.queue[this.head++] = undefined as unknown as Uint8Array;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head > 1024) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    } else {
      out = chunk.subarray(0, p.length);
      this.queue[this.head] = chunk.subarray(p.length);
    }
    this.pending = this.waiting.length > 0 ? this.waiting.shift() : undefined;
    this.onDeliver?.(out);
    p.resolve({ data: new DataView(out.buffer, out.byteOffset, out.byteLength), status: 'ok' });
    if (this.pending !== undefined && this.queued > 0) this.deliver(this.pending);
  }

  /** Halts the endpoint: the pending and later transfers resolve with status `stall`. */
  halt(): void {
    this.halted = true;
    const all = this.takeWaiters();
    for (const p of all) p.resolve(STALL);
  }

  /** CLEAR_FEATURE(ENDPOINT_HALT): data queued before the halt is delivered again. */
  clearHalt(): void {
    this.halted = false;
  }

  /** Rejects the pending transfer (close, release, unplug). Queued data stays. */
  fail(error: UsbTransportError): void {
    const all = this.takeWaiters();
    for (const p of all) p.reject(error);
  }

  private takeWaiters(): PendingIn[] {
    const all = this.pending === undefined ? [] : [this.pending, ...this.waiting];
    this.pending = undefined;
    this.waiting = [];
    return all;
  }

  /** Drops every queued chunk (USB reset). */
  flush(): void {
    this.queue = [];
    this.head = 0;
  }
}
