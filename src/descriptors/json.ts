/**
 * A JSON-safe view of a {@link DeviceDescription}: every decoded field, raw bytes as hex
 * strings (upper case, space separated), maps as objects keyed by index, and for each
 * CCID interface the names of the dwFeatures bits that are set.
 */
import { toHex, vidPid } from '../util/hex.ts';
import type { DeviceDescription } from './description.ts';
import { FEATURE_BITS } from './features.ts';

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Map) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of value) out[String(k)] = toJson(v);
    return out;
  }
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return String(value);
}

/**
 * Every field of the description, JSON-safe (what `ccid parse --json` and `ccid info
 * --json` print).
 */
export function descriptionToJson(desc: DeviceDescription): { [key: string]: JsonValue } {
  const base = toJson(desc) as { [key: string]: JsonValue };
  return {
    reader: vidPid(desc.device.vendorId, desc.device.productId),
    ...base,
    interfaces: desc.interfaces.map((itf, i) => ({
      ...((base['interfaces'] as JsonValue[])[i] as { [key: string]: JsonValue }),
      featureNames: FEATURE_BITS.filter((bit) => itf.ccid.features[bit.key]).map((bit) => bit.description),
    })),
  };
}
