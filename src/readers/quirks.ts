/**
 * Which quirks a reader gets: the table of `readers/quirks.ts` matched against a
 * device's VID:PID and firmware version (bcdDevice).
 */
import { QUIRK_TABLE } from '../../readers/quirks.ts';
import type { Quirk, QuirkEntry, QuirkMatch } from './quirk.ts';

/** True when `match` covers the device. An entry with a firmware condition never matches an unknown bcdDevice. */
export function quirkMatches(match: QuirkMatch, vendorId: number, productId: number, bcdDevice?: number): boolean {
  if (match.vid !== vendorId) return false;
  if (match.pid !== undefined && match.pid !== productId) return false;
  if (match.bcdDevice === undefined) return true;
  if (bcdDevice === undefined) return false;
  return typeof match.bcdDevice === 'number' ? match.bcdDevice === bcdDevice : bcdDevice < match.bcdDevice.below;
}

/**
 * The table entries that apply to a device, in table order (vendor-wide entries
 * included). Pass `table` to use another table (tests, callers with their own data).
 */
export function quirkEntriesFor(
  vendorId: number,
  productId: number,
  bcdDevice?: number,
  table: readonly QuirkEntry[] = QUIRK_TABLE,
): QuirkEntry[] {
  return table.filter((entry) => quirkMatches(entry.match, vendorId, productId, bcdDevice));
}

/**
 * The quirks of a device, in table order. `bcdDevice` is the device descriptor's
 * firmware version (0x0200 for 2.00); without it, firmware-specific quirks are left out.
 * @example quirksFor(0x0b97, 0x7762, 0x0111).map((q) => q.kind)
 *   // ['dataRateLimit', 'noPps', 'avoidFullPacketCommands', 'classDescriptorAfterEndpoints']
 */
export function quirksFor(vendorId: number, productId: number, bcdDevice?: number, table: readonly QuirkEntry[] = QUIRK_TABLE): Quirk[] {
  return quirkEntriesFor(vendorId, productId, bcdDevice, table).flatMap((entry) => entry.quirks);
}

/** The whole quirk table (for documentation, the udev rule generator and tests). */
export function quirkTable(): readonly QuirkEntry[] {
  return QUIRK_TABLE;
}
