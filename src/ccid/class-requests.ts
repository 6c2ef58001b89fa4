/**
 * CCID class-specific requests on the control pipe (CCID 1.1 §5.3): ABORT,
 * GET_CLOCK_FREQUENCIES and GET_DATA_RATES, all with recipient = interface and
 * wIndex = the CCID interface number.
 */
import type { UsbControlSetup } from '../usb/transport.ts';
import { ABORT, GET_CLOCK_FREQUENCIES, GET_DATA_RATES } from './messages.ts';

/**
 * Setup of the ABORT request (§5.3.1): wValue = bSeq << 8 | bSlot, no data stage. The
 * host then sends PC_to_RDR_Abort with the same bSlot and bSeq.
 */
export function abortSetup(interfaceNumber: number, slot: number, seq: number): UsbControlSetup {
  return { requestType: 'class', recipient: 'interface', request: ABORT, value: ((seq & 0xff) << 8) | (slot & 0xff), index: interfaceNumber };
}

/** Setup of GET_CLOCK_FREQUENCIES (§5.3.2); read 4 × bNumClockSupported bytes. */
export function getClockFrequenciesSetup(interfaceNumber: number): UsbControlSetup {
  return { requestType: 'class', recipient: 'interface', request: GET_CLOCK_FREQUENCIES, value: 0, index: interfaceNumber };
}

/** Setup of GET_DATA_RATES (§5.3.3); read 4 × bNumDataRatesSupported bytes. */
export function getDataRatesSetup(interfaceNumber: number): UsbControlSetup {
  return { requestType: 'class', recipient: 'interface', request: GET_DATA_RATES, value: 0, index: interfaceNumber };
}

/**
 * The little-endian dwords of a GET_CLOCK_FREQUENCIES (kHz) or GET_DATA_RATES (bps)
 * answer; a trailing partial dword is ignored.
 */
export function decodeDwordList(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    out.push((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0);
  }
  return out;
}
