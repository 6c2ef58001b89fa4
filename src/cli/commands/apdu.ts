/**
 * `ccid apdu [--reader R] [--slot N] HEX...`: powers the card on, sends each APDU in turn,
 * and prints each response: the data as hex grouped by bytes with printable ASCII, the
 * status word and its meaning (ISO/IEC 7816-4 §5.6), the time it took. The card is
 * powered off at the end. Each argument is one APDU (`00A4040000`, or quoted with spaces:
 * `"00 A4 04 00 00"`); when every argument is a single byte (`ccid apdu 00 A4 04 00 00`),
 * they make one APDU together.
 *
 * `--json`: one object per APDU, `{"command":"00A4...","response":"4865...","sw":"9000"}`
 * (hex without separators; `response` is the data field without SW1 SW2), preceded by one
 * `{"reader":...,"slot":...,"atr":...,"protocol":...}` object for the card session.
 *
 * Exit codes: 0 every APDU was answered (whatever the status word); 1 no reader, no card,
 * a transmission failure, or a malformed APDU (nothing is sent then).
 */
import { ArgumentError, CcidError } from '../../errors.ts';
import { parseCommandApdu } from '../../iso7816/apdu.ts';
import { fromHex, toHex } from '../../util/hex.ts';
import type { Command } from '../command.ts';
import { READER_OPTIONS, formatCommand, formatResponse, openSlot, sessionLine, swHex } from '../open-reader.ts';
import { jsonLine, style, withProgress } from '../output.ts';

/** Parses the APDU arguments, each a well-formed command APDU. @throws {ArgumentError} naming the bad one. */
export function parseApduArguments(words: readonly string[]): Uint8Array[] {
  if (words.length === 0) throw new ArgumentError('give at least one APDU in hex, e.g. ccid apdu 00A404000AA00000006203010C0601 00000000');
  const oneApdu = words.length > 1 && words.every((w) => /^[0-9a-f]{2}$/i.test(w));
  return (oneApdu ? [words.join('')] : words).map((word, i) => {
    try {
      return parseCommandApdu(fromHex(word)).raw;
    } catch (error) {
      if (!(error instanceof CcidError)) throw error;
      throw new ArgumentError(`APDU ${i + 1} ("${word}") is not a command APDU: ${error.message}. Give one APDU per argument (quote it if it has spaces).`, { cause: error });
    }
  });
}

/** The `apdu` command. */
export const apduCommand: Command = {
  name: 'apdu',
  usage: '[--reader R] [--slot N] [--json] HEX...',
  summary: 'send APDUs to a card and show the responses (hex, ASCII, status word meaning)',
  options: READER_OPTIONS,
  async run(args, out) {
    const json = args.options.has('json');
    const apdus = parseApduArguments(args.positionals);
    const opened = await openSlot(args.options, out, 'apdu');
    if (opened === undefined) return 1;
    const { reader, slot } = opened;
    try {
      const session = await withProgress(out, `powering on the card in slot ${slot.index}`, () => slot.powerOn());
      if (json) {
        out.line(jsonLine({ reader: reader.name, slot: slot.index, atr: toHex(session.atr, ''), protocol: session.protocol }));
      } else {
        out.line(style(out, 'dim', sessionLine(slot, session)));
      }
      for (const [i, apdu] of apdus.entries()) {
        const started = performance.now();
        const response = await withProgress(out, `waiting for the card's answer to APDU ${i + 1} of ${apdus.length}`, () => slot.transmit(apdu));
        const elapsed = performance.now() - started;
        if (json) {
          out.line(jsonLine({ command: toHex(apdu, ''), response: toHex(response.data, ''), sw: swHex(response.sw) }));
        } else {
          out.line(style(out, 'cyan', formatCommand(apdu)));
          for (const line of formatResponse(out, response.data, response.sw, elapsed)) out.line(line);
        }
      }
      await slot.powerOff().catch(() => undefined);
      return 0;
    } finally {
      await reader.close().catch(() => undefined);
    }
  },
};
