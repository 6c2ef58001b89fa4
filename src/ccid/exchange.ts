/**
 * The one operation the CCID layer gives the ISO 7816 layer: exchange one block
 * (a TPDU, a T=1 block, or an APDU or APDU fragment, depending on the reader's exchange
 * level) with the card in one slot, as PC_to_RDR_XfrBlock → RDR_to_PC_DataBlock
 * (CCID 1.1 §6.1.4, §6.2.1).
 *
 * The ISO 7816 layer (T=0, T=1, APDU chaining) is written against this contract only, and
 * its unit tests fake it; it never sees USB.
 */

/** Options of one exchange. */
export interface XfrOptions {
  /** Cancels the exchange: the engine aborts the command (CCID 1.1 §5.3.1). */
  signal?: AbortSignal;
  /** Deadline for the reader's answer, in milliseconds; stretched by time extensions. Default 3000, never less. */
  timeoutMs?: number;
  /** bBWI: block waiting time multiplier for this exchange (T=1 WTX, CCID 1.1 §6.1.4). Default 0. */
  bBWI?: number;
  /** wLevelParameter: chaining at short/extended APDU level, expected length at character level (CCID 1.1 §6.1.4). Default 0. */
  wLevelParameter?: number;
  /** Called each time the reader asks for more time (bmCommandStatus = 2), with the multiplier from bError. */
  onTimeExtension?: (multiplier: number) => void;
}

/** The answer to one exchange: RDR_to_PC_DataBlock's abData and bChainParameter. */
export interface XfrResult {
  readonly data: Uint8Array;
  /** bChainParameter (CCID 1.1 §6.2.1): 0 = whole answer, 1/2/3 = chained parts, 0x10 = empty, continue. */
  readonly bChainParameter: number;
}

/** Exchange one block with the card in one slot. */
export interface SlotExchange {
  xfrBlock(data: Uint8Array, options?: XfrOptions): Promise<XfrResult>;
}
