/**
 * `ccid script [--reader R] [--slot N] FILE`: runs an APDU script (the format is in
 * `../apdu-script.ts`: scriptor's, plus expected answers) on a card, prints each exchange
 * as `ccid apdu` does with ✓ / ✗ against the expected answer, and a summary at the end.
 * The whole script is parsed before the first APDU is sent, so a typo on line 40 does
 * not leave a card half-personalised. `-` reads the script from standard input.
 *
 * Exit codes: 0 every expectation met; 1 an answer did not match (the script goes on,
 * unless `--stop-on-mismatch`), a script syntax error (nothing is sent), or no reader /
 * no card / a transmission failure (the script stops there).
 *
 * `--json`: one object per step (`{"line":3,"command":"00A4…","response":"","sw":"9000",
 * "expected":"90 00","ok":true}`, `{"line":1,"reset":"cold","atr":"3B…"}`), then
 * `{"summary":{"apdus":4,"checked":3,"passed":3,"failed":0}}`.
 */
import { readFile } from 'node:fs/promises';
import { ArgumentError } from '../../errors.ts';
import type { Slot } from '../../reader/index.ts';
import { toHex } from '../../util/hex.ts';
import { expectationText, meetsExpectation, parseScript, type ScriptStep } from '../apdu-script.ts';
import type { Command } from '../command.ts';
import { READER_OPTIONS, formatCommand, formatResponse, openSlot, sessionLine, swHex } from '../open-reader.ts';
import { jsonLine, style, withProgress, type Output } from '../output.ts';

/** Counters of a run. */
export interface ScriptSummary {
  /** APDUs sent. */
  apdus: number;
  /** APDUs that had an expected answer. */
  checked: number;
  passed: number;
  failed: number;
  /** Line of the step that failed with an error (the script stopped there). */
  stoppedAt?: number;
  /** `--stop-on-mismatch`. */
  readonly stopOnMismatch: boolean;
}

async function readScript(path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ArgumentError(`cannot read the script ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function reset(slot: Slot, mode: 'auto' | 'cold' | 'warm', powered: boolean, out: Output, json: boolean, line: number): Promise<void> {
  const warm = mode === 'warm' || (mode === 'auto' && powered);
  if (mode === 'cold' && powered) await slot.powerOff();
  const session = await slot.powerOn({ warm });
  if (json) out.line(jsonLine({ line, reset: warm ? 'warm' : 'cold', atr: toHex(session.atr, ''), protocol: session.protocol }));
  else out.line(style(out, 'dim', `${warm ? 'warm' : 'cold'} reset — ${sessionLine(slot, session)}`));
}

async function runSteps(steps: readonly ScriptStep[], slot: Slot, out: Output, json: boolean, summary: ScriptSummary): Promise<ScriptSummary> {
  let powered = false;
  for (const step of steps) {
    if (step.kind === 'exit') break;
    try {
      if (!(await runStep(step, slot, out, json, summary, powered))) break;
    } catch (error) {
      summary.stoppedAt = step.line;
      throw error;
    } finally {
      powered ||= step.kind === 'reset' || summary.apdus > 0;
    }
  }
  return summary;
}

/** Runs one step; false when the script must stop (a mismatch with --stop-on-mismatch). */
async function runStep(step: Exclude<ScriptStep, { kind: 'exit' }>, slot: Slot, out: Output, json: boolean, summary: ScriptSummary, powered: boolean): Promise<boolean> {
  if (step.kind === 'reset') {
    await reset(slot, step.mode, powered, out, json, step.line);
    return true;
  }
  if (!powered) await reset(slot, 'cold', false, out, json, step.line);
  const started = performance.now();
  const response = await withProgress(out, `waiting for the card's answer (line ${step.line})`, () => slot.transmit(step.apdu));
  const elapsed = performance.now() - started;
  summary.apdus++;
  const ok = step.expect === undefined ? undefined : meetsExpectation(step.expect, response.raw);
  if (ok !== undefined) {
    summary.checked++;
    if (ok) summary.passed++;
    else summary.failed++;
  }
  if (json) {
    out.line(
      jsonLine({
        line: step.line,
        command: toHex(step.apdu, ''),
        response: toHex(response.data, ''),
        sw: swHex(response.sw),
        ...(step.expect === undefined ? {} : { expected: expectationText(step.expect), ok }),
      }),
    );
  } else {
    out.line(style(out, 'cyan', `${formatCommand(step.apdu)}`) + style(out, 'dim', `   (line ${step.line})`));
    for (const line of formatResponse(out, response.data, response.sw, elapsed)) out.line(line);
    if (ok === true) out.line(style(out, 'green', `  ✓ expected ${expectationText(step.expect!)}`));
    if (ok === false) out.line(style(out, 'red', `  ✗ MISMATCH: expected ${expectationText(step.expect!)}, got ${toHex(response.raw)}`));
  }
  return !(ok === false && summary.stopOnMismatch);
}

function printSummary(out: Output, json: boolean, summary: ScriptSummary, path: string): void {
  const { stopOnMismatch: _, ...counts } = summary;
  if (json) {
    out.line(jsonLine({ summary: counts }));
    return;
  }
  const stopped = summary.stoppedAt === undefined ? '' : `; stopped by an error at ${path}:${summary.stoppedAt}`;
  const text = `${summary.apdus} APDU${summary.apdus === 1 ? '' : 's'} sent, ${summary.checked} checked: ${summary.passed} passed, ${summary.failed} failed${stopped}`;
  out.line('');
  out.line(style(out, summary.failed === 0 && summary.stoppedAt === undefined ? 'green' : 'red', text));
}

/** The `script` command. */
export const scriptCommand: Command = {
  name: 'script',
  usage: '[--reader R] [--slot N] [--stop-on-mismatch] [--json] FILE|-',
  summary: 'run an APDU script (scriptor format with expected answers); non-zero exit on mismatch',
  options: [...READER_OPTIONS, { name: 'stop-on-mismatch', description: 'stop at the first answer that does not match' }],
  async run(args, out) {
    const json = args.options.has('json');
    const path = args.positionals[0];
    if (path === undefined || args.positionals.length > 1) throw new ArgumentError('give one script file (or - for standard input); its format is in the README section "ccid script"');
    const steps = parseScript(await readScript(path), path);
    if (!steps.some((s) => s.kind === 'apdu')) throw new ArgumentError(`${path}: no APDU in the script`);
    const opened = await openSlot(args.options, out, 'script');
    if (opened === undefined) return 1;
    const { reader, slot } = opened;
    const summary: ScriptSummary = { apdus: 0, checked: 0, passed: 0, failed: 0, stopOnMismatch: args.options.has('stop-on-mismatch') };
    try {
      await runSteps(steps, slot, out, json, summary);
      await slot.powerOff().catch(() => undefined);
    } finally {
      await reader.close().catch(() => undefined);
      printSummary(out, json, summary, path);
    }
    return summary.failed === 0 ? 0 : 1;
  },
};
