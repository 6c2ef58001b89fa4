/**
 * Whether a USB device has a CCID interface, as the Node hosts decide it: from what the
 * backend says of its interface classes without opening it, then, for a vendor-class
 * (0xFF) interface that may be CCID, from its raw descriptors. A device that cannot be
 * read is kept only when it is a listed reader, so that `ccid list` can say what to fix.
 */
import { describeDevice } from '../descriptors/index.ts';
import { lookupReader } from '../readers/list.ts';
import type { UsbDevice } from './transport.ts';

/** What a backend's cached interface descriptors say. */
export type InterfaceVerdict = 'ccid' | 'maybe-ccid' | 'not-ccid';

/**
 * @param classify reads the backend's interface classes; undefined when it has none (device
 *   unconfigured or gone); may throw (e.g. the device node cannot be opened).
 */
export async function hasCcidInterface(device: UsbDevice, classify: () => InterfaceVerdict | undefined): Promise<boolean> {
  const listed = lookupReader(device.vendorId, device.productId).status !== 'unlisted';
  let verdict: InterfaceVerdict | undefined;
  try {
    verdict = classify();
  } catch {
    return listed;
  }
  if (verdict === undefined) return listed;
  if (verdict !== 'maybe-ccid') return verdict === 'ccid';
  try {
    const description = await describeDevice(device, { classRequests: false, requireCcid: false });
    return description.interfaces.length > 0;
  } catch {
    return listed;
  }
}
