/**
 * The reader and slot objects: capabilities, PC/SC part 10 features and control codes,
 * escape, secure PIN entry, slot states and events, reader list and quirks.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, NotSupportedError, TimeoutError } from '../../src/errors.ts';
import {
  CM_IOCTL_GET_FEATURE_REQUEST,
  FEATURE_CCID_ESC_COMMAND,
  FEATURE_GET_TLV_PROPERTIES,
  FEATURE_IFD_PIN_PROPERTIES,
  FEATURE_MODIFY_PIN_DIRECT,
  FEATURE_VERIFY_PIN_DIRECT,
  hex,
  toHex,
} from '../../src/reader/index.ts';
import { helloWorldCard, usimCard } from '../../src/sim/index.ts';
import { HELLO, openEmulated } from './helpers.ts';

/** VERIFY CHV1 with an 8-byte PIN block of FF, which the PIN pad fills (ASCII, left justified). */
const VERIFY_CHV1 = hex`00 20 00 01 08 FF FF FF FF FF FF FF FF`;

describe('capabilities and features', () => {
  it('sysmoOCTSIM: 8 slots, TPDU, T=0, no PIN pad', async () => {
    const { reader } = await openEmulated('sysmoOCTSIM', []);
    try {
      const caps = reader.capabilities();
      expect(caps).toMatchObject({ slots: 8, simultaneous: 8, exchangeLevel: 'tpdu', voltages: [5, 3, 1.8], automaticVoltage: false, protocols: [0] });
      expect(caps.maxMessageLength).toBe(reader.ccidInterface.ccid.maxCcidMessageLength);
      expect(caps.clocks.defaultKhz).toBe(reader.ccidInterface.ccid.defaultClockKhz);
      expect(caps.pinSupport).toEqual({ verify: false, modify: false });
      expect(reader.slots.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(reader.listing.status).toBe('shouldwork');
      expect(reader.slots[0]!.features().map((f) => f.tag)).toEqual([FEATURE_GET_TLV_PROPERTIES, FEATURE_CCID_ESC_COMMAND]);
      expect(reader.vendorId).toBe(0x1d50);
    } finally {
      await reader.close();
    }
  });

  it('a PIN pad reader lists VERIFY/MODIFY_PIN_DIRECT with libccid control codes', async () => {
    const { reader } = await openEmulated('extended-apdu-1slot', []);
    try {
      const features = reader.slots[0]!.features();
      expect(features.map((f) => [f.name, f.controlCode])).toEqual([
        ['FEATURE_VERIFY_PIN_DIRECT', 0x42330006],
        ['FEATURE_MODIFY_PIN_DIRECT', 0x42330007],
        ['FEATURE_IFD_PIN_PROPERTIES', 0x4233000a],
        ['FEATURE_GET_TLV_PROPERTIES', 0x42330012],
        ['FEATURE_CCID_ESC_COMMAND', 0x42330013],
      ]);
      expect([FEATURE_VERIFY_PIN_DIRECT, FEATURE_MODIFY_PIN_DIRECT, FEATURE_IFD_PIN_PROPERTIES]).toEqual([6, 7, 10]);
      expect(CM_IOCTL_GET_FEATURE_REQUEST).toBe(0x42000d48);
      expect(reader.capabilities()).toMatchObject({ pinSupport: { verify: true, modify: true }, lcd: { lines: 2, charactersPerLine: 16 } });
      const tlv = reader.tlvProperties();
      // wLcdLayout 0x0210, bEntryValidationCondition 02, bTimeOut2 00, dwMaxAPDUDataSize 65536, wIdVendor, wIdProduct.
      expect(toHex(tlv.raw)).toBe('01 02 10 02 02 01 02 03 01 00 0A 04 00 00 01 00 0B 02 09 12 0C 02 03 CC');
    } finally {
      await reader.close();
    }
  });
});

describe('escape and PIN pad', () => {
  it('control() sends PC_to_RDR_Escape and returns the reader answer', async () => {
    const { reader, sent } = await openEmulated('sysmoOCTSIM', []);
    try {
      const answer = await reader.slots[2]!.control(hex`DE AD BE EF`);
      expect(toHex(answer)).toBe('DE AD BE EF'); // the emulator's default escape handler echoes
      const escape = sent.find((m) => m.kind === 'PC_to_RDR_Escape');
      expect(escape?.slot).toBe(2);
    } finally {
      await reader.close();
    }
  });

  it('verifyPin goes through PC_to_RDR_Secure; the PIN pad user types the PIN', async () => {
    const { reader, emulated, sent } = await openEmulated('extended-apdu-1slot', [usimCard({ seed: 1 })]);
    try {
      const slot = reader.slots[0]!;
      await slot.powerOn();
      emulated.slots[0]!.enterPin('1234');
      expect((await slot.verifyPin({ apdu: VERIFY_CHV1 })).sw).toBe(0x9000);
      const secure = sent.find((m) => m.kind === 'PC_to_RDR_Secure');
      expect(secure?.kind === 'PC_to_RDR_Secure' ? secure.verification : undefined).toMatchObject({ formatString: 0x82, minPinDigits: 4, maxPinDigits: 8, entryValidationCondition: 0x02 });
      emulated.slots[0]!.enterPin('9999');
      expect((await slot.verifyPin({ apdu: VERIFY_CHV1 })).sw).toBe(0x63c2);
      emulated.slots[0]!.enterPin(null);
      expect(await slot.verifyPin({ apdu: VERIFY_CHV1 }).catch((e: unknown) => e)).toBeInstanceOf(CancelledError);
      expect(await slot.verifyPin({ apdu: VERIFY_CHV1 }).catch((e: unknown) => e)).toBeInstanceOf(TimeoutError);
    } finally {
      await reader.close();
    }
  });

  it('PIN operations without a PIN pad → NotSupportedError, nothing sent', async () => {
    const { reader, sent } = await openEmulated('sysmoOCTSIM', [usimCard({ seed: 1 })]);
    try {
      await reader.slots[0]!.powerOn();
      const before = sent.length;
      expect(await reader.slots[0]!.verifyPin({ apdu: VERIFY_CHV1 }).catch((e: unknown) => e)).toBeInstanceOf(NotSupportedError);
      expect(await reader.slots[0]!.modifyPin({ apdu: hex`00 24 00 01 10` }).catch((e: unknown) => e)).toBeInstanceOf(NotSupportedError);
      expect(sent.length).toBe(before);
    } finally {
      await reader.close();
    }
  });
});

describe('slot states and events', () => {
  it('absent → inactive → active → busy → active → inactive → absent, with card events', async () => {
    const { reader, emulated } = await openEmulated('sysmoOCTSIM', [], { timeScale: 1 });
    const events: string[] = [];
    reader.on('cardInserted', ({ slot }) => events.push(`in ${slot.index}`));
    reader.on('cardRemoved', ({ slot }) => events.push(`out ${slot.index}`));
    try {
      const slot = reader.slots[5]!;
      expect(slot.state).toBe('absent');
      emulated.slots[5]!.insert(helloWorldCard({ protocol: 0, processingMs: 300 }));
      await expect.poll(() => slot.state).toBe('inactive');
      const status = await slot.status();
      expect(status.card).toBe('inactive');
      await slot.powerOn();
      expect(slot.state).toBe('active');
      expect((await slot.status()).session?.protocol).toBe(0);
      const pending = slot.transmit(HELLO);
      await expect.poll(() => slot.state, { interval: 5 }).toBe('busy');
      await pending;
      expect(slot.state).toBe('active');
      await slot.powerOff();
      expect(slot.state).toBe('inactive');
      emulated.slots[5]!.remove();
      await expect.poll(() => slot.state).toBe('absent');
      expect(events).toEqual(['in 5', 'out 5']);
    } finally {
      await reader.close();
    }
  });
});
