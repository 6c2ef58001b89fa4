/**
 * The historical bytes of an ATR (ISO/IEC 7816-3 §8.2.4): their meaning is set by
 * ISO/IEC 7816-4 §8.1.1 — a category indicator, then compact-TLV data objects
 * (country code, issuer, card service data, card capabilities, status indicator...).
 * Cards are free to use a proprietary format, so nothing here is an ATR error: problems
 * are reported in `problems` for the analysis only.
 */
import { toHex, hexByte } from '../../util/hex.ts';

/** One compact-TLV data object: one byte `tag << 4 | length`, then `length` bytes. */
export interface CompactTlvObject {
  /** The tag, high nibble of the first byte (ISO/IEC 7816-4 Table 83: 1 country code ... F application identifier). */
  readonly tag: number;
  /** What the tag means. */
  readonly name: string;
  /** The value bytes (shorter than announced when the historical bytes end early). */
  readonly value: Uint8Array;
  /** The object as it appears: tag-length byte and value. */
  readonly raw: Uint8Array;
}

/** Status indicator (ISO/IEC 7816-4 §8.1.1.3): life cycle status and/or status word. */
export interface StatusIndicator {
  /** LCS, the life cycle status byte (ISO/IEC 7816-4 Table 13), when present. */
  readonly lcs: number | null;
  /** SW1-SW2 as a 16-bit number, when present. */
  readonly sw: number | null;
}

/** How the first historical byte (category indicator) says the others are coded. */
export type HistoricalFormat = 'none' | 'compact-tlv-status' | 'compact-tlv' | 'dir-reference' | 'rfu' | 'proprietary';

/** Decoded historical bytes. */
export interface HistoricalBytes {
  readonly raw: Uint8Array;
  /** The category indicator byte (the first historical byte), `null` when there are none. */
  readonly category: number | null;
  /** 00 → compact-TLV with the status indicator in the last three bytes; 80 → compact-TLV; 10 → DIR data reference; 81–8F → RFU; others proprietary. */
  readonly format: HistoricalFormat;
  /** The compact-TLV data objects (formats 00 and 80). */
  readonly objects: readonly CompactTlvObject[];
  /** Status indicator: the last three bytes (format 00) or a tag-8 object (format 80). */
  readonly status: StatusIndicator | null;
  /** The DIR data reference byte (format 10). */
  readonly dirReference: number | null;
  /** Coding problems found (lengths past the end, missing status bytes). */
  readonly problems: readonly string[];
}

const TAG_NAMES: Readonly<Record<number, string>> = {
  0x1: 'country code (ISO 3166-1)',
  0x2: 'issuer identification number (ISO/IEC 7812-1)',
  0x3: 'card service data',
  0x4: 'initial access data',
  0x5: "card issuer's data",
  0x6: 'pre-issuing data',
  0x7: 'card capabilities',
  0x8: 'status indicator',
  0xf: 'application identifier',
};

/** Decodes historical bytes per ISO/IEC 7816-4 §8.1.1. Never throws. */
export function decodeHistoricalBytes(bytes: Uint8Array): HistoricalBytes {
  const raw = bytes.slice();
  const problems: string[] = [];
  const base = { raw, objects: [] as CompactTlvObject[], status: null, dirReference: null, problems };
  if (raw.length === 0) return { ...base, category: null, format: 'none' };
  const category = raw[0]!;
  if (category === 0x00) {
    if (raw.length < 4) {
      problems.push(`category 00 needs a 3-byte status indicator at the end, only ${raw.length - 1} byte(s) follow`);
      return { ...base, category, format: 'compact-tlv-status', objects: compactTlv(raw.subarray(1), problems) };
    }
    const end = raw.length - 3;
    const status = { lcs: raw[end]!, sw: (raw[end + 1]! << 8) | raw[end + 2]! };
    return { ...base, category, format: 'compact-tlv-status', objects: compactTlv(raw.subarray(1, end), problems), status };
  }
  if (category === 0x80) {
    const objects = compactTlv(raw.subarray(1), problems);
    const tag8 = objects.find((o) => o.tag === 0x8);
    return { ...base, category, format: 'compact-tlv', objects, status: tag8 === undefined ? null : statusFromObject(tag8.value) };
  }
  if (category === 0x10) {
    if (raw.length < 2) problems.push('category 10 announces a DIR data reference byte that is missing');
    return { ...base, category, format: 'dir-reference', dirReference: raw.length >= 2 ? raw[1]! : null };
  }
  if (category >= 0x81 && category <= 0x8f) return { ...base, category, format: 'rfu' };
  return { ...base, category, format: 'proprietary' };
}

function compactTlv(data: Uint8Array, problems: string[]): CompactTlvObject[] {
  const objects: CompactTlvObject[] = [];
  let pos = 0;
  while (pos < data.length) {
    const tag = data[pos]! >> 4;
    const length = data[pos]! & 0x0f;
    const available = Math.min(length, data.length - pos - 1);
    if (available < length) problems.push(`compact-TLV tag ${tag.toString(16).toUpperCase()} announces ${length} byte(s), only ${available} left`);
    objects.push({
      tag,
      name: TAG_NAMES[tag] ?? 'unknown tag',
      value: data.slice(pos + 1, pos + 1 + available),
      raw: data.slice(pos, pos + 1 + available),
    });
    pos += 1 + available;
  }
  return objects;
}

function statusFromObject(value: Uint8Array): StatusIndicator {
  if (value.length === 1) return { lcs: value[0]!, sw: null };
  if (value.length === 2) return { lcs: null, sw: (value[0]! << 8) | value[1]! };
  if (value.length >= 3) return { lcs: value[0]!, sw: (value[1]! << 8) | value[2]! };
  return { lcs: null, sw: null };
}

/** Life cycle status byte (ISO/IEC 7816-4 Table 13). */
export function describeLcs(lcs: number): string {
  if (lcs === 0x00) return 'no information given';
  if (lcs === 0x01) return 'creation state';
  if (lcs === 0x03) return 'initialisation state';
  if ((lcs & 0xfd) === 0x05) return 'operational state (activated)';
  if ((lcs & 0xfd) === 0x04) return 'operational state (deactivated)';
  if ((lcs & 0xfc) === 0x0c) return 'termination state';
  if (lcs >= 0x10) return 'proprietary';
  return 'reserved for future use';
}

function bitList(value: number, names: readonly (readonly [number, string])[]): string[] {
  return names.filter(([bit]) => (value & bit) !== 0).map(([, name]) => name);
}

/** Card service data byte (compact-TLV tag 3, ISO/IEC 7816-4 Table 85). */
export function describeCardServiceData(b: number): string[] {
  const lines = bitList(b, [
    [0x80, 'application selection by full DF name'],
    [0x40, 'application selection by partial DF name'],
    [0x20, 'BER-TLV data objects in EF.DIR'],
    [0x10, 'BER-TLV data objects in EF.ATR'],
  ]);
  const access = (b >> 1) & 0x07;
  lines.push(`EF.DIR and EF.ATR access services: ${access === 4 ? 'by READ BINARY' : access === 2 ? 'by READ RECORD(S)' : access === 0 ? 'by GET DATA' : 'reserved for future use'}`);
  lines.push(b & 0x01 ? 'card without MF' : 'card with MF');
  return lines;
}

/** Card capabilities (compact-TLV tag 7, ISO/IEC 7816-4 Tables 86–88): one to three software function tables. */
export function describeCardCapabilities(value: Uint8Array): string[] {
  const lines: string[] = [];
  if (value.length >= 1) {
    const methods = bitList(value[0]!, [
      [0x80, 'by full DF name'],
      [0x40, 'by partial DF name'],
      [0x20, 'by path'],
      [0x10, 'by file identifier'],
      [0x08, 'implicit DF selection'],
    ]);
    lines.push(`DF selection: ${methods.length > 0 ? methods.join(', ') : 'none indicated'}`);
    const ef = bitList(value[0]!, [
      [0x04, 'short EF identifier'],
      [0x02, 'record number'],
      [0x01, 'record identifier'],
    ]);
    if (ef.length > 0) lines.push(`supported: ${ef.join(', ')}`);
  }
  if (value.length >= 2) {
    const dc = value[1]!;
    const write = ['one-time write', 'proprietary', 'write OR', 'write AND'][(dc >> 5) & 0x03]!;
    lines.push(`data coding: ${dc & 0x80 ? 'EFs of TLV structure supported, ' : ''}write functions ${write}, ` +
      `first tag byte FF ${dc & 0x10 ? 'valid' : 'invalid'}, data unit ${2 ** (dc & 0x0f)} quartet(s)`);
  }
  if (value.length >= 3) {
    const cc = value[2]!;
    const assign = bitList(cc, [
      [0x10, 'by the card'],
      [0x08, 'by the interface device'],
    ]);
    const channels = (cc & 0x07) === 0x07 ? '8 or more' : String((cc & 0x07) + 1);
    lines.push(`command chaining ${cc & 0x80 ? 'supported' : 'not supported'}, extended Lc and Le ${cc & 0x40 ? 'supported' : 'not supported'}`);
    lines.push(assign.length > 0 ? `logical channels assigned ${assign.join(' and ')}, maximum ${channels}` : 'no logical channel');
  }
  return lines;
}

/** Readable lines for decoded historical bytes (indented by the caller). */
export function describeHistoricalBytes(h: HistoricalBytes): string[] {
  if (h.category === null) return [];
  const formatText: Record<HistoricalFormat, string> = {
    none: '',
    'compact-tlv-status': 'compact-TLV data objects, status indicator in the last 3 bytes',
    'compact-tlv': 'compact-TLV data objects',
    'dir-reference': 'the next byte is a DIR data reference',
    rfu: 'reserved for future use',
    proprietary: 'proprietary format',
  };
  const lines = [`Category indicator: ${hexByte(h.category)} (${formatText[h.format]})`];
  for (const o of h.objects) {
    lines.push(`  Tag ${o.tag.toString(16).toUpperCase()}, length ${o.raw[0]! & 0x0f} (${o.name}): ${toHex(o.value)}`);
    const details = o.tag === 0x3 && o.value.length >= 1 ? describeCardServiceData(o.value[0]!) : o.tag === 0x7 ? describeCardCapabilities(o.value) : [];
    for (const d of details) lines.push(`    ${d}`);
    if (o.tag === 0x1 || o.tag === 0x6 || o.tag === 0x5) {
      const text = printable(o.value);
      if (text !== undefined) lines.push(`    "${text}"`);
    }
  }
  if (h.dirReference !== null) lines.push(`  DIR data reference: ${hexByte(h.dirReference)}`);
  if (h.status !== null) {
    if (h.status.lcs !== null) lines.push(`  Life cycle status: ${hexByte(h.status.lcs)} (${describeLcs(h.status.lcs)})`);
    if (h.status.sw !== null) lines.push(`  Status word: ${hexByte(h.status.sw >> 8)} ${hexByte(h.status.sw)}${h.status.sw === 0x9000 ? ' (normal processing)' : ''}`);
  }
  if (h.format === 'proprietary' || h.format === 'rfu') {
    const text = printable(h.raw);
    if (text !== undefined) lines.push(`  As text: "${text}"`);
  }
  for (const p of h.problems) lines.push(`  Problem: ${p}`);
  return lines;
}

/** The bytes as ASCII when most of them are printable, else `undefined`. */
function printable(bytes: Uint8Array): string | undefined {
  let count = 0;
  for (const b of bytes) if (b >= 0x20 && b < 0x7f) count++;
  if (bytes.length < 3 || count < bytes.length * 0.75) return undefined;
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}
