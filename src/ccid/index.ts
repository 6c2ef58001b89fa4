/**
 * The CCID layer: the message codec (`codec.ts`) and the per-device engine that
 * multiplexes commands of many slots over one reader (`engine.ts`), with the slot objects
 * the ISO 7816 layer exchanges blocks through (`slot.ts`, implementing `SlotExchange`).
 *
 * @example
 * ```ts
 * import { openCcidEngine } from './ccid/index.ts';
 * const engine = await openCcidEngine(device, facts);
 * const slot = engine.slot(0);
 * const atr = (await slot.powerOn()).data;
 * const { data } = await slot.xfrBlock(tpdu, { timeoutMs: 5000, signal });
 * ```
 * @packageDocumentation
 */
export * from './codec.ts';
export { CcidEngine, openCcidEngine } from './engine.ts';
export type { CcidInterfaceFacts, EndpointFacts, EngineOptions, EngineState } from './engine.ts';
export { CcidSlot } from './slot.ts';
export type { MechanicalFunction, PowerSelect, SecureOptions, SlotXfrOptions } from './slot.ts';
export type { CommandOptions } from './command.ts';
export type { CardState, SlotState } from './slot-queue.ts';
export type { AbortEvent, DiscardEvent, EngineEvents, GoneEvent, HardwareErrorEvent, SlotEvent, TimeExtensionEvent } from './events.ts';
export type { TraceListener } from './multiplexer.ts';
export { DISCARD_REASONS, totalDiscarded } from './stats.ts';
export type { DiscardReason, EngineStats } from './stats.ts';
export { slotErrorFor } from './slot-errors.ts';
export type { SlotExchange, XfrOptions, XfrResult } from './exchange.ts';
