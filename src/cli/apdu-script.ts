/**
 * The APDU script format of `ccid script FILE`: scriptor's (pcsc-tools) with expected
 * answers, so a script is also a test. One item per line:
 *
 * ```
 * # Hello world on the PC/SC sample applet     ← comment (# or //), blank lines ignored
 * reset                                        ← cold reset the first time, warm after
 * reset cold                                   ← power off, then power on
 * 00 A4 04 00 0A A0000000620301 0C0601  # expect 90 00
 * 00 00 00 00                           # expect 48656C6C6F20776F726C6421 9000
 * > 00 C0 00 00 0C                             ← a leading ">" (a scriptor transcript) is allowed
 * < 61 XX : Response bytes still available     ← expected answer of the APDU above
 * 00 B0 00 00 09  # expect 90 00 | 62 82       ← alternatives
 * exit                                         ← stop here (scriptor's "exit" / "quit")
 * ```
 *
 * An APDU line is hex (any spacing, upper or lower case); it is checked to be a well-formed
 * command APDU (ISO/IEC 7816-4 §5.1) before anything is sent. An expectation is written
 * either in the APDU line's comment, starting with `expect`, or on the next line starting
 * with `<` (text after ` : ` is ignored, as scriptor prints it there). Exactly two bytes
 * expect the status word only (the data is not checked); more bytes expect the whole
 * response, data then SW1 SW2. `XX` or `??` matches any byte. `|` separates alternatives.
 */
import { ArgumentError, CcidError } from '../errors.ts';
import { parseCommandApdu } from '../iso7816/apdu.ts';
import { fromHex, hexByte, toHex } from '../util/hex.ts';

/** One accepted answer: bytes to compare (`null` = any byte). */
export interface ResponsePattern {
  /** Expected bytes, `null` for a wildcard. */
  readonly bytes: readonly (number | null)[];
  /** True when only SW1 SW2 are compared (the pattern has two bytes). */
  readonly swOnly: boolean;
  /** The pattern as written, normalised (`90 00`, `61 XX`). */
  readonly text: string;
}

/** What an APDU must answer: any one of the alternatives. */
export interface Expectation {
  readonly alternatives: readonly ResponsePattern[];
}

/** A step of a script. */
export type ScriptStep =
  | { readonly kind: 'apdu'; readonly line: number; readonly apdu: Uint8Array; expect?: Expectation }
  | { readonly kind: 'reset'; readonly line: number; readonly mode: 'auto' | 'cold' | 'warm' }
  | { readonly kind: 'exit'; readonly line: number };

function stripComment(text: string): { code: string; comment: string | undefined } {
  const hash = text.indexOf('#');
  const slashes = text.indexOf('//');
  const cut = [hash, slashes].filter((i) => i >= 0).sort((a, b) => a - b)[0];
  if (cut === undefined) return { code: text, comment: undefined };
  const comment = text.slice(cut).replace(/^(#|\/\/)/, '').trim();
  return { code: text.slice(0, cut), comment };
}

function parsePattern(text: string, where: string): ResponsePattern {
  const clean = text.replace(/\s+/g, '').toUpperCase();
  if (clean === '' || clean.length % 2 !== 0) throw new ArgumentError(`${where}: expected answer "${text.trim()}" is not whole bytes of hex`);
  const bytes: (number | null)[] = [];
  for (let i = 0; i < clean.length; i += 2) {
    const pair = clean.slice(i, i + 2);
    if (pair === 'XX' || pair === '??') bytes.push(null);
    else if (/^[0-9A-F]{2}$/.test(pair)) bytes.push(parseInt(pair, 16));
    else throw new ArgumentError(`${where}: "${pair}" in the expected answer is not a hex byte, XX or ??`);
  }
  if (bytes.length < 2) throw new ArgumentError(`${where}: an expected answer has at least the two status bytes SW1 SW2`);
  return { bytes, swOnly: bytes.length === 2, text: bytes.map((b) => (b === null ? 'XX' : hexByte(b))).join(' ') };
}

function parseExpectation(text: string, where: string): Expectation {
  return { alternatives: text.split('|').map((alt) => parsePattern(alt, where)) };
}

/**
 * Parses a script. `name` is used in messages (`hello.apdu:3: ...`).
 * @throws {ArgumentError} naming the line of the first error.
 */
export function parseScript(text: string, name = 'script'): ScriptStep[] {
  const steps: ScriptStep[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const where = `${name}:${line}`;
    const trimmed = raw.trim();
    if (trimmed.startsWith('<')) {
      const last = steps[steps.length - 1];
      if (last?.kind !== 'apdu') throw new ArgumentError(`${where}: an expected answer ("<") must follow an APDU`);
      if (last.expect !== undefined) throw new ArgumentError(`${where}: the APDU of line ${last.line} already has an expected answer`);
      last.expect = parseExpectation(stripComment(trimmed.slice(1).split(' : ')[0]!).code, where);
      continue;
    }
    const { code, comment } = stripComment(trimmed);
    const word = code.trim().toLowerCase();
    if (word === '') continue;
    const reset = /^reset(?:\s+(cold|warm))?$/.exec(word);
    if (reset !== null) {
      steps.push({ kind: 'reset', line, mode: (reset[1] as 'cold' | 'warm' | undefined) ?? 'auto' });
      continue;
    }
    if (word === 'exit' || word === 'quit') {
      steps.push({ kind: 'exit', line });
      break;
    }
    let apdu: Uint8Array;
    try {
      apdu = parseCommandApdu(fromHex(code.trim().replace(/^>\s*/, ''))).raw;
    } catch (error) {
      if (!(error instanceof CcidError)) throw error;
      throw new ArgumentError(`${where}: not a command APDU (${error.message}); lines are hex APDUs, "reset [cold|warm]", "exit", "< answer" or comments`, { cause: error });
    }
    const expect = /^expect\b/i.test(comment ?? '') ? parseExpectation(comment!.replace(/^expect\s*:?/i, ''), where) : undefined;
    steps.push(expect === undefined ? { kind: 'apdu', line, apdu } : { kind: 'apdu', line, apdu, expect });
  }
  return steps;
}

/** True when `response` (data then SW1 SW2) fits `pattern`. */
export function matchesPattern(pattern: ResponsePattern, response: Uint8Array): boolean {
  const compared = pattern.swOnly ? response.subarray(Math.max(0, response.length - 2)) : response;
  if (compared.length !== pattern.bytes.length) return false;
  return pattern.bytes.every((b, i) => b === null || b === compared[i]);
}

/** True when `response` fits one of the alternatives. */
export function meetsExpectation(expect: Expectation, response: Uint8Array): boolean {
  return expect.alternatives.some((p) => matchesPattern(p, response));
}

/** The expectation as written, normalised: `90 00 | 62 82`. */
export function expectationText(expect: Expectation): string {
  return expect.alternatives.map((p) => p.text).join(' | ');
}

/** Hex of a response for messages (data and status word). */
export function responseText(response: Uint8Array): string {
  return toHex(response);
}
