/**
 * One read loop per IN endpoint (bulk-IN for answers, interrupt-IN for slot changes): a
 * single `transferIn` in flight at a time, as the transport contract requires.
 *
 * A WebUSB `transferIn` cannot be cancelled on its own, so the loop stops when the
 * transfer rejects: `releaseInterface()` / `close()` make it reject with
 * CCID_ERR_USB_CLOSED, an unplug with CCID_ERR_USB_DEVICE_GONE. A stall is cleared with
 * `clearHalt` and reading goes on; other failures are retried with a growing delay and,
 * after {@link MAX_FAILURES} in a row, end the loop as if the device had gone.
 */
import { isCcidError } from '../errors.ts';
import { reportAsync } from './events.ts';
import { transferBytes } from '../usb/transport.ts';
import type { UsbDevice } from '../usb/transport.ts';

/** Consecutive transfer failures after which the loop gives up. */
export const MAX_FAILURES = 8;

/** What the loop reports to its owner. */
export interface ReadLoopHandlers {
  /** One transfer's bytes (possibly empty: a zero-length packet). */
  data(bytes: Uint8Array): void;
  /** The endpoint stalled and was cleared. */
  stall(): void;
  /** The loop ended on its own: device gone, interface released, or too many failures. */
  end(error: unknown): void;
}

/** A read loop on one IN endpoint. */
export class ReadLoop {
  private running = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeRetry: (() => void) | undefined;
  /** Settles when the loop has returned. */
  finished: Promise<void> = Promise.resolve();

  constructor(
    private readonly device: UsbDevice,
    private readonly endpointNumber: number,
    private readonly length: number,
    private readonly handlers: ReadLoopHandlers,
  ) {}

  /** Starts reading. */
  start(): void {
    this.running = true;
    this.finished = this.loop();
  }

  /** Stops after the transfer in flight settles (release the interface to make it settle). */
  stop(): void {
    this.running = false;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.wakeRetry?.();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let bytes: Uint8Array;
      try {
        const result = await this.device.transferIn(this.endpointNumber, this.length);
        if (!this.running) return;
        if (result.status === 'stall') {
          await this.clearStall();
          continue;
        }
        // 'babble' (the device sent more than asked) leaves no usable data; read on.
        if (result.status === 'babble') continue;
        bytes = transferBytes(result);
      } catch (error) {
        if (!this.running) return;
        const code = isCcidError(error) ? error.code : undefined;
        if (code === 'CCID_ERR_USB_STALL') {
          await this.clearStall();
          continue;
        }
        if (code === 'CCID_ERR_USB_DEVICE_GONE' || code === 'CCID_ERR_USB_CLOSED' || ++failures >= MAX_FAILURES) {
          this.running = false;
          this.handlers.end(error);
          return;
        }
        await this.delay(Math.min(1000, 10 * 2 ** failures));
        continue;
      }
      failures = 0;
      try {
        this.handlers.data(bytes);
      } catch (error) {
        // A bug in a handler (or a throwing trace listener) must not stop the reading.
        reportAsync(error);
      }
    }
  }

  private async clearStall(): Promise<void> {
    this.handlers.stall();
    try {
      await this.device.clearHalt('in', this.endpointNumber);
    } catch {
      // If the halt cannot be cleared the next transfer fails too and counts as a failure.
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        resolve();
      }, ms);
    });
  }
}
