/**
 * Glue between the engine and the reader emulator for tests and the benchmark: the
 * interface facts read from an emulated reader's profile (the lead's glue will take them
 * from src/descriptors), and a minimal card with a fixed processing time.
 */
import { CcidEngine } from '../../src/ccid/engine.ts';
import type { CcidInterfaceFacts, EngineOptions } from '../../src/ccid/engine.ts';
import { createEmulatedReader } from '../../src/sim/index.ts';
import type { CardAnswer, CardLink, EmulatedReader, EmulatedReaderOptions, VirtualCard } from '../../src/sim/index.ts';

/** The engine's facts for the first CCID interface of an emulated reader. */
export function factsOf(reader: EmulatedReader, packetSize?: number): CcidInterfaceFacts {
  const f = reader.profile.functions[0]!;
  const ep = (e: { number: number; maxPacketSize: number }, bulk: boolean) => ({
    endpointNumber: e.number,
    packetSize: bulk && packetSize !== undefined ? packetSize : e.maxPacketSize,
  });
  return {
    interfaceNumber: f.interfaceNumber,
    bulkIn: ep(f.bulkIn!, true),
    bulkOut: ep(f.bulkOut!, true),
    interruptIn: f.interruptIn === undefined ? undefined : ep(f.interruptIn, false),
    slotCount: f.slotCount,
    maxBusySlots: f.ccid.bMaxCCIDBusySlots,
    maxMessageLength: f.ccid.dwMaxCCIDMessageLength,
    name: reader.profile.name,
  };
}

/**
 * A card that answers every exchange after `processingMs`: T=0 TPDUs and short APDUs with
 * their data (or P3 bytes of 0xA5) then 90 00, T=1 blocks echoed.
 */
export class TimedCard implements VirtualCard {
  readonly label = 'timed echo';
  constructor(public processingMs = 0) {}
  reset(): Uint8Array {
    return Uint8Array.of(0x3b, 0x02, 0x14, 0x50);
  }
  powerOff(): void {}
  pps(request: Uint8Array): Uint8Array {
    return request.slice();
  }
  setLink(_link: CardLink): void {}
  transmitT0(tpdu: Uint8Array): CardAnswer {
    const n = tpdu.length > 5 ? tpdu.length - 5 : tpdu[4] === 0 ? 256 : tpdu[4]!;
    const out = new Uint8Array(n + 2);
    if (tpdu.length > 5) out.set(tpdu.subarray(5));
    else out.fill(0xa5, 0, n);
    out[n] = 0x90;
    return { bytes: out, processingMs: this.processingMs };
  }
  transmitT1(block: Uint8Array): CardAnswer {
    return { bytes: block.slice(), processingMs: this.processingMs };
  }
  transmitApdu(apdu: Uint8Array): CardAnswer {
    return this.transmitT0(apdu); // same echo for a short APDU
  }
}

/** An emulated reader with a TimedCard in every slot, and an open engine on it, cards powered. */
export async function openSim(
  profile: string,
  cardMs: number,
  readerOptions: EmulatedReaderOptions = {},
  engineOptions: EngineOptions = {},
): Promise<{ reader: EmulatedReader; engine: CcidEngine; cards: TimedCard[] }> {
  const reader = createEmulatedReader(profile, { wireTime: false, ...readerOptions });
  const cards = reader.slots.map((s) => {
    const card = new TimedCard(0);
    s.insert(card);
    return card;
  });
  const engine = new CcidEngine(reader.device, factsOf(reader, readerOptions.maxPacketSize), { probeSlotsOnOpen: false, ...engineOptions });
  await engine.open();
  for (let s = 0; s < engine.slotCount; s++) await engine.slot(s).powerOn();
  for (const c of cards) c.processingMs = cardMs;
  return { reader, engine, cards };
}

/** A T=0 case-2 TPDU asking for 16 bytes (READ BINARY). */
export const READ16 = Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x10);

/** Milliseconds taken by `f`. */
export async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}
