/**
 * Fake `SlotExchange`s for the ISO 7816 unit tests: they stand where the CCID engine
 * stands and never touch USB (STYLE practice 10). Every call is recorded.
 */
import type { SlotExchange, XfrOptions, XfrResult } from '../../../src/ccid/exchange.ts';
import { CancelledError } from '../../../src/errors.ts';

/** One recorded xfrBlock call. */
export interface XfrCall {
  readonly data: Uint8Array;
  readonly options: XfrOptions;
}

/** What a handler may answer: bytes (bChainParameter 0), a full result, or an error to throw. */
export type FakeAnswer = Uint8Array | XfrResult | Error;

/** A SlotExchange driven by a handler function; `calls` keeps every request. */
export class FakeExchange implements SlotExchange {
  readonly calls: XfrCall[] = [];
  constructor(private readonly handler: (data: Uint8Array, options: XfrOptions, index: number) => FakeAnswer) {}

  async xfrBlock(data: Uint8Array, options: XfrOptions = {}): Promise<XfrResult> {
    const index = this.calls.length;
    this.calls.push({ data: data.slice(), options: { ...options } });
    // As the engine does (exchange.ts: the signal cancels the exchange).
    if (options.signal?.aborted) throw new CancelledError('exchange cancelled', { cause: options.signal.reason });
    const answer = this.handler(data.slice(), options, index);
    if (answer instanceof Error) throw answer;
    if (answer instanceof Uint8Array) return { data: answer, bChainParameter: 0 };
    return answer;
  }
}

/** A SlotExchange that replays a fixed script of answers and fails loudly when it runs out. */
export function scripted(answers: FakeAnswer[]): FakeExchange {
  return new FakeExchange((_data, _options, index) => {
    const answer = answers[index];
    if (answer === undefined) throw new Error(`script exhausted at call ${index}`);
    return answer;
  });
}
