import { describe, expect, it } from 'vitest';
import { describeStatusWord, statusWordInfo } from '../../src/iso7816/status-words.ts';

describe('status words (ISO/IEC 7816-4 §5.6)', () => {
  it.each([
    [0x9000, 'normal processing', true, 'No further qualification (success)'],
    [0x6110, 'normal processing', true, '16 response bytes still available (send GET RESPONSE)'],
    [0x6100, 'normal processing', true, '256 response bytes still available (send GET RESPONSE)'],
    [0x6c08, 'checking error', false, 'Wrong Le field; exactly 8 data bytes available (re-send with that Le)'],
    [0x6282, 'warning processing', false, 'End of file or record reached before reading Ne bytes'],
    [0x63c2, 'warning processing', false, 'Counter = 2 (e.g. 2 retries left)'],
    [0x63c1, 'warning processing', false, 'Counter = 1 (e.g. 1 retry left)'],
    [0x6581, 'execution error', false, 'Memory failure'],
    [0x6700, 'checking error', false, 'Wrong length; no further indication'],
    [0x6884, 'checking error', false, 'Command chaining not supported'],
    [0x6982, 'checking error', false, 'Security status not satisfied'],
    [0x6a82, 'checking error', false, 'File or application not found'],
    [0x6b00, 'checking error', false, 'Wrong parameters P1-P2'],
    [0x6d00, 'checking error', false, 'Instruction code not supported or invalid'],
    [0x6e00, 'checking error', false, 'Class not supported'],
    [0x6f00, 'checking error', false, 'No precise diagnosis'],
    [0x6a99, 'checking error', false, 'Wrong parameters P1-P2 (SW2 = 99 has no interindustry meaning)'],
    [0x6210, 'warning processing', false, 'Triggering by the card'],
    [0x9101, 'proprietary', false, 'Proprietary (application-specific) status'],
    [0x9001, 'proprietary', false, 'Proprietary (application-specific) status'],
    [0x6000, 'invalid', false, 'Not a valid status word (SW1 must be 6X or 9X, ISO/IEC 7816-4 §5.6)'],
    [0x1234, 'invalid', false, 'Not a valid status word (SW1 must be 6X or 9X, ISO/IEC 7816-4 §5.6)'],
  ])('%s', (sw, category, success, text) => {
    const info = statusWordInfo(sw);
    expect(info.category).toBe(category);
    expect(info.success).toBe(success);
    expect(info.text).toBe(text);
  });

  it('formats for the CLI', () => {
    expect(describeStatusWord(0x6a82)).toBe('6A 82: File or application not found');
    expect(statusWordInfo(0x9000).hex).toBe('90 00');
  });
});
