/**
 * The commands that reach the card: PC_to_RDR_IccPowerOn (CCID 1.1 §6.1.1),
 * PC_to_RDR_XfrBlock (§6.1.4) and PC_to_RDR_Secure (§6.1.11). What the card receives
 * depends on the exchange level (dwFeatures, §5.1): TPDUs or T=1 blocks at TPDU level,
 * whole APDUs at short/extended APDU level, where the reader also chains messages longer
 * than dwMaxCCIDMessageLength through wLevelParameter / bChainParameter (§6.1.4, §6.2.1).
 */
import type { CardAnswer, VirtualCard } from './card.ts';
import { BLOCK_FAULTS, CARD_FAULTS, type BlockDirection, type FaultSpec } from './faults.ts';
import { type CommandEnv, type Outcome, abData, failed, ok } from './outcome.ts';
import { defaultParameters, diOf, fiOf } from './params.ts';
import type { SimSlot } from './slot.ts';
import {
  CMD_NOT_SUPPORTED,
  FEATURE_AUTO_NEGOTIATION,
  FEATURE_AUTO_PARAMETERS_FROM_ATR,
  FEATURE_AUTO_PPS,
  HW_ERROR,
  ICC_MUTE,
  OFFSET_abData,
  OFFSET_byte7,
  OFFSET_wLevelParameter,
  XFR_OVERRUN,
} from './spec.ts';
import { atrMs, atrMuteMs, bytesMs, scanAtr, t0WaitingMs, t1WaitingMs } from './timing.ts';

/** bPowerSelect → volts (§6.1.1), and the bVoltageSupport bit of each (§5.1). */
const VOLTS: readonly (5 | 3 | 1.8)[] = [5, 3, 1.8];

/** Runs the card-level faults of one exchange; returns an outcome when a fault replaces the exchange. */
export function cardFault(env: CommandEnv, slot: SimSlot, bSeq: number, muteMs: number): { spec: FaultSpec; outcome: Outcome } | undefined {
  if (env.faults.idle) return undefined;
  const spec = env.faults.check(CARD_FAULTS, slot.index, bSeq);
  if (spec === undefined) return undefined;
  env.stats.faults++;
  switch (spec.kind) {
    case 'mute-card':
      return { spec, outcome: failed(ICC_MUTE, muteMs) };
    case 'endless-time-extension':
      return { spec, outcome: { ...failed(ICC_MUTE), endless: true } };
    case 'card-removed-mid-command':
      return { spec, outcome: { ...failed(ICC_MUTE, Math.max(2, muteMs / 4)), removeCard: true } };
    default:
      env.hardwareError(slot, bSeq);
      return { spec, outcome: failed(HW_ERROR) };
  }
}

function wire(env: CommandEnv, slot: SimSlot, bytes: number): number {
  if (!env.options.wireTime) return 0;
  return bytesMs(bytes, slot.params.protocol, fiOf(slot.params), diOf(slot.params), slot.clockHz);
}

/** Time before a silent card is declared mute, for the protocol in use. */
export function muteTime(env: CommandEnv, slot: SimSlot, bBWI: number): number {
  if (env.options.muteTimeoutMs !== undefined) return env.options.muteTimeoutMs;
  const p = slot.params;
  return p.protocol === 0 ? t0WaitingMs(p.bWaitingInteger, fiOf(p), slot.clockHz) : t1WaitingMs(p.bWaitingInteger >> 4, fiOf(p), diOf(p), slot.clockHz, bBWI);
}

/** Calls the card, turning an exception (a bug in the card model) into HW_ERROR. */
export function ask(env: CommandEnv, call: () => CardAnswer): CardAnswer | undefined {
  try {
    return call();
  } catch {
    env.stats.cardErrors++;
    return undefined;
  }
}

/** Turns a card answer into an outcome, with the wire time of `sentBytes` + the answer. */
export function answerOutcome(env: CommandEnv, slot: SimSlot, answer: CardAnswer | undefined, sentBytes: number, overhead: number, bBWI: number, byte9 = 0, chained = false): Outcome {
  if (answer === undefined) return failed(HW_ERROR);
  if (answer.mute === true) return failed(ICC_MUTE, wire(env, slot, sentBytes) + muteTime(env, slot, bBWI));
  const extra = Math.max(0, answer.extraMs ?? 0);
  const ms = Math.max(0, answer.processingMs) + extra + wire(env, slot, sentBytes + overhead + answer.bytes.length);
  // At TPDU level the reader cannot split an answer; at APDU level the caller chains it.
  if (!chained && answer.bytes.length > env.maxMessage - 10) return failed(XFR_OVERRUN, ms);
  return { answer: { commandStatus: 0, bError: 0, byte9, data: answer.bytes }, ms, extraMs: extra };
}

/** PC_to_RDR_IccPowerOn (§6.1.1): activation, voltage selection, ATR, and the reader's own parameter set-up. */
export function iccPowerOn(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  const bPowerSelect = msg[7]!;
  const support = env.profile.ccid.bVoltageSupport;
  if (bPowerSelect > 3 || (bPowerSelect !== 0 && (support & (1 << (bPowerSelect - 1))) === 0)) return failed(OFFSET_byte7);
  const card = slot.card;
  if (card === undefined) return failed(ICC_MUTE);
  const muteMs = env.options.muteTimeoutMs ?? atrMuteMs(slot.clockHz);
  const fault = cardFault(env, slot, msg[6]!, muteMs);
  if (fault !== undefined) {
    if (fault.spec.kind === 'mute-card' || fault.spec.kind === 'hardware-error') slot.resetSession();
    return fault.outcome;
  }
  // Automatic selection tries the classes from the lowest voltage up (ISO/IEC 7816-3 §6.2.4).
  const order = bPowerSelect === 0 ? [2, 1, 0].filter((i) => support & (1 << i) || support === 0) : [bPowerSelect - 1];
  let atr: Uint8Array | undefined;
  let spent = 0;
  for (const i of order) {
    try {
      atr = card.reset(slot.powered ? 'warm' : 'cold', VOLTS[i]!);
    } catch {
      env.stats.cardErrors++;
      slot.resetSession();
      return failed(HW_ERROR);
    }
    if (atr !== undefined) break;
    spent += muteMs;
  }
  slot.resetSession();
  if (atr === undefined) return failed(ICC_MUTE, spent);
  slot.powered = true;
  slot.freshAtr = true;
  setupAfterAtr(env, slot, card, atr);
  return ok(0, atr, spent + (env.options.wireTime ? atrMs(atr.length, slot.clockHz) : 0));
}

/** The reader's parameters after an ATR: default or specific mode (§6.3.1), then what dwFeatures automates. */
function setupAfterAtr(env: CommandEnv, slot: SimSlot, card: VirtualCard, atr: Uint8Array): void {
  const facts = scanAtr(atr);
  const protocols = env.profile.ccid.dwProtocols;
  const first: 0 | 1 = facts.firstProtocol === 1 && protocols & 2 ? 1 : protocols & 1 || !(protocols & 2) ? 0 : 1;
  const params = defaultParameters(first);
  const specific = facts.ta2 !== undefined;
  const features = env.profile.ccid.dwFeatures;
  if (specific && (facts.ta2! & 0x10) === 0 && facts.ta1 !== undefined) params.bmFindexDindex = facts.ta1;
  if (features & FEATURE_AUTO_PARAMETERS_FROM_ATR) {
    if (facts.tc1 !== undefined) params.bGuardTime = facts.tc1;
    if (first === 0 && facts.wi !== undefined) params.bWaitingInteger = facts.wi;
    if (first === 1 && facts.ifsc !== undefined && facts.ifsc > 0 && facts.ifsc < 0xff) params.bIFSC = facts.ifsc;
    if (first === 1 && facts.t1Waiting !== undefined) params.bWaitingInteger = facts.t1Waiting;
  }
  slot.params = params;
  if (!specific && features & FEATURE_AUTO_NEGOTIATION && facts.ta1 !== undefined && facts.ta1 !== 0x11) {
    const request = ppsRequest(first, facts.ta1);
    const answer = safePps(env, card, request);
    if (answer !== undefined && equalBytes(answer, request)) params.bmFindexDindex = facts.ta1;
  }
  slot.ppsAllowed = !specific && env.profile.exchangeLevel === 'tpdu' && (features & (FEATURE_AUTO_PPS | FEATURE_AUTO_NEGOTIATION)) === 0;
  card.setLink(slot.link());
}

/** A PPS request PPSS PPS0 PPS1 PCK for protocol `t` and Fi/Di `fidi` (ISO/IEC 7816-3 §9.2). */
export function ppsRequest(t: number, fidi: number): Uint8Array {
  const pps0 = 0x10 | t;
  return Uint8Array.of(0xff, pps0, fidi, 0xff ^ pps0 ^ fidi);
}

/** card.pps, with a card exception read as "no answer". */
export function safePps(env: CommandEnv, card: VirtualCard, request: Uint8Array): Uint8Array | undefined {
  try {
    return card.pps(request);
  } catch {
    env.stats.cardErrors++;
    return undefined;
  }
}

/** True when both arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** PC_to_RDR_XfrBlock (§6.1.4). */
export function xfrBlock(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  const level = env.profile.exchangeLevel;
  if (level === 'character') return failed(CMD_NOT_SUPPORTED);
  const card = slot.card;
  if (card === undefined || !slot.powered) return failed(ICC_MUTE);
  const bBWI = msg[7]!;
  const wLevelParameter = msg[8]! | (msg[9]! << 8);
  if (level !== 'tpdu') return apduLevel(env, slot, card, msg, wLevelParameter, bBWI);
  const data = abData(msg);
  const bSeq = msg[6]!;
  const fault = cardFault(env, slot, bSeq, muteTime(env, slot, bBWI));
  if (fault !== undefined) return fault.outcome;
  slot.freshAtr = false;
  if (slot.ppsAllowed && data[0] === 0xff) {
    // libccid-style hosts send the PPS request as an XfrBlock when the reader does not do PPS itself.
    slot.ppsAllowed = false;
    const answer = safePps(env, card, data);
    if (answer === undefined) return failed(ICC_MUTE, wire(env, slot, data.length) + muteTime(env, slot, bBWI));
    return ok(0, answer, wire(env, slot, data.length + answer.length));
  }
  slot.ppsAllowed = false;
  if (slot.params.protocol === 0) {
    if (data.length < 5) return failed(OFFSET_abData);
    return answerOutcome(env, slot, ask(env, () => card.transmitT0(data)), data.length, 1, bBWI);
  }
  const toCard = corruptBlock(env, slot, data, 'to-card');
  const answer = ask(env, () => card.transmitT1(toCard));
  const fromCard = answer === undefined || answer.mute === true ? answer : { ...answer, bytes: corruptBlock(env, slot, answer.bytes, 'from-card') };
  return answerOutcome(env, slot, fromCard, data.length, 0, bBWI);
}

/** The `t1-corrupt` fault hook on one block. */
function corruptBlock(env: CommandEnv, slot: SimSlot, block: Uint8Array, direction: BlockDirection): Uint8Array {
  if (env.faults.idle) return block;
  const spec = env.faults.check(BLOCK_FAULTS, slot.index, undefined, (s) => (s.direction ?? 'from-card') === direction || s.direction === 'both');
  if (spec === undefined) return block;
  env.stats.faults++;
  if (spec.corrupt !== undefined) return spec.corrupt(block.slice(), direction);
  const out = block.slice();
  if (out.length > 0) {
    const bit = env.faults.random.int(0, out.length * 8 - 1);
    out[bit >> 3]! ^= 1 << (bit & 7);
  }
  return out;
}

/** True for an extended-length command APDU (ISO/IEC 7816-4 §5.1: Lc or Le coded on 3 bytes after a 00). */
function isExtended(apdu: Uint8Array): boolean {
  return apdu.length > 261 || (apdu.length >= 7 && apdu[4] === 0);
}

/** XfrBlock at short/extended APDU level, with the reader's chaining of long messages. */
function apduLevel(env: CommandEnv, slot: SimSlot, card: VirtualCard, msg: Uint8Array, wLevelParameter: number, bBWI: number): Outcome {
  const maxData = env.maxMessage - 10;
  let apdu: Uint8Array;
  switch (wLevelParameter) {
    case 0x0000:
      slot.chainParts = undefined;
      slot.pendingResponse = undefined;
      apdu = abData(msg);
      break;
    case 0x0001:
      slot.pendingResponse = undefined;
      slot.chainParts = [abData(msg)];
      return ok(0x10);
    case 0x0003:
      if (slot.chainParts === undefined) return failed(OFFSET_wLevelParameter);
      slot.chainParts.push(abData(msg));
      return ok(0x10);
    case 0x0002: {
      if (slot.chainParts === undefined) return failed(OFFSET_wLevelParameter);
      slot.chainParts.push(abData(msg));
      apdu = concat(slot.chainParts);
      slot.chainParts = undefined;
      break;
    }
    case 0x0010: {
      const rest = slot.pendingResponse;
      if (rest === undefined) return failed(OFFSET_wLevelParameter);
      const part = rest.subarray(0, maxData);
      slot.pendingResponse = rest.length > maxData ? rest.subarray(maxData) : undefined;
      return ok(slot.pendingResponse === undefined ? 0x02 : 0x03, part.slice());
    }
    default:
      return failed(OFFSET_wLevelParameter);
  }
  if (env.profile.exchangeLevel === 'short-apdu' && isExtended(apdu)) return failed(OFFSET_abData);
  if (apdu.length < 4) return failed(OFFSET_abData);
  const fault = cardFault(env, slot, msg[6]!, muteTime(env, slot, bBWI));
  if (fault !== undefined) return fault.outcome;
  slot.freshAtr = false;
  slot.ppsAllowed = false;
  // The reader runs T=0 (procedure bytes, GET RESPONSE) or T=1 (4 bytes of block frame each way) itself.
  const overhead = slot.params.protocol === 0 ? 2 : 8;
  const outcome = answerOutcome(env, slot, ask(env, () => card.transmitApdu(apdu)), apdu.length, overhead, bBWI, 0, true);
  const response = outcome.answer.data;
  if (outcome.answer.commandStatus !== 0 || response === undefined || response.length <= maxData) return outcome;
  slot.pendingResponse = response.subarray(maxData);
  return { ...outcome, answer: { ...outcome.answer, byte9: 0x01, data: response.slice(0, maxData) } };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
