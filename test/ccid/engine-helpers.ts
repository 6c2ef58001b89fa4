/** Helpers of the engine tests: a scripted reader behind an open engine, and waiting. */
import { CcidEngine } from '../../src/ccid/engine.ts';
import type { CcidInterfaceFacts, EngineOptions } from '../../src/ccid/engine.ts';
import { BULK_IN, BULK_OUT, INTERRUPT_IN, ScriptedDevice } from '../support/scripted-device.ts';
import type { ScriptedDeviceOptions } from '../support/scripted-device.ts';

export const FACTS: CcidInterfaceFacts = {
  interfaceNumber: 0,
  bulkIn: { endpointNumber: BULK_IN, packetSize: 64 },
  bulkOut: { endpointNumber: BULK_OUT, packetSize: 64 },
  interruptIn: { endpointNumber: INTERRUPT_IN, packetSize: 8 },
  slotCount: 4,
  maxBusySlots: 4,
  maxMessageLength: 271,
  name: 'scripted',
};

/** Short deadlines so timeout paths run fast, with room for a loaded machine. */
export const FAST: EngineOptions = { minTimeoutMs: 150, abortWaitMs: 150, probeSlotsOnOpen: false };

export async function setup(
  facts: Partial<CcidInterfaceFacts> = {},
  options: EngineOptions = {},
  deviceOptions: ScriptedDeviceOptions = {},
): Promise<{ device: ScriptedDevice; engine: CcidEngine }> {
  const device = new ScriptedDevice(deviceOptions);
  const engine = new CcidEngine(device, { ...FACTS, ...facts }, { ...FAST, ...options });
  await engine.open();
  return { device, engine };
}

/** Lets pending promise callbacks and I/O run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits until `cond()` holds (bounded: fails the test instead of hanging). */
export async function until(cond: () => boolean, what = 'condition', ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await flush();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles a promise into a value or the error (for asserting on rejections without unhandled ones). */
export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
