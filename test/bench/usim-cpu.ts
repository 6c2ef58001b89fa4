/**
 * The driver's own CPU time per APDU, apart from the emulator's.
 *
 * Method (a difference of zero-latency runs that make the same USB calls):
 * 1. Record the CCID frames one iteration of the script produces on each of 8 slots
 *    (the driver's frame trace).
 * 2. Driver run: the emulator at `timeScale: 0` (every answer at once, no timers), 8 slots
 *    at once, N iterations: process CPU (user + system) / APDUs = driver + emulator + harness.
 * 3. Bare replay: a fresh emulated reader, the recorded frames sent by a bare loop (one
 *    `transferOut` per command, one `transferIn` loop routing answers by bSlot; no
 *    parsing, no queues, no ISO 7816 layer) = emulator + the least a host does per call.
 * 4. Engine replay: the same frames through the CCID engine's slot methods (`xfrBlock`,
 *    `powerOn`...), without the ISO 7816 layer and the reader API = emulator + CCID layer.
 * 5. Driver CPU per APDU = (2) − the cheaper of (3) and (4): the emulator's own cost is at
 *    most either, so this is what the driver adds above the cheapest way to make the same
 *    USB calls. (2) − (4) is the ISO 7816 layer and reader API's share, (4) − (3) the engine's.
 *
 * The runs are warmed up once (JIT), then measured in interleaved passes keeping each
 * one's lowest CPU time; every answer is compared with the oracle or the recording, so
 * all runs did the same work.
 */
import type { UsbDevice } from '../../src/usb/transport.ts';
import { transferBytes } from '../../src/usb/transport.ts';
import { openCcidEngine } from '../../src/ccid/engine.ts';
import type { CcidEngine } from '../../src/ccid/engine.ts';
import type { PowerSelect } from '../../src/ccid/slot.ts';
import { factsOf } from '../ccid/sim-support.ts';
import { plugReaders } from './usim-hardware.ts';
import { openRig } from './usim-rig.ts';
import type { Rig } from './usim-rig.ts';
import { fillFirst, runSlots } from './usim-run.ts';
import { USIM_SCRIPT, sameBytes } from './usim-workload.ts';

/** What the CPU measurement found (µs per workload APDU; power on/off included in the cost). */
export interface CpuResult {
  /** APDUs per measured pass. */
  readonly apdus: number;
  /** CCID commands per APDU (XfrBlocks incl. GET RESPONSE, plus the share of IccPowerOn/Off). */
  readonly commandsPerApdu: number;
  /** Process CPU per APDU with the driver (driver + emulator + harness). */
  readonly totalUs: number;
  /** Process CPU per APDU of the same frames sent through the CCID engine's slots (emulator + CCID layer). */
  readonly engineUs: number;
  /** Process CPU per APDU of the bare replay (emulator + minimal USB loop). */
  readonly replayUs: number;
  /** totalUs − min(replayUs, engineUs): what the driver adds above the cheapest way to make the same USB calls. */
  readonly driverUs: number;
  /** Wall µs per APDU of the driver run (8 slots at once). */
  readonly driverWallUs: number;
  /** Answers of the driver run differing from the oracle, plus replayed answers differing from the recording. */
  readonly mismatches: number;
}

const SLOTS = 8;
const BULK_IN = 1;
const BULK_OUT = 2;

/** The frames of one iteration on each slot: commands out and answers in, in order. */
interface Recording {
  readonly out: Uint8Array[][];
  readonly in: Uint8Array[][];
}

async function record(): Promise<Recording> {
  const rec: Recording = { out: Array.from({ length: SLOTS }, () => []), in: Array.from({ length: SLOTS }, () => []) };
  let on = false;
  const rig = await openRig({
    readers: 1,
    busySlots: 8,
    timeScale: 0,
    place: 'thread',
    driver: {
      trace: (direction, bytes) => {
        if (!on || direction === 'interrupt') return;
        const slot = bytes[5]!;
        // An answer to a command sent before recording began (the open's slot probe) is not ours.
        if (direction === 'in' && rec.in[slot]!.length >= rec.out[slot]!.length) return;
        (direction === 'out' ? rec.out : rec.in)[slot]!.push(bytes.slice());
      },
    },
  });
  on = true;
  await runSlots(rig, fillFirst(SLOTS, 1), 1);
  on = false;
  await rig.close();
  for (let s = 0; s < SLOTS; s++) {
    if (rec.out[s]!.length !== rec.in[s]!.length) throw new Error(`bench: slot ${s} recorded ${rec.out[s]!.length} commands but ${rec.in[s]!.length} answers`);
  }
  return rec;
}

/** Replays the recording `iterations` times on every slot with a bare USB loop; returns answers that differ. */
async function replay(device: UsbDevice, rec: Recording, iterations: number): Promise<number> {
  const waiting: (((bytes: Uint8Array) => void) | undefined)[] = new Array(SLOTS).fill(undefined);
  let running = true;
  const loop = (async () => {
    while (running) {
      let bytes: Uint8Array;
      try {
        bytes = transferBytes(await device.transferIn(BULK_IN, 320));
      } catch {
        return;
      }
      for (let o = 0; o + 10 <= bytes.length; ) {
        const length = 10 + (bytes[o + 1]! | (bytes[o + 2]! << 8) | (bytes[o + 3]! << 16));
        const message = bytes.subarray(o, o + length);
        const resolve = waiting[message[5]!];
        waiting[message[5]!] = undefined;
        resolve?.(message);
        o += length;
      }
    }
  })();
  // One bulk-OUT transfer at a time (npm usb v3 and the emulator refuse a second one).
  let writes: Promise<unknown> = Promise.resolve();
  let mismatches = 0;
  await Promise.all(
    Array.from({ length: SLOTS }, async (_, s) => {
      const out = rec.out[s]!;
      const answers = rec.in[s]!;
      for (let it = 0; it < iterations; it++) {
        for (let i = 0; i < out.length; i++) {
          const answer = new Promise<Uint8Array>((resolve) => (waiting[s] = resolve));
          const frame = out[i]!;
          writes = writes.then(() => device.transferOut(BULK_OUT, frame as Uint8Array<ArrayBuffer>));
          if (!sameBytes(await answer, answers[i]!)) mismatches++;
        }
      }
    }),
  );
  running = false;
  await device.releaseInterface(0);
  await loop;
  return mismatches;
}

function cpuSeconds(run: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return run().then(() => {
    const c = process.cpuUsage(c0);
    return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
  });
}

/** Sends the recorded commands through the CCID engine's slot methods (no ISO 7816 layer, no reader API). */
async function engineReplay(engine: CcidEngine, rec: Recording, iterations: number): Promise<number> {
  let mismatches = 0;
  const check = (got: Uint8Array, answer: Uint8Array): void => {
    if (!sameBytes(got, answer.subarray(10))) mismatches++;
  };
  await Promise.all(
    Array.from({ length: SLOTS }, async (_, s) => {
      const slot = engine.slot(s);
      const out = rec.out[s]!;
      const answers = rec.in[s]!;
      for (let it = 0; it < iterations; it++) {
        for (let i = 0; i < out.length; i++) {
          const f = out[i]!;
          const data = f.subarray(10);
          switch (f[0]) {
            case PC_to_RDR_XfrBlock:
              check((await slot.xfrBlock(data, { bBWI: f[7]!, wLevelParameter: f[8]! | (f[9]! << 8) })).data, answers[i]!);
              break;
            case PC_to_RDR_IccPowerOn:
              check((await slot.powerOn(POWER_SELECT[f[7]!] ?? 'auto')).data, answers[i]!);
              break;
            case PC_to_RDR_IccPowerOff:
              await slot.powerOff();
              break;
            case PC_to_RDR_SetParameters:
              await slot.setParameters({ protocol: 0, findexDindex: data[0]!, tcckst: data[1]!, guardTime: data[2]!, waitingInteger: data[3]!, clockStop: data[4]! });
              break;
            default:
              throw new Error(`bench: no engine replay for bMessageType 0x${f[0]!.toString(16)}`);
          }
        }
      }
    }),
  );
  return mismatches;
}

const PC_to_RDR_SetParameters = 0x61;
const PC_to_RDR_IccPowerOn = 0x62;
const PC_to_RDR_IccPowerOff = 0x63;
const PC_to_RDR_XfrBlock = 0x6f;
const POWER_SELECT: readonly PowerSelect[] = ['auto', 5, 3, 1.8];

interface Best {
  cpu: number;
  wall: number;
  mismatches: number;
}

/**
 * Runs every variant once to warm it up, then `passes` rounds of all variants in turn
 * (A B C A B C...), keeping for each its lowest CPU time: other processes on a shared
 * machine only ever add time, and interleaving spreads their load over all variants.
 */
async function interleaved(passes: number, variants: readonly (() => Promise<number>)[]): Promise<Best[]> {
  const best: Best[] = [];
  for (const work of variants) best.push({ cpu: Infinity, wall: Infinity, mismatches: await work() });
  for (let p = 0; p < passes; p++) {
    for (let v = 0; v < variants.length; v++) {
      let m = 0;
      const r = await cpuSeconds(async () => {
        m = await variants[v]!();
      });
      const b = best[v]!;
      b.mismatches += m;
      if (r.cpu < b.cpu) {
        b.cpu = r.cpu;
        b.wall = r.wall;
      }
    }
  }
  return best;
}

/**
 * Measures driver CPU per APDU with `iterations` script iterations on each of 8 slots per
 * pass; each figure is the lowest of `passes` interleaved passes.
 */
export async function measureDriverCpu(iterations: number, passes = 3): Promise<CpuResult> {
  const rec = await record();
  const apdus = SLOTS * iterations * USIM_SCRIPT.length;
  const commands = rec.out.reduce((n, frames) => n + frames.length, 0) * iterations;

  const rig: Rig = await openRig({ readers: 1, busySlots: 8, timeScale: 0, place: 'thread' });
  const slots = fillFirst(SLOTS, 1);
  const forEngine = plugReaders({ readers: 1, busySlots: 8, timeScale: 0 })[0]!;
  const engine = await openCcidEngine(forEngine.device, factsOf(forEngine));
  const reader = plugReaders({ readers: 1, busySlots: 8, timeScale: 0 })[0]!;
  await reader.device.open();

  const best = await interleaved(passes, [
    async () => {
      const r = await runSlots(rig, slots, iterations);
      return r.mismatches + r.errors;
    },
    () => engineReplay(engine, rec, iterations),
    async () => {
      await reader.device.claimInterface(0);
      return replay(reader.device, rec, iterations);
    },
  ]);
  await rig.close();
  await engine.close();
  await reader.device.close();
  const driver = best[0]!;
  const ccid = best[1]!;
  const bare = best[2]!;

  const us = (seconds: number): number => (seconds * 1e6) / apdus;
  return {
    apdus,
    commandsPerApdu: commands / apdus,
    totalUs: us(driver.cpu),
    engineUs: us(ccid.cpu),
    replayUs: us(bare.cpu),
    // The emulator's own cost is at most the cheaper of the two replays (each adds host work to it).
    driverUs: us(driver.cpu - Math.min(bare.cpu, ccid.cpu)),
    driverWallUs: us(driver.wall),
    mismatches: driver.mismatches + ccid.mismatches + bare.mismatches,
  };
}

/**
 * The driver pass of {@link measureDriverCpu} (zero latency, 8 slots, `iterations` each,
 * after one warm-up pass) run inside `wrap`, e.g. under the profiler.
 */
export async function withDriverPass<T>(iterations: number, wrap: (work: () => Promise<void>) => Promise<T>): Promise<T> {
  const rig = await openRig({ readers: 1, busySlots: 8, timeScale: 0, place: 'thread' });
  const slots = fillFirst(SLOTS, 1);
  try {
    await runSlots(rig, slots, iterations);
    return await wrap(async () => {
      await runSlots(rig, slots, iterations);
    });
  } finally {
    await rig.close();
  }
}
