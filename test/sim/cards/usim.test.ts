/**
 * The USIM-like file system: selection rules, READ BINARY / RECORD, UPDATE, VERIFY with
 * its retry counter, STATUS, and per-seed contents (worked out by hand for seed 7).
 */
import { describe, expect, it } from 'vitest';
import { luhnDigit, usimCard, usimContents, SimCard, UsimApplet } from '../../../src/sim/cards/index.ts';
import { fromHex, toHex } from '../../../src/util/hex.ts';

const VERIFY_1234 = '00 20 00 01 08 31 32 33 34 FF FF FF FF';

function card(seed: number, options: { pinEnabled?: boolean } = {}): SimCard {
  const c = usimCard({ seed, ...options });
  c.reset('cold', 3);
  return c;
}

function run(c: SimCard, hex: string): string {
  return toHex(c.transmitApdu(fromHex(hex)).bytes);
}

describe('USIM contents', () => {
  it('seed 7: ICCID 8999010000000000078 (Luhn 8), IMSI 001010000000007', () => {
    const c = usimContents(7);
    // Luhn over 899901000000000007: doubled from the right: 7→5, 1→2, 9→9, 9→9 (undoubled), 9→9, 8 → 42 → 8.
    expect(c.iccid).toBe('8999010000000000078');
    expect(toHex(c.iccidFile)).toBe('98 99 10 00 00 00 00 00 70 F8');
    expect(c.imsi).toBe('001010000000007');
    expect(toHex(c.imsiFile)).toBe('08 09 10 10 00 00 00 00 70');
    expect(luhnDigit('7992739871')).toBe(3); // the textbook Luhn example
  });

  it('different seeds give different ICCID, IMSI and phone book', () => {
    const a = usimContents(1);
    const b = usimContents(2);
    expect(a.iccid).not.toBe(b.iccid);
    expect(a.imsi).not.toBe(b.imsi);
    expect(toHex(a.adnRecords[0]!)).not.toBe(toHex(b.adnRecords[0]!));
    expect(toHex(a.adnRecords[4]!)).toBe(toHex(new Uint8Array(28).fill(0xff)));
  });
});

describe('USIM file system', () => {
  it('reads EF ICCID without PIN, by FID and by SFI', () => {
    const c = card(7);
    expect(run(c, '00 A4 00 0C 02 2F E2')).toBe('90 00');
    expect(run(c, '00 B0 00 00 0A')).toBe('98 99 10 00 00 00 00 00 70 F8 90 00');
    expect(run(c, '00 B0 00 02 03')).toBe('10 00 00 90 00'); // offset 2
    expect(run(c, '00 B0 00 0A 01')).toBe('6B 00'); // offset past the end
    const d = card(7);
    expect(run(d, '00 B0 82 00 00')).toBe('98 99 10 00 00 00 00 00 70 F8 90 00'); // SFI 02
  });

  it('EF IMSI needs CHV1: 69 82, then VERIFY, then the IMSI', () => {
    const c = card(7);
    expect(run(c, '00 A4 00 0C 02 7F 20')).toBe('90 00');
    expect(run(c, '00 A4 00 0C 02 6F 07')).toBe('90 00');
    expect(run(c, '00 B0 00 00 09')).toBe('69 82');
    expect(run(c, VERIFY_1234)).toBe('90 00');
    expect(run(c, '00 B0 00 00 09')).toBe('08 09 10 10 00 00 00 00 70 90 00');
    // A reset forgets the verification.
    c.reset('cold', 3);
    expect(run(c, '00 A4 08 0C 04 7F 20 6F 07')).toBe('90 00');
    expect(run(c, '00 B0 00 00 09')).toBe('69 82');
  });

  it('VERIFY: 63 C2, 63 C1, a good PIN resets the counter; three bad ones block (63 C0 then 69 83)', () => {
    const c = card(1);
    const bad = '00 20 00 01 08 39 39 39 39 FF FF FF FF';
    expect(run(c, '00 20 00 01')).toBe('63 C3');
    expect(run(c, bad)).toBe('63 C2');
    expect(run(c, bad)).toBe('63 C1');
    expect(run(c, VERIFY_1234)).toBe('90 00');
    expect(run(c, '00 20 00 01')).toBe('90 00');
    expect(run(c, bad)).toBe('63 C2');
    expect(run(c, bad)).toBe('63 C1');
    expect(run(c, bad)).toBe('63 C0');
    expect(run(c, VERIFY_1234)).toBe('69 83');
    expect(run(c, '00 20 00 01')).toBe('69 83');
    // The counter survives a reset (it is in "EEPROM").
    c.reset('cold', 3);
    expect(run(c, '00 20 00 01')).toBe('69 83');
    expect((c.applets.find((a) => a.name === 'usim') as UsimApplet).pinRetries).toBe(0);
    expect(run(c, '00 20 00 02 08 31 32 33 34 FF FF FF FF')).toBe('6A 88');
    expect(run(c, '00 20 00 01 04 31 32 33 34')).toBe('69 83');
  });

  it('READ RECORD: absolute, next, previous; 6A 83 out of range; 69 81 on a transparent EF', () => {
    const c = card(5, { pinEnabled: false });
    const adn = usimContents(5).adnRecords;
    expect(run(c, '00 A4 08 0C 04 7F 10 6F 3A')).toBe('90 00');
    expect(run(c, '00 B2 02 04 1C')).toBe(`${toHex(adn[1]!)} 90 00`);
    expect(run(c, '00 B2 00 02 1C')).toBe(`${toHex(adn[2]!)} 90 00`); // next
    expect(run(c, '00 B2 00 03 1C')).toBe(`${toHex(adn[1]!)} 90 00`); // previous
    expect(run(c, '00 B2 06 04 1C')).toBe('6A 83');
    expect(run(c, '00 A4 00 0C 02 3F 00')).toBe('90 00');
    expect(run(c, '00 A4 00 0C 02 2F E2')).toBe('90 00');
    expect(run(c, '00 B2 01 04 1C')).toBe('69 81');
  });

  it('UPDATE BINARY and UPDATE RECORD persist across a reset; ICCID cannot be updated', () => {
    const c = card(2);
    expect(run(c, VERIFY_1234)).toBe('90 00');
    expect(run(c, '00 A4 08 0C 04 7F 20 6F 7E')).toBe('90 00');
    expect(run(c, '00 D6 00 00 04 DE AD BE EF')).toBe('90 00');
    expect(run(c, '00 D6 00 0A 02 01 02')).toBe('67 00');
    const record = 'AA '.repeat(28).trim();
    expect(run(c, '00 A4 08 0C 04 7F 10 6F 3A')).toBe('90 00');
    expect(run(c, `00 DC 03 04 1C ${record}`)).toBe('90 00');
    c.reset('cold', 3);
    run(c, VERIFY_1234);
    expect(run(c, '00 A4 08 0C 04 7F 20 6F 7E')).toBe('90 00');
    expect(run(c, '00 B0 00 00 04')).toBe('DE AD BE EF 90 00');
    expect(run(c, '00 A4 08 0C 04 7F 10 6F 3A')).toBe('90 00');
    expect(run(c, '00 B2 03 04 1C')).toBe(`${record} 90 00`);
    expect(run(c, '00 A4 00 0C 02 2F E2')).toBe('6A 82'); // not reachable from DF TELECOM
    expect(run(c, '00 A4 08 0C 02 2F E2')).toBe('90 00');
    expect(run(c, '00 D6 00 00 01 00')).toBe('69 82');
  });

  it('selection rules: children, parent, siblings, MF; not found 6A 82; path; parent by P1 03', () => {
    const c = card(1);
    expect(run(c, '00 A4 00 0C 02 6F 07')).toBe('6A 82'); // not a child of MF
    expect(run(c, '00 A4 00 0C 02 7F 20')).toBe('90 00');
    expect(run(c, '00 A4 00 0C 02 7F 10')).toBe('90 00'); // sibling DF
    expect(run(c, '00 A4 00 0C 02 6F 3A')).toBe('90 00');
    expect(run(c, '00 A4 00 0C 02 6F 07')).toBe('6A 82'); // EF of another DF
    expect(run(c, '00 A4 03 0C')).toBe('90 00'); // parent of DF TELECOM: MF
    expect(run(c, '00 A4 09 0C 04 7F 20 6F 07')).toBe('90 00');
    expect(run(c, '00 A4 08 0C 06 3F 00 7F 20 6F 07')).toBe('90 00');
    expect(run(c, '00 A4 08 0C 04 7F 20 6F 3A')).toBe('6A 82');
    expect(run(c, '00 A4 00 0C 03 7F 20 00')).toBe('67 00');
    expect(run(c, '00 A4 00 08 02 7F 20')).toBe('6A 86');
  });

  it('SELECT with FCP and STATUS describe the file', () => {
    const c = card(1);
    const fcp = fromHex(run(c, '00 A4 00 04 02 7F 20 00'));
    expect(fcp[0]).toBe(0x62);
    expect(toHex(fcp)).toContain('82 02 78 21 83 02 7F 20');
    const ef = run(c, '00 A4 00 04 02 6F 07 00');
    expect(ef).toContain('82 02 41 21 83 02 6F 07 80 02 00 09');
    const status = run(c, '00 F2 00 00 00');
    expect(status).toContain('83 02 7F 20');
    expect(run(c, '00 F2 00 0C')).toBe('90 00');
    const adn = run(c, '00 A4 08 04 04 7F 10 6F 3A 00');
    expect(adn).toContain('82 05 42 21 00 1C 05'); // linear fixed, 28-byte records, 5 of them
  });

  it('CLA A0 (GSM) is accepted like 00', () => {
    const c = card(7);
    expect(run(c, 'A0 A4 00 0C 02 2F E2')).toBe('90 00');
    expect(run(c, 'A0 B0 00 00 0A')).toBe('98 99 10 00 00 00 00 00 70 F8 90 00');
  });
});
