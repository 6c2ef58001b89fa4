/**
 * A fake {@link UsbDevice} that answers control transfers from a descriptor fixture
 * (`.desc`), so that the whole read-and-describe path runs against hundreds of real
 * readers without hardware. Test-only: the emulator in `src/sim/` is the product's fake.
 *
 * What it answers (everything else STALLs):
 * - GET_DESCRIPTOR DEVICE and CONFIGURATION (index 0): the fixture's bytes, cut to wLength;
 * - GET_DESCRIPTOR STRING 0: the LANGID list [0x0409]; STRING n: the fixture's text as
 *   UTF-16LE, cut to wLength; STALL when the fixture has no such string;
 * - GET_CLOCK_FREQUENCIES / GET_DATA_RATES to an interface: the recorded bytes cut to
 *   wLength; a recorded failure as below; STALL when nothing was recorded.
 *
 * A recorded failure text (`error TEXT`) is replayed as the failure it most likely was
 * (libccid fixtures README): `LIBUSB_ERROR_PIPE` as a WebUSB `stall` status,
 * `LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED` as an answer of 0 bytes, timeout texts
 * as a rejected `CCID_ERR_USB_TIMEOUT`, any other text as a rejected `CCID_ERR_USB_STALL`.
 * A rejection carries the recorded text as its message, so that a libccid-layout printer
 * reproduces the dump's wording.
 *
 * Bulk and interrupt transfers are not supported (they reject with `CCID_ERR_USB_IO`).
 */
import { UsbTransportError } from '../../src/errors.ts';
import type { DescriptorFixture, FixtureAnswer } from '../../src/fixtures/desc-file.ts';
import type {
  UsbControlSetup,
  UsbDevice,
  UsbDirection,
  UsbInTransferResult,
  UsbOutTransferResult,
} from '../../src/usb/transport.ts';

const GET_DESCRIPTOR = 0x06;
const GET_CLOCK_FREQUENCIES = 0x02;
const GET_DATA_RATES = 0x03;
const STALL: UsbInTransferResult = { status: 'stall' };

function answer(bytes: Uint8Array, length: number): UsbInTransferResult {
  const out = bytes.slice(0, length);
  return { status: 'ok', data: new DataView(out.buffer, out.byteOffset, out.byteLength) };
}

/** A STRING descriptor (USB 2.0 §9.6.7) for `text`: UTF-16LE, at most 126 code units. */
export function stringDescriptor(text: string): Uint8Array {
  const units = Math.min(text.length, 126);
  const out = new Uint8Array(2 + 2 * units);
  out[0] = out.length;
  out[1] = 0x03;
  for (let i = 0; i < units; i++) {
    const c = text.charCodeAt(i);
    out[2 + 2 * i] = c & 0xff;
    out[3 + 2 * i] = c >> 8;
  }
  return out;
}

/** One control transfer the fake received. */
export interface LoggedControl {
  readonly setup: UsbControlSetup;
  readonly length: number;
}

/** The fixture-backed fake device. */
export class FixtureUsbDevice implements UsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  opened = false;
  /** Every control-IN transfer received, in order. */
  readonly log: LoggedControl[] = [];
  /** Interfaces currently claimed. */
  readonly claimed = new Set<number>();

  constructor(readonly fixture: DescriptorFixture) {
    const d = fixture.device;
    this.vendorId = (d[8] ?? 0) | ((d[9] ?? 0) << 8);
    this.productId = (d[10] ?? 0) | ((d[11] ?? 0) << 8);
  }

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
    this.claimed.clear();
  }

  async selectConfiguration(): Promise<void> {}

  async claimInterface(interfaceNumber: number): Promise<void> {
    this.claimed.add(interfaceNumber);
  }

  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.claimed.delete(interfaceNumber);
  }

  async controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInTransferResult> {
    if (!this.opened) throw new UsbTransportError('CCID_ERR_USB_CLOSED', 'device is not open');
    this.log.push({ setup: { ...setup }, length });
    if (setup.requestType === 'standard' && setup.recipient === 'device' && setup.request === GET_DESCRIPTOR) {
      return this.descriptor(setup.value >> 8, setup.value & 0xff, length);
    }
    if (setup.requestType === 'class' && setup.recipient === 'interface' && (setup.request === GET_CLOCK_FREQUENCIES || setup.request === GET_DATA_RATES)) {
      const map = setup.request === GET_CLOCK_FREQUENCIES ? this.fixture.clockFrequencies : this.fixture.dataRates;
      return replay(map.get(setup.index & 0xff), length);
    }
    return STALL;
  }

  async controlTransferOut(): Promise<UsbOutTransferResult> {
    return { bytesWritten: 0, status: 'stall' };
  }

  async transferIn(): Promise<UsbInTransferResult> {
    throw new UsbTransportError('CCID_ERR_USB_IO', 'the fixture device has no bulk or interrupt endpoints');
  }

  async transferOut(): Promise<UsbOutTransferResult> {
    throw new UsbTransportError('CCID_ERR_USB_IO', 'the fixture device has no bulk or interrupt endpoints');
  }

  async clearHalt(_direction: UsbDirection, _endpointNumber: number): Promise<void> {}

  async reset(): Promise<void> {}

  private descriptor(type: number, index: number, length: number): UsbInTransferResult {
    if (type === 0x01 && index === 0) return answer(this.fixture.device, length);
    if (type === 0x02 && index === 0) return answer(this.fixture.configuration, length);
    if (type === 0x03) {
      if (index === 0) return answer(Uint8Array.of(4, 0x03, 0x09, 0x04), length);
      const text = this.fixture.strings.get(index);
      return text === undefined ? STALL : answer(stringDescriptor(text), length);
    }
    return STALL;
  }
}

function replay(recorded: FixtureAnswer | undefined, length: number): UsbInTransferResult {
  if (recorded === undefined) return STALL;
  if (recorded.kind === 'data') return answer(recorded.bytes, length);
  const text = recorded.text;
  if (text === 'LIBUSB_ERROR_PIPE') return STALL;
  if (text === 'LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED') return answer(new Uint8Array(0), 0);
  if (/TIMEOUT|timed out/i.test(text)) throw new UsbTransportError('CCID_ERR_USB_TIMEOUT', text);
  throw new UsbTransportError('CCID_ERR_USB_STALL', text);
}
