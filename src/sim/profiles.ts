/**
 * The profile registry: built-in named profiles (embedded fixture text, no file system)
 * and profiles made from any descriptor fixture.
 */
import { ArgumentError } from '../errors.ts';
import { type DescriptorFixture, parseDescriptorFixture } from '../fixtures/desc-file.ts';
import { type ExchangeLevel, type ReaderProfile, profileFromFixture } from './profile.ts';
import { BUILTIN_FIXTURES } from './profiles-data.ts';

/** A line of `listProfiles()`. */
export interface ProfileInfo {
  /** Name to pass to `loadProfile` / `createEmulatedReader`. */
  readonly name: string;
  /** `vvvv:pppp`. */
  readonly vidPid: string;
  /** iProduct text. */
  readonly product: string | undefined;
  /** Slots of the first CCID interface. */
  readonly slots: number;
  /** bMaxCCIDBusySlots (clamped to 1..slots). */
  readonly busySlots: number;
  /** Exchange level. */
  readonly exchangeLevel: ExchangeLevel;
  /** dwProtocols: bit 0 T=0, bit 1 T=1. */
  readonly protocols: number;
  /** True for a synthetic profile (no such device exists). */
  readonly synthetic: boolean;
}

const cache = new Map<string, ReaderProfile>();

function builtin(name: string): ReaderProfile | undefined {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const text = BUILTIN_FIXTURES[name];
  if (text === undefined) return undefined;
  const profile = profileFromFixture(parseDescriptorFixture(text), name);
  cache.set(name, profile);
  return profile;
}

/** The built-in profiles. */
export function listProfiles(): ProfileInfo[] {
  return Object.keys(BUILTIN_FIXTURES).map((name) => {
    const p = builtin(name)!;
    const f = p.functions[0]!;
    return {
      name,
      vidPid: `${p.vendorId.toString(16).padStart(4, '0')}:${p.productId.toString(16).padStart(4, '0')}`,
      product: p.productName,
      slots: f.slotCount,
      busySlots: f.maxBusySlots,
      exchangeLevel: f.exchangeLevel,
      protocols: f.ccid.dwProtocols,
      synthetic: p.fixture.comments.some((c) => c.startsWith('synthetic reader')),
    };
  });
}

/**
 * A profile by built-in name, or from a parsed fixture (`parseDescriptorFixture`; in Node,
 * `loadProfileFile` of `src/sim/profiles-node.ts` reads one from disk).
 * @throws {ArgumentError} for an unknown name.
 * @throws {FixtureError} for a fixture without a CCID interface.
 */
export function loadProfile(source: string | DescriptorFixture, name?: string): ReaderProfile {
  if (typeof source !== 'string') return profileFromFixture(source, name);
  const p = builtin(source);
  if (p === undefined) throw new ArgumentError(`unknown reader profile "${source}" (built-in: ${Object.keys(BUILTIN_FIXTURES).join(', ')})`);
  return p;
}
