/**
 * The connected reader's information: its name and VID:PID, where it stands in libccid's
 * supported-reader list, what it can do (slots, exchange level, protocols, voltages,
 * clocks and rates after quirks), and the full descriptor dump in libccid's `parse` layout.
 */
import type { ReaderListing } from '../readers/index.ts';
import { h, replace } from './dom.ts';

/** What the reader panel shows. */
export interface ReaderInfo {
  /** iProduct, or the list's name, or the VID:PID. */
  readonly title: string;
  /** `1d50:6141`. */
  readonly vidPid: string;
  /** The supported-reader list's verdict. */
  readonly listing: ReaderListing;
  /** Label / value pairs (serial number, slots, exchange level...). */
  readonly facts: readonly (readonly [string, string])[];
  /** Reader quirks applied, one line each. */
  readonly quirks: readonly string[];
  /** The descriptors in libccid's `parse` layout, one line each. */
  readonly dump: readonly string[];
  /** Notes worth showing (for instance a class request the reader did not answer). */
  readonly notes: readonly string[];
}

const LISTING_TEXT: Record<ReaderListing['status'], readonly [string, string]> = {
  supported: ['supported', 'ok'],
  shouldwork: ['should work', 'ok'],
  unsupported: ['unsupported', 'bad'],
  unlisted: ['not in the list', 'warn'],
};

/** Fills the reader panel. */
export function renderReader(panel: HTMLElement, info: ReaderInfo): void {
  const [statusText, statusKind] = LISTING_TEXT[info.listing.status];
  const listingLine =
    info.listing.status === 'unlisted'
      ? 'Not in libccid\'s supported-reader list: it is driven from its descriptors like any CCID reader.'
      : `libccid's list: ${info.listing.name ?? ''}`;
  replace(
    panel,
    h(
      'div',
      { class: 'reader-head' },
      h('h2', {}, info.title),
      h('span', { class: 'mono muted' }, info.vidPid),
      h('span', { class: `badge ${statusKind}`, 'data-role': 'list-status' }, statusText),
    ),
    h('p', { class: 'muted' }, listingLine, info.listing.reason === undefined ? null : ` (${info.listing.reason})`),
    h('div', { class: 'facts' }, ...info.facts.map(([k, v]) => h('div', { class: 'fact' }, h('span', { class: 'k' }, k), h('span', { class: 'v' }, v)))),
    ...info.notes.map((note) => h('p', { class: 'muted' }, note)),
    info.quirks.length === 0 ? null : h('details', {}, h('summary', {}, `Reader quirks applied (${info.quirks.length})`), h('pre', {}, info.quirks.join('\n'))),
    h('details', { 'data-role': 'descriptor-dump' }, h('summary', {}, 'USB and CCID descriptors (libccid parse layout)'), h('pre', {}, info.dump.join('\n'))),
  );
  panel.hidden = false;
}
