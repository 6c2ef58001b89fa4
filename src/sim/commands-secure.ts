/**
 * PC_to_RDR_Secure (CCID 1.1 §6.1.11) with an emulated PIN pad: the test queues what the
 * user "types" (`slots[i].enterPin`), the reader builds the VERIFY APDU from the PIN
 * verification data structure (§6.1.11.7) and sends it to the card.
 */
import { answerOutcome, ask, cardFault, muteTime } from './commands-card.ts';
import { type CommandEnv, type Outcome, failed } from './outcome.ts';
import type { SimSlot } from './slot.ts';
import { CMD_NOT_SUPPORTED, ICC_MUTE, OFFSET_abData, PIN_CANCELLED, PIN_TIMEOUT } from './spec.ts';

/**
 * PC_to_RDR_Secure (§6.1.11): rejected (CMD_NOT_SUPPORTED) without bPINSupport; PIN
 * verification (bPINOperation 0) otherwise, with the PIN the test queued on the slot's
 * emulated PIN pad inserted into abPINApdu per bmFormatString / bmPINBlockString /
 * bmPINLengthFormat (§6.1.11.7).
 */
export function secure(env: CommandEnv, slot: SimSlot, msg: Uint8Array): Outcome {
  if ((env.profile.ccid.bPINSupport & 0x01) === 0) return failed(CMD_NOT_SUPPORTED);
  const card = slot.card;
  if (card === undefined || !slot.powered) return failed(ICC_MUTE);
  const data = msg.subarray(10);
  if (data.length < 1 || data[0] !== 0) return failed(OFFSET_abData);
  // The verification structure: bTimeOut, bmFormatString, bmPINBlockString, bmPINLengthFormat,
  // wPINMaxExtraDigit (2), bEntryValidationCondition, bNumberMessage, wLangId (2), bMsgIndex,
  // bTeoPrologue (3), then abPINApdu.
  if (data.length < 1 + 14 + 4) return failed(OFFSET_abData);
  const format = data[2]!;
  const block = data[3]!;
  const lengthFormat = data[4]!;
  const maxDigits = data[5]!;
  const minDigits = data[6]!;
  const pin = slot.pinEntries.shift();
  if (pin === undefined) return failed(PIN_TIMEOUT);
  if (pin === null) return failed(PIN_CANCELLED);
  const apdu = data.slice(15);
  const built = insertPin(apdu, pin, format, block, lengthFormat, minDigits, maxDigits);
  if (built === undefined) return failed(OFFSET_abData);
  const fault = cardFault(env, slot, msg[6]!, muteTime(env, slot, 0));
  if (fault !== undefined) return fault.outcome;
  slot.freshAtr = false;
  slot.ppsAllowed = false;
  return answerOutcome(env, slot, ask(env, () => card.transmitApdu(built)), built.length, 2, 0);
}

/** Writes the PIN into the APDU's data field; undefined when the structure does not fit. */
function insertPin(apdu: Uint8Array, pin: string, format: number, block: number, lengthFormat: number, minDigits: number, maxDigits: number): Uint8Array | undefined {
  if (apdu.length < 5 || !/^\d*$/.test(pin)) return undefined;
  if (maxDigits > 0 && (pin.length < minDigits || pin.length > maxDigits)) return undefined;
  const inBytes = (format & 0x80) !== 0;
  const position = (format >> 3) & 0x0f;
  const kind = format & 0x03;
  const lengthBits = block >> 4;
  const out = apdu.slice();
  const base = 5;
  const posBytes = inBytes ? position : position >> 3;
  if (kind === 2) {
    for (let i = 0; i < pin.length; i++) if (base + posBytes + i < out.length) out[base + posBytes + i] = pin.charCodeAt(i);
  } else if (kind === 1) {
    for (let i = 0; i < pin.length; i++) {
      const at = base + posBytes + (i >> 1);
      if (at >= out.length) break;
      const digit = pin.charCodeAt(i) - 48;
      out[at] = i & 1 ? (out[at]! & 0xf0) | digit : (out[at]! & 0x0f) | (digit << 4);
    }
  } else {
    for (let i = 0; i < pin.length; i++) if (base + posBytes + i < out.length) out[base + posBytes + i] = pin.charCodeAt(i) - 48;
  }
  if (lengthBits > 0) {
    const lengthInBytes = (lengthFormat & 0x10) !== 0;
    const lpos = lengthFormat & 0x0f;
    const bitPos = lengthInBytes ? lpos * 8 : lpos;
    const at = base + (bitPos >> 3);
    if (at < out.length && lengthBits <= 8) {
      const shift = 8 - lengthBits - (bitPos & 7);
      if (shift >= 0) out[at] = (out[at]! & ~(((1 << lengthBits) - 1) << shift)) | (pin.length << shift);
    }
  }
  return out;
}
