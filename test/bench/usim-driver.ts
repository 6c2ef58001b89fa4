/**
 * The driver as the benchmark uses it, through its public reader API (`openReader`, the
 * reader's slots, `powerOn` / `transmit` / `powerOff`): the only file of the benchmark
 * that knows that API.
 */
import { openReader } from '../../src/index.ts';
import type { OpenReaderOptions, UsbDevice } from '../../src/index.ts';

/** One slot, as the workload drives it. */
export interface DriverSlot {
  /** Powers the card on (protocol and speed as the driver chooses); resolves with the ATR. */
  powerOn(): Promise<Uint8Array>;
  /** Sends one command APDU; resolves with the response (data, SW1 SW2). */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /** Powers the card off. */
  powerOff(): Promise<void>;
}

/** One opened reader. */
export interface DriverReader {
  /** Its slots, index for index. */
  readonly slots: readonly DriverSlot[];
  /** Closes the reader (releases the interface). */
  close(): Promise<void>;
}

/** Options of {@link openDriver}. */
export interface DriverOptions {
  /** Receives every CCID frame (the replay baseline records them). */
  readonly trace?: OpenReaderOptions['trace'];
}

/** Opens the driver on a USB device (here an emulated reader's). */
export async function openDriver(device: UsbDevice, options: DriverOptions = {}): Promise<DriverReader> {
  const reader = await openReader(device, options.trace === undefined ? {} : { trace: options.trace });
  const slots = reader.slots.map(
    (slot): DriverSlot => ({
      powerOn: async () => (await slot.powerOn()).atr,
      transmit: async (apdu) => (await slot.transmit(apdu)).raw,
      powerOff: () => slot.powerOff(),
    }),
  );
  return { slots, close: () => reader.close() };
}
