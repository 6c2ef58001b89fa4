/**
 * Plain random mutation (the AFL repertoire, without coverage feedback): bit flips, byte
 * sets to interesting values, little- and big-endian 16/32-bit boundary values (the
 * length fields of every format we parse are one of those), block deletion, duplication,
 * insertion, splicing with another seed, truncation. Output length is capped, so a
 * mutated input never grows without bound.
 *
 * Also available as a fast-check arbitrary ({@link mutatedFrom}) whose shrinker drops
 * edits, so a failure found through fast-check shrinks to few edits of one seed.
 */
import fc from 'fast-check';
import { Prng } from './prng.ts';

/** Byte values that sit on boundaries (signed/unsigned limits, ASCII digits and spaces). */
const INTERESTING_8 = [0x00, 0x01, 0x02, 0x09, 0x0a, 0x0d, 0x10, 0x1f, 0x20, 0x30, 0x3b, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff];
/** 16/32-bit values: lengths 0, ±1 around powers of two, dwMaxCCIDMessageLength-like sizes. */
const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x101, 0x10f, 0x3ff, 0x400, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Options of {@link mutateBytes}. */
export interface MutateOptions {
  /** Largest output. */
  readonly maxLength: number;
  /** Other inputs to splice from. */
  readonly splice?: readonly Uint8Array[];
  /** Tokens of the format (magic numbers, message types...) to drop in. */
  readonly dictionary?: readonly Uint8Array[];
  /** Number of stacked mutations: 1 to this. @default 6 */
  readonly maxStack?: number;
}

function put(out: number[], at: number, value: number, width: 2 | 4, little: boolean): void {
  for (let i = 0; i < width; i++) {
    const shift = little ? i * 8 : (width - 1 - i) * 8;
    if (at + i < out.length) out[at + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

/** One stacked mutation of `input` (a new array; the input is untouched). */
export function mutateBytes(input: Uint8Array, rng: Prng, options: MutateOptions): Uint8Array {
  const out = Array.from(input);
  const stack = 1 + rng.int(options.maxStack ?? 6);
  for (let s = 0; s < stack; s++) {
    const n = out.length;
    const at = rng.int(n);
    switch (rng.int(12)) {
      case 0: // flip one bit
        if (n > 0) out[at]! ^= 1 << rng.int(8);
        break;
      case 1: // random byte
        if (n > 0) out[at] = rng.int(256);
        break;
      case 2: // interesting byte
        if (n > 0) out[at] = rng.pick(INTERESTING_8);
        break;
      case 3: // interesting 16/32-bit value, either byte order
        if (n > 0) put(out, at, rng.pick(INTERESTING_32), rng.chance(0.5) ? 2 : 4, rng.chance(0.7));
        break;
      case 4: // add or subtract a small amount
        if (n > 0) out[at] = (out[at]! + rng.int(35) - 17) & 0xff;
        break;
      case 5: // delete a block
        if (n > 0) out.splice(at, 1 + rng.int(Math.min(n - at, 32)));
        break;
      case 6: // duplicate a block
        if (n > 0) out.splice(rng.int(n + 1), 0, ...out.slice(at, at + 1 + rng.int(Math.min(n - at, 32))));
        break;
      case 7: // insert random bytes
        out.splice(rng.int(n + 1), 0, ...rng.bytes(1 + rng.int(16)));
        break;
      case 8: // truncate
        out.length = rng.int(n + 1);
        break;
      case 9: {
        // splice in part of another seed
        const other = options.splice !== undefined && options.splice.length > 0 ? rng.pick(options.splice) : undefined;
        if (other !== undefined && other.length > 0) {
          const from = rng.int(other.length);
          out.splice(rng.int(n + 1), rng.int(Math.max(1, n - at)), ...other.subarray(from, from + 1 + rng.int(64)));
        }
        break;
      }
      case 10: {
        // overwrite with a dictionary token
        const token = options.dictionary !== undefined && options.dictionary.length > 0 ? rng.pick(options.dictionary) : undefined;
        if (token !== undefined) for (let i = 0; i < token.length; i++) if (at + i < out.length) out[at + i] = token[i]!;
        break;
      }
      default: // swap two bytes
        if (n > 1) {
          const b = rng.int(n);
          const t = out[at]!;
          out[at] = out[b]!;
          out[b] = t;
        }
    }
    if (out.length > options.maxLength) out.length = options.maxLength;
  }
  return Uint8Array.from(out);
}

/** Lines of a text, mutated: lines deleted, duplicated, swapped, cut; characters changed. */
export function mutateText(input: string, rng: Prng, maxLength: number): string {
  const lines = input.split('\n');
  const stack = 1 + rng.int(4);
  for (let s = 0; s < stack; s++) {
    const i = rng.int(lines.length);
    const line = lines[i] ?? '';
    switch (rng.int(7)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(rng.int(lines.length + 1), 0, line);
        break;
      case 2:
        lines[i] = line.slice(0, rng.int(line.length + 1));
        break;
      case 3: {
        const at = rng.int(line.length + 1);
        lines[i] = line.slice(0, at) + rng.pick([' ', '  ', ':', '\r', '#', '0', 'zz', 'ff', '256', '-1', 'error ', '\t', 'é', '\u0000']) + line.slice(at);
        break;
      }
      case 4: {
        const at = rng.int(line.length);
        lines[i] = line.slice(0, at) + String.fromCharCode(32 + rng.int(95)) + line.slice(at + 1);
        break;
      }
      case 5: {
        const bytes = mutateBytes(new TextEncoder().encode(line), rng, { maxLength: 512, maxStack: 2 });
        lines[i] = new TextDecoder().decode(bytes);
        break;
      }
      default:
        lines.splice(rng.int(lines.length + 1), 0, rng.pick(['device:', 'configuration:', 'string 1: x', 'clock-frequencies 0: error', 'data-rates 0: 00', 'string 0: x', 'string 999: x']));
    }
  }
  const text = lines.join('\n');
  return text.length > maxLength ? text.slice(0, maxLength) : text;
}

/** fast-check form: a seed and a list of byte edits (shrinks to fewer edits, then a shorter cut). */
export function mutatedFrom(seeds: readonly Uint8Array[], maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      seed: fc.constantFrom(...seeds),
      edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), insert: fc.boolean() }), { maxLength: 8 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ seed, edits, cut }) => {
      const out = Array.from(seed.subarray(0, cut === undefined ? undefined : cut % (seed.length + 1)));
      for (const e of edits) {
        if (e.insert) out.splice(e.at % (out.length + 1), 0, e.value);
        else if (out.length > 0) out[e.at % out.length] = e.value;
      }
      return Uint8Array.from(out.slice(0, maxLength));
    });
}
