/**
 * The fuzzer's random source: sfc32 seeded per case from `(seed, index)`, so that any case
 * of any run can be regenerated from two numbers (the runner prints them; a hung case is
 * rebuilt in the parent from the index the child last reported).
 *
 * It implements pure-rand 8's `RandomGenerator` shape (`next`, `clone`, `getState`), which
 * is what `new fc.Random(...)` accepts, so the same generator drives fast-check
 * arbitraries and the plain mutators.
 */

/** splitmix32 step: spreads a seed over 32 bits. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [(z ^ (z >>> 16)) | 0, next];
}

/** A small fast seeded generator (sfc32) with the helpers the mutators need. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** The generator of case `index` of a run seeded with `seed`. */
  static forCase(seed: number, index: number): Prng {
    let s = (seed ^ Math.imul(index, 0x27d4eb2d)) | 0;
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [v, n] = splitmix32(s ^ (i === 0 ? index : 0));
      out.push(v);
      s = n;
    }
    const g = new Prng(out[0]!, out[1]!, out[2]!, out[3]!);
    for (let i = 0; i < 8; i++) g.next();
    return g;
  }

  /** A signed 32-bit value (pure-rand 8 contract). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t;
  }

  /** An independent copy. */
  clone(): Prng {
    return new Prng(this.a, this.b, this.c, this.d);
  }

  /** The state (pure-rand contract). */
  getState(): readonly number[] {
    return [this.a, this.b, this.c, this.d];
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : (this.next() >>> 0) % n;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return (this.next() >>> 0) / 0x1_0000_0000 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }

  /** A length in [0, max], biased towards small values and the edges. */
  length(max: number): number {
    const r = this.int(8);
    if (r === 0) return 0;
    if (r === 1) return max;
    if (r < 5) return this.int(Math.min(max, 16) + 1);
    return this.int(max + 1);
  }
}
