/**
 * The post-ATR plan (src/reader/negotiation.ts) as a pure function: who negotiates for
 * each dwFeatures combination, which protocol and Fi/Di, and the SetParameters structures
 * (CCID 1.1 §6.1.7, Tables 6.1-8 and 6.1-9) built from real ATRs.
 */
import { describe, expect, it } from 'vitest';
import { parseDescriptorSet } from '../../src/descriptors/index.ts';
import { NotSupportedError } from '../../src/errors.ts';
import { parseAtr } from '../../src/iso7816/atr/parse.ts';
import { applyQuirks, parametersFromInterface } from '../../src/readers/index.ts';
import type { Quirk } from '../../src/readers/index.ts';
import { planNegotiation, protocolDataFor } from '../../src/reader/negotiation.ts';
import { synthesizeFixture, type SyntheticReaderSpec } from '../../src/sim/index.ts';
import { fromHex } from '../../src/util/hex.ts';

function interfaceOf(spec: Omit<SyntheticReaderSpec, 'name' | 'slots'>) {
  const f = synthesizeFixture({ name: 'x', slots: 1, ...spec });
  return parseDescriptorSet(f).interfaces[0]!;
}

function plan(spec: Omit<SyntheticReaderSpec, 'name' | 'slots'>, atrHex: string, extra: { preferred?: 0 | 1; pps?: boolean; quirks?: Quirk[] } = {}) {
  const itf = interfaceOf(spec);
  const quirks = extra.quirks ?? [];
  return planNegotiation({
    itf,
    parameters: applyQuirks(parametersFromInterface(itf), quirks).parameters,
    quirks,
    atr: parseAtr(fromHex(atrHex)),
    clockKhz: itf.ccid.defaultClockKhz,
    preferred: extra.preferred,
    pps: extra.pps,
  });
}

/** T=0 and T=1 offered, TA1 = 13 (Fi 372, Di 4), TB3 45. */
const BOTH_TA1_13 = '3B F9 13 00 00 80 81 31 FE 45 4A 43 4F 50 76 32 34 31 36';
/** JCOP T=1 only, TA1 = 13. */
const JCOP = '3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7';

describe('planNegotiation', () => {
  it('chooses who runs the PPS from dwFeatures', () => {
    expect(plan({ level: 'tpdu', features: 0x30 }, JCOP)).toMatchObject({ protocol: 1, fiDi: 0x13, mode: 'host-pps', ppsNeeded: true, setParameters: true });
    expect(plan({ level: 'tpdu', features: 0xb0 }, JCOP)).toMatchObject({ mode: 'reader-pps', fiDi: 0x13 });
    expect(plan({ level: 'tpdu', features: 0x70 }, JCOP)).toMatchObject({ mode: 'reader-negotiates', setParameters: false });
    expect(plan({ level: 'short-apdu', features: 0x30 }, JCOP)).toMatchObject({ mode: 'set-parameters-only' });
    expect(plan({ level: 'character', features: 0 }, JCOP)).toMatchObject({ mode: 'none' });
  });

  it('keeps Fd/Dd and sends no SetParameters when nothing changes and the reader configures itself (0x02)', () => {
    expect(plan({ level: 'tpdu', features: 0x32 }, '3B 02 14 50')).toMatchObject({ protocol: 0, fiDi: 0x11, mode: 'none', ppsNeeded: false, setParameters: false });
    expect(plan({ level: 'tpdu', features: 0x30 }, '3B 02 14 50')).toMatchObject({ mode: 'none', setParameters: true });
  });

  it('bounds Fi/Di by the reader: dwMaxDataRate and the GET_DATA_RATES list', () => {
    // 4 MHz · 4 / 372 = 43011 bps: above a 20000 bps maximum, so Di 2 (21505 bps) is the fastest allowed.
    expect(plan({ level: 'tpdu', features: 0x30, maxDataRate: 25000 }, JCOP).fiDi).toBe(0x12);
    expect(plan({ level: 'tpdu', features: 0x30, dataRatesBps: [10753, 21505] }, JCOP).fiDi).toBe(0x12);
    // A dataRateLimit quirk caps it too.
    const limit: Quirk = { kind: 'dataRateLimit', maxBps: 11000, slots: 'all', reason: 'test' };
    expect(plan({ level: 'tpdu', features: 0x30 }, JCOP, { quirks: [limit] })).toMatchObject({ fiDi: 0x11, protocol: 1, ppsNeeded: false });
  });

  it('takes the first offered protocol unless the caller prefers another one both sides have', () => {
    expect(plan({ level: 'tpdu', features: 0x30 }, BOTH_TA1_13)).toMatchObject({ protocol: 0, defaultProtocol: 0 });
    expect(plan({ level: 'tpdu', features: 0x30 }, BOTH_TA1_13, { preferred: 1 })).toMatchObject({ protocol: 1, defaultProtocol: 0, ppsNeeded: true });
    expect(plan({ level: 'tpdu', features: 0x30, protocols: 1 }, BOTH_TA1_13, { preferred: 1 })).toMatchObject({ protocol: 0 }); // dwProtocols 1: T=0 only
    // No PPS: the default protocol and Fd/Dd.
    expect(plan({ level: 'tpdu', features: 0x30 }, BOTH_TA1_13, { preferred: 1, pps: false })).toMatchObject({ protocol: 0, fiDi: 0x11, ppsNeeded: false });
    const noPps: Quirk = { kind: 'noPps', reason: 'test' };
    expect(plan({ level: 'tpdu', features: 0x30 }, JCOP, { quirks: [noPps] })).toMatchObject({ fiDi: 0x11, ppsNeeded: false });
  });

  it('refuses a card whose only protocol the reader lacks, and follows specific mode (TA2)', () => {
    expect(() => plan({ level: 'tpdu', features: 0x30, protocols: 2 }, '3B 02 14 50')).toThrow(NotSupportedError); // dwProtocols 2: T=1 only
    // TD1 11, TA2 = 01: specific mode, T=1, Fi/Di from TA1 = 13 at once (ISO/IEC 7816-3 §6.3.1).
    expect(plan({ level: 'tpdu', features: 0x30 }, '3B 90 13 11 01 93')).toMatchObject({ protocol: 1, fiDi: 0x13, mode: 'none', ppsNeeded: false });
  });
});

describe('protocolDataFor', () => {
  it('T=1: bmTCCKST1 with CRC and inverse convention, BWI/CWI, IFSC', () => {
    // 3F (inverse), TD1 81, TD2 71: TA3 = 20 (IFSC 32), TB3 = 45, TC3 = 01 (CRC).
    const atr = parseAtr(fromHex('3F 80 81 71 20 45 01 14'));
    expect(protocolDataFor(1, 0x11, atr)).toEqual({ protocol: 1, findexDindex: 0x11, tcckst: 0x13, guardTime: 0, waitingIntegers: 0x45, clockStop: 0, ifsc: 32, nad: 0 });
  });

  it('T=0: N from TC1, WI from TC2, clock stop from T=15', () => {
    // TA1 96, TC1 02, TD1 C0 → TC2 = 20 (WI 32), TD2 1F → T=15 TA = C7 (clock stop no preference, classes A B C).
    const atr = parseAtr(fromHex('3B D0 96 02 C0 20 1F C7 7C'));
    expect(atr.t15.clockStop).toBe('no preference');
    expect(protocolDataFor(0, 0x96, atr)).toEqual({ protocol: 0, findexDindex: 0x96, tcckst: 0x00, guardTime: 2, waitingInteger: 0x20, clockStop: 3 });
  });
});
