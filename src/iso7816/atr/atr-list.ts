/**
 * The ATR list of pcsc-tools (`smartcard_list.txt`): card identification by ATR.
 *
 * Format: `#` comment lines; an entry is one ATR line followed by description lines
 * that start with a TAB; entries are separated by an empty line (a TAB line after an
 * empty line still belongs to the previous entry). The ATR line is upper-case hex bytes
 * separated by spaces and is in fact a regular expression matched against the whole
 * ATR written the same way, case-insensitively: `..` is any byte, `[6,E]` a character
 * class, and a few lines use `*`.
 *
 * Patterns are not handed to `RegExp`: they are compiled into a small automaton of
 * the subset the list uses (literal hex digits and spaces, `.`, `[...]` classes, and the
 * `*`, `+`, `?` quantifiers) and matched in O(pattern × ATR) time, so no line of a
 * list, however written, can make a match backtrack for long. Lines outside that
 * subset are reported in `rejected` and never match.
 */
import { toHex } from '../../util/hex.ts';

/** One card (or family) of the list. */
export interface AtrListEntry {
  /** The ATR line as written in the file. */
  readonly pattern: string;
  /** The description lines, without their leading TAB. */
  readonly descriptions: readonly string[];
  /** 1-based line number of the ATR line. */
  readonly line: number;
  /** True when the pattern is a plain ATR (hex bytes and spaces only). */
  readonly literal: boolean;
}

/** A pattern line that could not be compiled. */
export interface RejectedAtrPattern {
  readonly line: number;
  readonly pattern: string;
  readonly reason: string;
}

/** Longest pattern accepted, in characters: the longest ATR is 33 bytes = 98 characters, so this is generous. */
const MAX_PATTERN_LENGTH = 512;

/** One position of a compiled pattern: the characters it accepts and how often. */
interface Token {
  readonly accepts: Uint8Array;
  readonly min: 0 | 1;
  readonly repeat: boolean;
}

/** Compiles a pattern of the supported subset, or returns the reason it is not supported. */
function compilePattern(pattern: string): Token[] | string {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern longer than ${MAX_PATTERN_LENGTH} characters`;
  const upper = pattern.toUpperCase();
  const tokens: Token[] = [];
  let i = 0;
  while (i < upper.length) {
    const c = upper[i]!;
    const accepts = new Uint8Array(128);
    if (/[0-9A-F ]/.test(c)) {
      accepts[c.charCodeAt(0)] = 1;
      i++;
    } else if (c === '.') {
      accepts.fill(1);
      i++;
    } else if (c === '[') {
      const close = upper.indexOf(']', i + 1);
      if (close < 0) return `unclosed "[" at column ${i + 1}`;
      let body = upper.slice(i + 1, close);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body.length === 0) return `empty character class at column ${i + 1}`;
      for (let j = 0; j < body.length; j++) {
        const from = body.charCodeAt(j);
        if (from >= 128 || body[j] === '\\' || body[j] === '[') return `unsupported character "${body[j]}" in a class at column ${i + 2 + j}`;
        if (body[j + 1] === '-' && j + 2 < body.length) {
          const to = body.charCodeAt(j + 2);
          if (to < from || to >= 128) return `bad range "${body.slice(j, j + 3)}" at column ${i + 2 + j}`;
          accepts.fill(1, from, to + 1);
          j += 2;
        } else {
          accepts[from] = 1;
        }
      }
      if (negate) for (let k = 0; k < 128; k++) accepts[k] = accepts[k] ? 0 : 1;
      i = close + 1;
    } else {
      return `unsupported regular-expression syntax "${c}" at column ${i + 1}`;
    }
    const q = upper[i];
    if (q === '*' || q === '+' || q === '?') {
      tokens.push({ accepts, min: q === '+' ? 1 : 0, repeat: q !== '?' });
      i++;
      if (upper[i] === '*' || upper[i] === '+' || upper[i] === '?') return `nested quantifier at column ${i + 1}`;
    } else {
      tokens.push({ accepts, min: 1, repeat: false });
    }
  }
  return tokens;
}

/** Simulates the automaton of `tokens` on `text` (whole-string match): O(tokens × text). */
function matchTokens(tokens: readonly Token[], text: string): boolean {
  const m = tokens.length;
  let states = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const close = (set: Uint8Array) => {
    // Optional tokens may be skipped: reaching j also reaches j + 1.
    for (let j = 0; j < m; j++) if (set[j] && tokens[j]!.min === 0) set[j + 1] = 1;
  };
  states[0] = 1;
  close(states);
  for (let p = 0; p < text.length; p++) {
    const code = text.charCodeAt(p);
    if (code >= 128) return false;
    next.fill(0);
    let alive = false;
    for (let j = 0; j < m; j++) {
      const t = tokens[j]!;
      if (!states[j] || !t.accepts[code]) continue;
      next[j + 1] = 1;
      if (t.repeat) next[j] = 1;
      alive = true;
    }
    if (!alive) return false;
    close(next);
    [states, next] = [next, states];
  }
  return states[m] === 1;
}

/** A loaded ATR list: entries in file order, compiled for matching. */
export class AtrList {
  /** Every entry, in file order. */
  readonly entries: readonly AtrListEntry[];
  /** Pattern lines that use syntax outside the supported subset; they never match. */
  readonly rejected: readonly RejectedAtrPattern[];
  readonly #literal = new Map<string, number[]>();
  /** Compiled patterns; `length` is the text length they need when they have no quantifier (a cheap pre-check). */
  readonly #patterns: { index: number; tokens: Token[]; length: number | null }[] = [];

  constructor(entries: readonly AtrListEntry[]) {
    this.entries = entries;
    const rejected: RejectedAtrPattern[] = [];
    entries.forEach((entry, index) => {
      const key = entry.pattern.toUpperCase();
      if (entry.literal) {
        const list = this.#literal.get(key);
        if (list === undefined) this.#literal.set(key, [index]);
        else list.push(index);
        return;
      }
      const compiled = compilePattern(entry.pattern);
      if (typeof compiled === 'string') rejected.push({ line: entry.line, pattern: entry.pattern, reason: compiled });
      else this.#patterns.push({ index, tokens: compiled, length: compiled.every((t) => t.min === 1 && !t.repeat) ? compiled.length : null });
    });
    this.rejected = rejected;
  }

  /** The entries whose pattern matches the whole ATR, in file order. */
  match(atr: Uint8Array): AtrListEntry[] {
    const text = toHex(atr);
    const hits = new Set<number>(this.#literal.get(text) ?? []);
    for (const { index, tokens, length } of this.#patterns) {
      if ((length === null || length === text.length) && matchTokens(tokens, text)) hits.add(index);
    }
    return [...hits].sort((a, b) => a - b).map((i) => this.entries[i]!);
  }
}

/** Parses the text of a `smartcard_list.txt`. Never throws; bad patterns end up in `rejected`. */
export function parseAtrList(text: string): AtrList {
  const entries: { pattern: string; descriptions: string[]; line: number; literal: boolean }[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, n) => {
    if (raw.startsWith('#')) return;
    if (raw.startsWith('\t')) {
      // A description, possibly after an empty line: it belongs to the previous entry.
      const last = entries[entries.length - 1];
      if (last !== undefined) last.descriptions.push(raw.slice(1).trimEnd());
      return;
    }
    const pattern = raw.trim();
    if (pattern === '') return;
    entries.push({ pattern, descriptions: [], line: n + 1, literal: /^[0-9A-Fa-f]{2}( [0-9A-Fa-f]{2})*$/.test(pattern) });
  });
  return new AtrList(entries);
}

/** The entries of `list` that match `atr`, in file order. */
export function matchAtr(list: AtrList, atr: Uint8Array): AtrListEntry[] {
  return list.match(atr);
}

/** The description lines of every entry that matches `atr`, in file order (empty when the card is unknown). */
export function identifyAtr(list: AtrList, atr: Uint8Array): string[] {
  return list.match(atr).flatMap((e) => e.descriptions);
}
