/**
 * The card's seeded pseudo-random generator (mulberry32): deterministic, so a test or
 * the oracle can predict GET CHALLENGE answers from the seed. Not for cryptography.
 */

/** A stream of pseudo-random bytes. */
export interface Prng {
  /** The next `count` bytes. */
  bytes(count: number): Uint8Array;
}

/** A generator seeded with `seed` (any integer; only the low 32 bits count). */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    bytes(count: number): Uint8Array {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i += 4) {
        const word = next32();
        for (let k = 0; k < 4 && i + k < count; k++) out[i + k] = (word >>> (8 * k)) & 0xff;
      }
      return out;
    },
  };
}

/**
 * `length` bytes of a seed-dependent pattern (what GET DATA returns): byte i depends on
 * the seed and on i, so a response routed to the wrong slot, or a chunk delivered at the
 * wrong offset, does not compare equal.
 */
export function patternBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const s = Math.imul(seed >>> 0, 0x9e3779b1) >>> 0;
  for (let i = 0; i < length; i++) {
    let x = (s ^ Math.imul(i + 1, 0x85ebca77)) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae3d) >>> 0;
    out[i] = (x ^ (x >>> 16)) & 0xff;
  }
  return out;
}
