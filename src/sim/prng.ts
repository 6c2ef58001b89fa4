/**
 * A small seeded pseudo-random generator (xorshift32) for fault injection: the same seed
 * gives the same faults at the same opportunities, so a failing test replays exactly.
 * Not for anything that needs unpredictability.
 */
export class SeededRandom {
  private state: number;

  /** @param seed any integer; 0 is mapped to a fixed non-zero state (xorshift needs one). */
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Next value in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 0x100000000;
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}
