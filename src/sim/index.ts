/**
 * The CCID reader emulator: WebUSB-shaped devices that are CCID readers, speaking bytes
 * only at the USB boundary, for the demo, the tests and the benchmarks. It shares no
 * decoding with the driver (`src/ccid/`, `src/descriptors/`).
 *
 * @example
 * ```ts
 * import { SimHost, createEmulatedReader, listProfiles } from './sim/index.ts';
 * const reader = createEmulatedReader('sysmoOCTSIM', { timeScale: 0 });
 * reader.slots[3].insert(card);               // a VirtualCard
 * reader.faults.add({ kind: 'mute-card', slot: 3, trigger: 'once' });
 * const host = new SimHost([reader]);         // a UsbHost for the driver
 * ```
 *
 * @packageDocumentation
 */
export { EmulatedReader, createEmulatedReader } from './reader.ts';
export type { SlotControl, FunctionControl } from './reader.ts';
export { SimHost } from './host.ts';
export { listProfiles, loadProfile } from './profiles.ts';
export type { ProfileInfo } from './profiles.ts';
export { profileFromFixture, exchangeLevelOf } from './profile.ts';
export type { ReaderProfile, CcidFunctionProfile, CcidClassFields, EndpointInfo, ExchangeLevel } from './profile.ts';
export { synthesizeFixture, SYNTHETIC_PROFILES } from './synth.ts';
export type { SyntheticReaderSpec } from './synth.ts';
export { FAULT_KINDS, FaultInjector } from './faults.ts';
export type { FaultKind, FaultSpec, FaultTrigger, ArmedFault, FaultEvent, BlockDirection } from './faults.ts';
export type { EmulatedReaderOptions, ReaderStats, BulkInSplit, EscapeHandler, SimTraceEvent } from './options.ts';
export type { SlotState } from './slot.ts';
export type { VirtualCard, CardAnswer, CardLink } from './card.ts';
// The virtual cards (hello world, USIM, T=1...) that go into the slots.
export * from './cards/index.ts';
