/**
 * Ordered bulk-OUT writes: one transfer in flight on the endpoint (npm `usb` v3 rejects a
 * second one with "endpoint not found"), in submission order, with an urgent lane for
 * PC_to_RDR_Abort so an abort does not wait behind other slots' commands.
 *
 * An item whose command stopped being SENT before its turn (cancelled while queued) is
 * skipped: its bytes never reach the reader.
 */
import { UsbTransportError } from '../errors.ts';
import type { UsbDevice, UsbOutTransferResult } from '../usb/transport.ts';
import { SENT } from './command.ts';
import type { Command } from './command.ts';
import { Fifo } from './fifo.ts';

/** Called when a write fails; the queue goes on with the next item. */
export type WriteFailure = (cmd: Command, error: unknown) => void;

/** The bulk-OUT writer of one device. */
export class WriteQueue {
  private readonly normal = new Fifo<Command>();
  private readonly urgent = new Fifo<Command>();
  private current: Command | undefined;
  private stopped = false;
  private readonly done = (result: UsbOutTransferResult): void => {
    // WebUSB reports a stalled OUT endpoint as a resolved transfer with status 'stall'.
    if (result.status === 'stall') this.failed(new UsbTransportError('CCID_ERR_USB_STALL', `bulk-OUT endpoint ${this.endpointNumber} stalled`));
    else this.next();
  };
  private readonly failed = (error: unknown): void => {
    const cmd = this.current!;
    this.onFailure(cmd, error);
    this.next();
  };

  constructor(
    private readonly device: UsbDevice,
    private readonly endpointNumber: number,
    private readonly onFailure: WriteFailure,
  ) {}

  /** True while a write is in flight or waiting. */
  get busy(): boolean {
    return this.current !== undefined || this.normal.size + this.urgent.size > 0;
  }

  /** Queues a command's frame. */
  push(cmd: Command): void {
    this.normal.push(cmd);
    if (this.current === undefined) this.next();
  }

  /** Queues a frame ahead of the normal lane (PC_to_RDR_Abort). */
  pushUrgent(cmd: Command): void {
    this.urgent.push(cmd);
    if (this.current === undefined) this.next();
  }

  /** Drops everything waiting and writes nothing more. */
  stop(): void {
    this.stopped = true;
    this.normal.clear();
    this.urgent.clear();
  }

  private next(): void {
    this.current = undefined;
    if (this.stopped) return;
    let cmd = this.urgent.shift() ?? this.normal.shift();
    while (cmd !== undefined && cmd.state !== SENT) cmd = this.urgent.shift() ?? this.normal.shift();
    if (cmd === undefined) return;
    this.current = cmd;
    cmd.written = true;
    let pending: Promise<UsbOutTransferResult>;
    try {
      // Our frames are plain ArrayBuffer-backed arrays (the encoders allocate them).
      pending = this.device.transferOut(this.endpointNumber, cmd.frame as Uint8Array<ArrayBuffer>);
    } catch (error) {
      // A backend that throws synchronously is treated like one that rejects.
      pending = Promise.reject(error);
    }
    pending.then(this.done, this.failed);
  }
}
