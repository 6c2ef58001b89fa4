/**
 * The commands that act on the slot rather than exchange data with the card: power off,
 * status, parameters, escape, clock, T0APDU, mechanical, data rate and clock (CCID 1.1
 * §6.1.2–§6.1.14, except XfrBlock and Secure).
 */
import { equalBytes, ppsRequest, safePps } from './commands-card.ts';
import { type CommandEnv, type Outcome, abData, failed, ok } from './outcome.ts';
import { type SlotParameters, decodeParameters, defaultParameters, encodeParameters } from './params.ts';
import { answerValues } from './profile.ts';
import type { SimSlot } from './slot.ts';
import { CMD_NOT_SUPPORTED, FEATURE_AUTO_PPS, FEATURE_CLOCK_STOP, ICC_MUTE, OFFSET_byte7, OFFSET_dwLength } from './spec.ts';
import { bytesMs } from './timing.ts';
import { fiOf, diOf } from './params.ts';

/** bClockStatus of a SlotStatus (§6.2.2): 0 running, 1 stopped low, 2 stopped high, 3 stopped unknown. */
export function clockStatus(slot: SimSlot): number {
  if (!slot.clockStopped) return 0;
  return slot.params.bClockStop === 2 ? 2 : 1;
}

/** PC_to_RDR_IccPowerOff (§6.1.2). */
export function iccPowerOff(_env: CommandEnv, slot: SimSlot): Outcome {
  if (slot.powered) {
    try {
      slot.card?.powerOff();
    } catch {
      _env.stats.cardErrors++;
    }
  }
  slot.resetSession();
  return ok(clockStatus(slot));
}

/** PC_to_RDR_GetSlotStatus (§6.1.3). */
export function getSlotStatus(_env: CommandEnv, slot: SimSlot): Outcome {
  return ok(clockStatus(slot));
}

function parametersAnswer(p: SlotParameters, ms = 0): Outcome {
  return ok(p.protocol, encodeParameters(p), ms);
}

/** PC_to_RDR_GetParameters (§6.1.5). */
export function getParameters(_env: CommandEnv, slot: SimSlot): Outcome {
  return parametersAnswer(slot.params);
}

function applyLink(env: CommandEnv, slot: SimSlot): void {
  if (slot.card === undefined || !slot.powered) return;
  try {
    slot.card.setLink(slot.link());
  } catch {
    env.stats.cardErrors++;
  }
}

/** PC_to_RDR_ResetParameters (§6.1.6): back to the defaults of the protocol in use. */
export function resetParameters(env: CommandEnv, slot: SimSlot): Outcome {
  slot.params = defaultParameters(slot.params.protocol);
  applyLink(env, slot);
  return parametersAnswer(slot.params);
}

/**
 * PC_to_RDR_SetParameters (§6.1.7). A reader with "automatic PPS according to the active
 * parameters" (dwFeatures 0x80) runs the PPS itself when the new Fi/Di or protocol differ
 * and the card has just answered its ATR; others only take the values (the host did the PPS).
 */
export function setParameters(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  const bProtocolNum = msg[7]!;
  if (bProtocolNum > 1 || (env.profile.ccid.dwProtocols & (1 << bProtocolNum)) === 0) return failed(OFFSET_byte7);
  const decoded = decodeParameters(bProtocolNum as 0 | 1, abData(msg));
  if (typeof decoded === 'number') return failed(decoded);
  let ms = 0;
  const card = slot.card;
  const changes = decoded.bmFindexDindex !== slot.params.bmFindexDindex || decoded.protocol !== slot.params.protocol;
  if (card !== undefined && slot.powered && slot.freshAtr && changes && env.profile.ccid.dwFeatures & FEATURE_AUTO_PPS) {
    const request = ppsRequest(decoded.protocol, decoded.bmFindexDindex);
    const answer = safePps(env, card, request);
    if (env.options.wireTime) ms = bytesMs(8, 0, fiOf(slot.params), diOf(slot.params), slot.clockHz);
    if (answer === undefined) return failed(ICC_MUTE, ms, slot.params.protocol);
    if (!equalBytes(answer, request)) return failed(10, ms, slot.params.protocol);
    slot.freshAtr = false;
  }
  slot.params = decoded;
  applyLink(env, slot);
  return parametersAnswer(decoded, ms);
}

/** PC_to_RDR_Escape (§6.1.8): the options' handler, or an echo. */
export function escape(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  const data = abData(msg);
  const handler = env.options.escape;
  if (handler === undefined) return ok(0, data);
  try {
    return ok(0, handler(slot.index, data));
  } catch {
    return failed(CMD_NOT_SUPPORTED);
  }
}

/** PC_to_RDR_IccClock (§6.1.9): bClockCommand 0 restarts, 1 stops (needs dwFeatures 0x100). */
export function iccClock(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  const command = msg[7]!;
  if (command > 1) return failed(OFFSET_byte7);
  if (command === 1 && (env.profile.ccid.dwFeatures & FEATURE_CLOCK_STOP) === 0) return failed(CMD_NOT_SUPPORTED);
  if (slot.card === undefined || !slot.powered) return failed(ICC_MUTE);
  slot.clockStopped = command === 1;
  return ok(clockStatus(slot));
}

/** PC_to_RDR_T0APDU (§6.1.10): bmChanges bit 0 sets bClassGetResponse, bit 1 bClassEnvelope. */
export function t0Apdu(_env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  const bmChanges = msg[7]!;
  if (bmChanges > 3) return failed(OFFSET_byte7);
  if (bmChanges & 1) slot.classGetResponse = msg[8]!;
  if (bmChanges & 2) slot.classEnvelope = msg[9]!;
  return ok(clockStatus(slot));
}

/** PC_to_RDR_Mechanical (§6.1.12): needs dwMechanical; bFunction 2 ejects the card. */
export function mechanical(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  if (env.profile.ccid.dwMechanical === 0) return failed(CMD_NOT_SUPPORTED);
  const bFunction = msg[7]!;
  if (bFunction < 1 || bFunction > 5) return failed(OFFSET_byte7);
  if (bFunction === 2 && slot.card !== undefined) env.ejectCard(slot);
  return ok(clockStatus(slot));
}

function pick(wanted: number, list: readonly number[], max: number): number {
  if (list.length === 0) return wanted <= max || max === 0 ? wanted : max;
  if (list.includes(wanted)) return wanted;
  let best = -1;
  for (const v of list) if (v <= wanted && v > best) best = v;
  return best >= 0 ? best : Math.min(...list);
}

/**
 * PC_to_RDR_SetDataRateAndClockFrequency (§6.1.14): the reader sets the nearest values it
 * supports (from its GET_CLOCK_FREQUENCIES / GET_DATA_RATES lists) and answers them.
 */
export function setDataRateAndClockFrequency(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  const data = msg.subarray(10);
  if (data.length !== 8) return failed(OFFSET_dwLength);
  const dv = new DataView(data.buffer, data.byteOffset, 8);
  const ccid = env.profile.ccid;
  const clocks = answerValues(env.profile.clockFrequencies);
  const rates = answerValues(env.profile.dataRates);
  const clockKhz = pick(dv.getUint32(0, true), clocks.length > 0 ? clocks : [ccid.dwDefaultClock], ccid.dwMaximumClock);
  const rate = pick(dv.getUint32(4, true), rates, ccid.dwMaxDataRate);
  if (clockKhz > 0) slot.clockHz = clockKhz * 1000;
  slot.dataRate = rate;
  applyLink(env, slot);
  const out = new Uint8Array(8);
  const ov = new DataView(out.buffer);
  ov.setUint32(0, clockKhz, true);
  ov.setUint32(4, rate, true);
  return ok(0, out);
}
