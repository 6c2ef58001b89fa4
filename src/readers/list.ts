/**
 * The supported-reader list: libccid's list of readers (generated into
 * `readers/supported-readers.json` by `readers/generate.ts`), looked up by VID:PID.
 *
 * A reader with a CCID interface that is not in the list still works; it is reported
 * as `unlisted`. An `unsupported` reader is reported with the reason libccid's
 * history gives, and used only when the caller asks for it.
 */
import listFile from '../../readers/supported-readers.json' with { type: 'json' };
import { UNSUPPORTED_REASONS } from '../../readers/unsupported-reasons.ts';

/** Where a reader stands in the list. */
export type ListStatus = 'supported' | 'shouldwork' | 'unsupported' | 'unlisted';

/** What the list says about one VID:PID. */
export interface ReaderListing {
  /**
   * `supported`: tested by libccid's author; `shouldwork`: not tested, descriptor looks
   * CCID compliant; `unsupported`: known to fail; `unlisted`: not in the list.
   */
  readonly status: ListStatus;
  /** Manufacturer and product as the list names them (absent when unlisted). */
  readonly name?: string;
  /** Why the reader is unsupported, or why an unlisted one is notable (disabled in libccid). */
  readonly reason?: string;
}

/** One entry of the list, with numeric IDs. */
export interface ListedReader {
  readonly vendorId: number;
  readonly productId: number;
  readonly name: string;
  readonly status: Exclude<ListStatus, 'unlisted'>;
}

interface RawEntry {
  readonly vid: string;
  readonly pid: string;
  readonly name: string;
  readonly status?: string;
}

const key = (vendorId: number, productId: number) => ((vendorId & 0xffff) << 16) | (productId & 0xffff);
const hexKey = (vendorId: number, productId: number) =>
  `${vendorId.toString(16).toUpperCase().padStart(4, '0')}:${productId.toString(16).toUpperCase().padStart(4, '0')}`;

let listed: ReadonlyMap<number, ListedReader> | undefined;
let disabled: ReadonlyMap<number, string> | undefined;

function index(): ReadonlyMap<number, ListedReader> {
  if (listed === undefined) {
    const map = new Map<number, ListedReader>();
    for (const raw of listFile.readers as readonly RawEntry[]) {
      const vendorId = parseInt(raw.vid, 16);
      const productId = parseInt(raw.pid, 16);
      map.set(key(vendorId, productId), { vendorId, productId, name: raw.name, status: raw.status as ListedReader['status'] });
    }
    listed = map;
    disabled = new Map((listFile.disabled as readonly RawEntry[]).map((raw) => [key(parseInt(raw.vid, 16), parseInt(raw.pid, 16)), raw.name]));
  }
  return listed;
}

/**
 * Looks a reader up in the list.
 * @example lookupReader(0x1d50, 0x6141) // { status: 'shouldwork', name: 'sysmocom - s.f.m.c. GmbH sysmoOCTSIM' }
 */
export function lookupReader(vendorId: number, productId: number): ReaderListing {
  const entry = index().get(key(vendorId, productId));
  if (entry === undefined) {
    const disabledName = disabled!.get(key(vendorId, productId));
    if (disabledName !== undefined) {
      return { status: 'unlisted', name: disabledName, reason: 'commented out (disabled) in libccid\'s list: libccid does not claim this reader' };
    }
    return { status: 'unlisted' };
  }
  if (entry.status === 'unsupported') {
    return { status: 'unsupported', name: entry.name, reason: UNSUPPORTED_REASONS[hexKey(vendorId, productId)] ?? 'listed as unsupported by libccid' };
  }
  return { status: entry.status, name: entry.name };
}

/** Every reader of the list, in list order (supported, should work, unsupported). */
export function listedReaders(): readonly ListedReader[] {
  return [...index().values()];
}
