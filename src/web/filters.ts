/**
 * The filters of the browser's device chooser (WebUSB `requestDevice`, §5.1 of the WebUSB
 * spec: a device is listed when it matches ANY filter).
 *
 * - `classCode: 0x0B` lists every device with a smart-card interface (Chromium matches the
 *   device class and every interface class against it).
 * - Readers whose CCID interface is vendor-class (0xFF) match no class filter, so the
 *   supported-reader list adds one `vendorId` filter per vendor. One filter per VID:PID
 *   would be 640+ entries; a vendor list (about 150) keeps the chooser request small, and
 *   a non-reader picked by mistake is reported as "not a CCID reader" after connecting.
 */
import { listedReaders } from '../readers/index.ts';
import type { WebUsbDeviceFilter } from '../usb/web/index.ts';

/** bInterfaceClass of a CCID interface (CCID 1.1 §4.3, "Smart Card" class). */
export const SMART_CARD_CLASS = 0x0b;

/**
 * The chooser filters: the smart-card class first, then one filter per vendor of the
 * supported-reader list (unsupported readers left out), in ascending vendor order.
 */
export function readerFilters(): WebUsbDeviceFilter[] {
  const vendors = new Set<number>();
  for (const reader of listedReaders()) if (reader.status !== 'unsupported') vendors.add(reader.vendorId);
  return [{ classCode: SMART_CARD_CLASS }, ...[...vendors].sort((a, b) => a - b).map((vendorId) => ({ vendorId }))];
}
