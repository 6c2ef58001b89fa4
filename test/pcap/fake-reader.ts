/**
 * A scripted fake CCID reader at the USB byte boundary, for the capture tests: it answers
 * GET_DESCRIPTOR from a descriptor fixture (the sysmoOCTSIM), PC_to_RDR_IccPowerOn with
 * an ATR DataBlock, XfrBlock with a `90 00` DataBlock, GetSlotStatus with a SlotStatus,
 * and hands out queued interrupt messages. CCID frames are built by hand here (CCID 1.1
 * §6.1, §6.2, §6.3) so the test does not depend on the driver's own codec.
 */
import { readFileSync } from 'node:fs';
import { parseDescriptorFixture, type DescriptorFixture } from '../../src/fixtures/desc-file.ts';
import { UsbTransportError } from '../../src/errors.ts';
import type { UsbControlSetup, UsbDevice, UsbInTransferResult, UsbOutTransferResult, UsbTransferStatus } from '../../src/usb/transport.ts';

/** The sysmoOCTSIM fixture (bulk IN 0x81, bulk OUT 0x02, interrupt IN 0x83, 8 slots). */
export function sysmoOctsim(): DescriptorFixture {
  const url = new URL('../../../shared/reference/libccid/fixtures/sysmocom_sysmoOCTSIM.desc', import.meta.url);
  return parseDescriptorFixture(readFileSync(url, 'utf8'));
}

/** A CCID message: 10-byte header (type, dwLength LE, slot, seq, 3 specific bytes) + data. */
export function ccidFrame(type: number, slot: number, seq: number, specific: readonly [number, number, number], data: Uint8Array = new Uint8Array(0)): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(10 + data.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, data.length, true);
  out[5] = slot;
  out[6] = seq;
  out.set(specific, 7);
  out.set(data, 10);
  return out;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A fake reader whose behaviour tests can steer. */
export class FakeReader implements UsbDevice {
  readonly vendorId = 0x1d50;
  readonly productId = 0x6141;
  readonly productName = 'fake sysmoOCTSIM';
  opened = false;
  /** ATR returned by IccPowerOn, per slot. */
  atr = new Uint8Array([0x3b, 0x9f, 0x96, 0x80, 0x1f, 0xc7, 0x80, 0x31, 0xa0, 0x73, 0xbe, 0x21, 0x13, 0x67, 0x43, 0x20, 0x07, 0x18, 0x00, 0x00, 0x01, 0xa5]);
  /** Status forced on the next bulk IN (to test stalls). */
  nextInStatus: UsbTransferStatus | undefined;
  /** Error thrown by the next bulk IN (to test unplug/close). */
  nextInError: Error | undefined;
  readonly #fixture: DescriptorFixture;
  readonly #bulkIn: Uint8Array[] = [];
  readonly #interrupt: Uint8Array[] = [];

  constructor(fixture: DescriptorFixture = sysmoOctsim()) {
    this.#fixture = fixture;
  }

  /** Queues an interrupt-IN message (e.g. RDR_to_PC_NotifySlotChange). */
  queueInterrupt(message: Uint8Array): void {
    this.#interrupt.push(message);
  }

  async open(): Promise<void> {
    this.opened = true;
  }
  async close(): Promise<void> {
    this.opened = false;
  }
  async selectConfiguration(): Promise<void> {}
  async claimInterface(): Promise<void> {}
  async releaseInterface(): Promise<void> {}
  async clearHalt(): Promise<void> {}
  async reset(): Promise<void> {}

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    if (setup.requestType === 'standard' && setup.request === 6) {
      const type = setup.value >> 8;
      const bytes = type === 1 ? this.#fixture.device : type === 2 ? this.#fixture.configuration : undefined;
      if (bytes !== undefined) {
        const out = bytes.slice(0, length);
        return { data: new DataView(out.buffer), status: 'ok' };
      }
    }
    return { status: 'stall' };
  }

  async controlTransferOut(): Promise<UsbOutTransferResult> {
    return { bytesWritten: 0, status: 'ok' };
  }

  async transferOut(endpointNumber: number, data: BufferSource): Promise<UsbOutTransferResult> {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (endpointNumber !== 2 || bytes.length < 10) return { bytesWritten: 0, status: 'stall' };
    const slot = bytes[5]!;
    const seq = bytes[6]!;
    switch (bytes[0]) {
      case 0x62: // PC_to_RDR_IccPowerOn → RDR_to_PC_DataBlock(ATR)
        this.#bulkIn.push(ccidFrame(0x80, slot, seq, [0, 0, 0], this.atr));
        break;
      case 0x6f: // PC_to_RDR_XfrBlock → RDR_to_PC_DataBlock(90 00)
        this.#bulkIn.push(ccidFrame(0x80, slot, seq, [0, 0, 0], new Uint8Array([0x90, 0x00])));
        break;
      case 0x63: // PC_to_RDR_IccPowerOff → RDR_to_PC_SlotStatus (present, inactive)
        this.#bulkIn.push(ccidFrame(0x81, slot, seq, [1, 0, 0]));
        break;
      default: // PC_to_RDR_GetSlotStatus and the rest → RDR_to_PC_SlotStatus (active)
        this.#bulkIn.push(ccidFrame(0x81, slot, seq, [0, 0, 0]));
    }
    return { bytesWritten: bytes.length, status: 'ok' };
  }

  async transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    if (endpointNumber === 3) {
      const message = this.#interrupt.shift();
      if (message === undefined) throw new UsbTransportError('CCID_ERR_USB_CLOSED', 'no interrupt message queued');
      return { data: view(message.slice(0, length)), status: 'ok' };
    }
    if (this.nextInError !== undefined) {
      const error = this.nextInError;
      this.nextInError = undefined;
      throw error;
    }
    if (this.nextInStatus !== undefined) {
      const status = this.nextInStatus;
      this.nextInStatus = undefined;
      return { status };
    }
    const message = this.#bulkIn.shift();
    if (message === undefined) throw new UsbTransportError('CCID_ERR_USB_CLOSED', 'no response queued');
    return { data: view(message.slice(0, length)), status: 'ok' };
  }
}
