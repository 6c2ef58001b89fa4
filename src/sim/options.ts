/**
 * Options and statistics of an emulated reader.
 */

/**
 * How the reader cuts a bulk response into USB transfers:
 * - `whole`: one transfer per message (a device that ends each message with a short packet);
 * - `packets`: one transfer per wMaxPacketSize packet;
 * - `multiple-then-rest`: messages longer than wMaxPacketSize come as the largest multiple
 *   of wMaxPacketSize, then the rest, as the 2ce3:9563 reader of the reference capture
 *   does (`../shared/reference/captures/README.md`).
 */
export type BulkInSplit = 'whole' | 'packets' | 'multiple-then-rest';

/** A reader's answer to PC_to_RDR_Escape: abData in, abData out (default: echo). */
export type EscapeHandler = (slot: number, data: Uint8Array) => Uint8Array;

/** A trace record (only built when a `trace` callback is given). */
export interface SimTraceEvent {
  /** `out`: host → reader (bulk-OUT), `in`: reader → host (bulk-IN or interrupt), `control`: a control request. */
  readonly direction: 'out' | 'in' | 'control';
  /** WebUSB endpoint number (0 for control). */
  readonly endpoint: number;
  /** The bytes (for control: the setup packet's request, value, index and the data stage). */
  readonly bytes: Uint8Array;
}

/** Options of {@link createEmulatedReader}. */
export interface EmulatedReaderOptions {
  /** wMaxPacketSize of the bulk endpoints (patched into the descriptors served). @default the fixture's */
  readonly maxPacketSize?: number | undefined;
  /** How bulk responses are cut into transfers. @default 'whole', or 'multiple-then-rest' when `maxPacketSize` is given */
  readonly bulkInSplit?: BulkInSplit | undefined;
  /** Multiplier on every card and wire time (0: answers come at once, without timers). @default 1 */
  readonly timeScale?: number | undefined;
  /** Add the bytes' transmission time at the current Fi/Di and clock to card time. @default true */
  readonly wireTime?: boolean | undefined;
  /** Period of time-extension messages while a card takes extra time, in ms (not scaled). @default 500 */
  readonly timeExtensionIntervalMs?: number | undefined;
  /** Time before a mute card is reported (ICC_MUTE), in ms before scaling; default: the protocol's waiting time. */
  readonly muteTimeoutMs?: number | undefined;
  /** One transfer in flight per endpoint: a second concurrent one rejects, as with npm `usb` v3. @default true */
  readonly strictEndpoints?: boolean | undefined;
  /** Class requests to an interface need the interface claimed, as in WebUSB. @default true */
  readonly strictClaim?: boolean | undefined;
  /** Seed of the fault generator. @default 1 */
  readonly seed?: number | undefined;
  /** iSerialNumber text (added to the descriptors served). */
  readonly serialNumber?: string | undefined;
  /** PC_to_RDR_Escape handler. @default echo */
  readonly escape?: EscapeHandler | undefined;
  /** Trace hook; costs nothing when absent. */
  readonly trace?: ((event: SimTraceEvent) => void) | undefined;
}

/** The options with defaults applied. @internal */
export interface ResolvedOptions {
  readonly maxPacketSize: number | undefined;
  readonly bulkInSplit: BulkInSplit;
  readonly timeScale: number;
  readonly wireTime: boolean;
  readonly timeExtensionIntervalMs: number;
  readonly muteTimeoutMs: number | undefined;
  readonly strictEndpoints: boolean;
  readonly strictClaim: boolean;
  readonly escape: EscapeHandler | undefined;
  readonly trace: ((event: SimTraceEvent) => void) | undefined;
}

/** @internal */
export function resolveOptions(o: EmulatedReaderOptions): ResolvedOptions {
  return {
    maxPacketSize: o.maxPacketSize,
    bulkInSplit: o.bulkInSplit ?? (o.maxPacketSize === undefined ? 'whole' : 'multiple-then-rest'),
    timeScale: o.timeScale ?? 1,
    wireTime: o.wireTime ?? true,
    timeExtensionIntervalMs: Math.max(1, o.timeExtensionIntervalMs ?? 500),
    muteTimeoutMs: o.muteTimeoutMs,
    strictEndpoints: o.strictEndpoints ?? true,
    strictClaim: o.strictClaim ?? true,
    escape: o.escape,
    trace: o.trace,
  };
}

/** Counters of one emulated reader (all functions together). Read them in tests. */
export interface ReaderStats {
  /** Bulk-OUT messages received. */
  commands: number;
  /** Bulk-IN answers sent: final answers, busy and error answers, Abort answers (time extensions not included). */
  responses: number;
  /** Bytes received on bulk-OUT. */
  bytesOut: number;
  /** Bytes queued on bulk-IN. */
  bytesIn: number;
  /** CMD_SLOT_BUSY answers because the slot already had a command in progress. A correct driver never causes one. */
  slotBusy: number;
  /** CMD_SLOT_BUSY answers because bMaxCCIDBusySlots slots were busy. A correct driver never causes one. */
  readerBusy: number;
  /** Largest number of slots busy at the same time. */
  peakBusySlots: number;
  /** Time-extension messages sent. */
  timeExtensions: number;
  /** PC_to_RDR_Abort messages received. */
  aborts: number;
  /** Class ABORT requests received. */
  abortRequests: number;
  /** Commands ended with CMD_ABORTED. */
  aborted: number;
  /** Answers with bError CMD_NOT_SUPPORTED. */
  notSupported: number;
  /** Answers with bError = offset of a bad field. */
  badParameters: number;
  /** Bulk-OUT transfers that did not hold a whole message. */
  malformedOut: number;
  /** NotifySlotChange messages queued. */
  notifications: number;
  /** HardwareError messages queued. */
  hardwareErrors: number;
  /** Exceptions thrown by a virtual card (answered HW_ERROR). */
  cardErrors: number;
  /** Faults fired. */
  faults: number;
  /** Commands received, by bMessageType. */
  readonly byType: Map<number, number>;
}

/** @internal */
export function newStats(): ReaderStats {
  return {
    commands: 0,
    responses: 0,
    bytesOut: 0,
    bytesIn: 0,
    slotBusy: 0,
    readerBusy: 0,
    peakBusySlots: 0,
    timeExtensions: 0,
    aborts: 0,
    abortRequests: 0,
    aborted: 0,
    notSupported: 0,
    badParameters: 0,
    malformedOut: 0,
    notifications: 0,
    hardwareErrors: 0,
    cardErrors: 0,
    faults: 0,
    byType: new Map(),
  };
}
