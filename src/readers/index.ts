/**
 * Reader knowledge: the supported-reader list (libccid's list as data) and the reader
 * quirks (what a reader needs beyond the CCID specification, chosen by VID:PID and
 * firmware). No Node built-ins: this module bundles for browsers.
 *
 * @example
 * ```ts
 * import { assessReader, applyQuirks } from './readers/index.ts';
 * const { listing, quirks, notUsedBecause } = assessReader(0x0b97, 0x7762, 0x0111);
 * // listing.status === 'unsupported'; quirks: dataRateLimit 9600 bps, noPps, ...
 * ```
 */
export { lookupReader, listedReaders, type ListStatus, type ReaderListing, type ListedReader } from './list.ts';
export { quirksFor, quirkEntriesFor, quirkMatches, quirkTable } from './quirks.ts';
export {
  applyQuirks,
  parametersFromInterface,
  assessReader,
  describeQuirk,
  exchangeLevelName,
  type ReaderParameters,
  type ParameterChange,
  type ReaderAssessment,
} from './apply.ts';
export type * from './quirk.ts';
