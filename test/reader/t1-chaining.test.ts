/**
 * Issue 4 "Done when": a 4096-byte extended command and response through T=1 at TPDU
 * level, chained both ways (ISO/IEC 7816-3 §11.6.2 rule 5), and with injected block
 * corruption (emulator fault `t1-corrupt`) the exchange recovers per clause 11 or fails
 * with a protocol error — never hangs.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommandApdu } from '../../src/iso7816/apdu.ts';
import { CardProtocolError } from '../../src/errors.ts';
import { helloWorldCard, patternBytes, synthesizeFixture } from '../../src/sim/index.ts';
import { openEmulated } from './helpers.ts';

/** ECHO (test-commands applet): 80 EE 00 00, extended Lc = 4096, extended Le = 65536. */
const DATA = patternBytes(7, 4096);
const ECHO_4096 = encodeCommandApdu({ cla: 0x80, ins: 0xee, p1: 0, p2: 0, data: DATA, ne: 65536 }).raw;

/** Fails the test instead of hanging: the exchange must settle within `ms`. */
function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)));
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

describe('T=1 at TPDU level: 4096-byte extended APDUs', () => {
  it('chains the command and the response, IFSC 32 and IFSD 254', async () => {
    const { reader, sent } = await openEmulated('tpdu-t1-1slot', [helloWorldCard({ protocol: 1, ifsc: 32 })]);
    try {
      const slot = reader.slots[0]!;
      const on = await slot.powerOn();
      expect(on.protocol).toBe(1);
      expect(on.ifsc).toBe(32);
      expect(on.ifsd).toBe(254);
      const before = sent.length;
      const response = await slot.transmit(ECHO_4096);
      expect(response.sw).toBe(0x9000);
      expect(response.data).toEqual(DATA);
      const blocks = sent.slice(before).filter((m) => m.kind === 'PC_to_RDR_XfrBlock').map((m) => (m.kind === 'PC_to_RDR_XfrBlock' ? m.data : new Uint8Array(0)));
      const iBlocksOut = blocks.filter((b) => (b[1]! & 0x80) === 0);
      const rBlocksOut = blocks.filter((b) => (b[1]! & 0xc0) === 0x80);
      // 4096 + 9 header/length bytes in I-blocks of at most IFSC = 32 bytes: 129 blocks, chained (M bit).
      expect(iBlocksOut.length).toBe(Math.ceil(ECHO_4096.length / 32));
      expect(iBlocksOut.slice(0, -1).every((b) => (b[1]! & 0x20) !== 0)).toBe(true);
      expect(iBlocksOut.every((b) => b[2]! <= 32)).toBe(true);
      // 4098 response bytes in card I-blocks of at most IFSD = 254: each chained one is acknowledged by an R-block.
      expect(rBlocksOut.length).toBe(Math.ceil((DATA.length + 2) / 254) - 1);
    } finally {
      await reader.close();
    }
  });

  it('leaves the IFSD exchange to a reader with dwFeatures 0x400 (no S(IFS request) from the host)', async () => {
    const autoIfsd = synthesizeFixture({ name: 'tpdu-auto-ifsd', slots: 1, level: 'tpdu', features: 0x4ba, maxIFSD: 200, productId: 0xcc12 });
    const { reader, sent } = await openEmulated(autoIfsd, [helloWorldCard({ protocol: 1, ifsc: 32 })]);
    try {
      const on = await reader.slots[0]!.powerOn();
      expect(on.ifsd).toBe(200);
      const response = await reader.slots[0]!.transmit(ECHO_4096);
      expect(response.data).toEqual(DATA);
      const sBlocks = sent.filter((m) => m.kind === 'PC_to_RDR_XfrBlock' && (m.data[1]! & 0xc0) === 0xc0);
      expect(sBlocks).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it('recovers from corrupted blocks in both directions, or fails with a protocol error', async () => {
    let recovered = 0;
    let failed = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { emulated, reader } = await openEmulated('tpdu-t1-1slot', [helloWorldCard({ protocol: 1, ifsc: 64 })], { seed });
      try {
        const slot = reader.slots[0]!;
        await slot.powerOn();
        emulated.faults.add({ kind: 't1-corrupt', direction: 'both', trigger: { probability: 0.05 } });
        const outcome = await settlesWithin(
          slot.transmit(ECHO_4096).then(
            (r) => ({ ok: true as const, r }),
            (e: unknown) => ({ ok: false as const, e }),
          ),
          20_000,
        );
        if (outcome.ok) {
          expect(outcome.r.sw).toBe(0x9000);
          expect(outcome.r.data).toEqual(DATA);
          recovered++;
        } else {
          expect(outcome.e).toBeInstanceOf(CardProtocolError);
          expect((outcome.e as CardProtocolError).code).toBe('CCID_ERR_CARD_PROTOCOL');
          failed++;
        }
        expect(emulated.stats.faults).toBeGreaterThan(0);
      } finally {
        await reader.close();
      }
    }
    console.log(`t1-corrupt 5 % of blocks both ways, 6 seeds: ${recovered} recovered, ${failed} failed with CCID_ERR_CARD_PROTOCOL`);
    expect(recovered + failed).toBe(6);
    expect(recovered).toBeGreaterThan(0);
  });

  it('fails with CCID_ERR_CARD_PROTOCOL, in bounded time, when every block is corrupted', async () => {
    const { emulated, reader } = await openEmulated('tpdu-t1-1slot', [helloWorldCard({ protocol: 1 })]);
    try {
      const slot = reader.slots[0]!;
      await slot.powerOn();
      emulated.faults.add({ kind: 't1-corrupt', direction: 'from-card', trigger: 'always' });
      const error = await settlesWithin(slot.transmit(ECHO_4096).catch((e: unknown) => e), 20_000);
      expect(error).toBeInstanceOf(CardProtocolError);
      expect((error as CardProtocolError).code).toBe('CCID_ERR_CARD_PROTOCOL');
      expect((error as Error).message).toMatch(/7816-3/);
    } finally {
      await reader.close();
    }
  });
});
