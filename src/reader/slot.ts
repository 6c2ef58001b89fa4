/**
 * One slot of an opened reader, as a resource manager uses it: power the card on, send
 * APDUs, power it off, read the slot status, talk to the reader (escape) and to its PIN
 * pad. Obtained once from `reader.slots` (validated against bMaxSlotIndex), never built
 * from a number.
 *
 * States (the README draws them):
 *
 * ```
 *   absent ──insert──▶ inactive ──powerOn──▶ active ──powerOff──▶ inactive
 *     ▲                   │  ▲                  │ ▲
 *     └──────remove───────┘  └───────remove─────┘ │ command sent
 *                                       busy ◀────┘──▶ answer: back to the card state
 *                                        │ timeout or signal
 *                                        ▼
 *                                    aborting ──Abort answered──▶ card state
 * ```
 *
 * Operations on one slot are serialised: a `transmit` waits for a `powerOn` in progress.
 * Different slots work at the same time, up to bMaxCCIDBusySlots.
 */
import type { CcidSlot } from '../ccid/slot.ts';
import type { SlotStatus } from '../ccid/messages.ts';
import { ArgumentError, CardProtocolError, NotSupportedError, ReaderGoneError, type CcidError } from '../errors.ts';
import { ownedResponseApdu, type ResponseApdu } from '../iso7816/apdu.ts';
import { fromHex } from '../util/hex.ts';
import { SerialQueue } from '../util/serial-queue.ts';
import { cardError, isCardGone } from './card-errors.ts';
import type { Part10Feature } from './features.ts';
import { case1Escape, delay, modificationStructure, pinDelayMs, pinError, verificationStructure, type ModifyPinParams, type PinOptions, type VerifyPinParams } from './pin.ts';
import { powerOnCard, type CardSession, type PowerOnContext, type PowerOnOptions, type PowerOnResult } from './power-on.ts';
import type { Reader } from './reader.ts';

/** A response APDU: data, SW1SW2 as one number (0x9000), and the raw bytes. */
export type ApduResponse = ResponseApdu;

/** The state a slot reports. */
export type SlotState = 'absent' | 'inactive' | 'active' | 'busy' | 'aborting';

/** Options of the slot operations that take only a signal. */
export interface SlotOperationOptions {
  /** Cancels the operation; a command in flight is aborted (CCID 1.1 §5.3.1). */
  signal?: AbortSignal;
}

/** Options of {@link Slot.transmit}. */
export type TransmitOptions = SlotOperationOptions;

/** The slot's status (PC_to_RDR_GetSlotStatus, CCID 1.1 §6.1.3 → §6.2.2). */
export interface SlotStatusInfo {
  /** bmICCStatus: no card, a card not powered, or a powered card. */
  readonly card: 'absent' | 'inactive' | 'active';
  /** bClockStatus: the card clock. */
  readonly clock: 'running' | 'stopped-low' | 'stopped-high' | 'stopped';
  /** The power-on result of the current card session, when this library powered the card. */
  readonly session?: PowerOnResult;
  /** The RDR_to_PC_SlotStatus message. */
  readonly raw: SlotStatus;
}

const CLOCK: readonly SlotStatusInfo['clock'][] = ['running', 'stopped-low', 'stopped-high', 'stopped'];

/** What a slot needs from its reader (built by the reader). @internal */
export interface SlotContext extends PowerOnContext {
  /** The part 10 features of the reader. */
  readonly features: readonly Part10Feature[];
}

/** One slot of an opened reader. */
export class Slot {
  /** The reader this slot belongs to. */
  readonly reader: Reader;
  readonly #ctx: SlotContext;
  #session: CardSession | undefined;
  /** `noSlotStatus` quirk: a power-on failed, so the card is taken as absent until the next insertion. */
  #assumedAbsent = false;
  /** The card left (or was swapped) while powered by us: transmit says CARD_REMOVED until the next powerOn. */
  #lostCard = false;
  /** One operation at a time on the slot (power on, transmit, control...). */
  readonly #queue = new SerialQueue();

  /** @internal Created by the reader only. */
  constructor(reader: Reader, ctx: SlotContext) {
    this.reader = reader;
    this.#ctx = ctx;
  }

  /** Slot index (bSlot), 0 .. bMaxSlotIndex. */
  get index(): number {
    return this.#ctx.ccid.index;
  }

  /**
   * `busy` / `aborting` while a command runs, else the card state (`absent` until a status
   * is known). With the `noSlotStatus` quirk a card is assumed present (`inactive`) until a
   * power-on fails.
   */
  get state(): SlotState {
    const s = this.#ctx.ccid.state;
    if ((s === 'unknown' || s === 'absent') && this.#ctx.quirks.some((q) => q.kind === 'noSlotStatus')) return this.#assumedAbsent ? 'absent' : 'inactive';
    return s === 'unknown' ? 'absent' : s;
  }

  /** The current card session (ATR, protocol, parameters), or undefined when not powered by this library. */
  get session(): PowerOnResult | undefined {
    return this.#session?.result;
  }

  /** @internal The engine's slot, for the reader's own use. */
  get ccid(): CcidSlot {
    return this.#ctx.ccid;
  }

  /** @internal The reader saw the card leave: the session is over. */
  cardRemoved(): void {
    if (this.#session !== undefined) this.#lostCard = true;
    this.#session = undefined;
  }

  /** @internal The reader saw a card arrive. */
  cardInserted(): void {
    this.#assumedAbsent = false;
  }

  /** PC_to_RDR_GetSlotStatus: whether a card is present and powered. */
  async status(options: SlotOperationOptions = {}): Promise<SlotStatusInfo> {
    let raw: SlotStatus;
    try {
      raw = await this.#ctx.ccid.getSlotStatus({ signal: options.signal });
    } catch (error) {
      throw this.#fail(error, 'status');
    }
    const card = raw.iccStatus === 0 ? 'active' : raw.iccStatus === 1 ? 'inactive' : 'absent';
    if (card !== 'active') this.#session = undefined;
    const session = this.#session?.result;
    return { card, clock: CLOCK[raw.clockStatus] ?? 'stopped', ...(session === undefined ? {} : { session }), raw };
  }

  /**
   * Powers the card on (cold reset, or warm with `warm: true`), selects voltage, protocol
   * and speed, and prepares the slot for {@link transmit}.
   * @throws {SlotError} `CCID_ERR_CARD_MUTE` when the card answers at no voltage;
   *   {@link CardProtocolError} `CCID_ERR_CARD_REMOVED` without a card; {@link AtrError};
   *   {@link NotSupportedError} when the card and the reader share no protocol;
   *   {@link TimeoutError}, {@link CancelledError}, {@link ReaderGoneError}.
   */
  powerOn(options: PowerOnOptions = {}): Promise<PowerOnResult> {
    return this.#serial(async () => {
      const previous = this.#session?.result;
      this.#session = undefined;
      try {
        this.#session = await powerOnCard(this.#ctx, options, options.warm === true ? previous : undefined);
      } catch (error) {
        const mapped = this.#fail(error, 'power on');
        if (mapped.code === 'CCID_ERR_CARD_REMOVED' || mapped.code === 'CCID_ERR_CARD_MUTE') this.#assumedAbsent = true;
        throw mapped;
      }
      this.#assumedAbsent = false;
      this.#lostCard = false;
      return this.#session.result;
    });
  }

  /**
   * Sends one command APDU and returns the response (a status word other than 90 00 is a
   * response, not an error).
   * @throws {ArgumentError} before powerOn or for a malformed APDU; {@link CardProtocolError}
   *   (`CCID_ERR_CARD_REMOVED`, `CCID_ERR_CARD_PROTOCOL` with the ISO reason); {@link SlotError}
   *   `CCID_ERR_CARD_MUTE`; {@link TimeoutError}; {@link CancelledError}; {@link NotSupportedError};
   *   {@link ReaderGoneError}.
   */
  transmit(apdu: Uint8Array, options: TransmitOptions = {}): Promise<ApduResponse> {
    return this.#serial(async () => {
      const session = this.#requireSession('transmit');
      try {
        return await session.transport.transmit(apdu, { signal: options.signal });
      } catch (error) {
        throw this.#fail(error, 'transmit');
      }
    });
  }

  /** PC_to_RDR_IccPowerOff: deactivates the card; the session ends. */
  powerOff(options: SlotOperationOptions = {}): Promise<void> {
    return this.#serial(async () => {
      this.#session = undefined;
      try {
        await this.#ctx.ccid.powerOff({ signal: options.signal });
      } catch (error) {
        throw this.#fail(error, 'power off');
      }
    });
  }

  /**
   * PC_to_RDR_Escape (CCID 1.1 §6.1.8): vendor bytes to the reader, its answer back
   * (PC/SC FEATURE_CCID_ESC_COMMAND).
   */
  async control(data: Uint8Array, options: SlotOperationOptions = {}): Promise<Uint8Array> {
    if (!(data instanceof Uint8Array)) throw new ArgumentError('control data must be a Uint8Array');
    try {
      return (await this.#ctx.ccid.escape(data, { signal: options.signal })).data;
    } catch (error) {
      throw this.#fail(error, 'escape');
    }
  }

  /** The PC/SC v2 part 10 features the reader offers, with libccid's control codes. */
  features(): Part10Feature[] {
    return [...this.#ctx.features];
  }

  /**
   * Secure PIN verification on the reader's PIN pad (FEATURE_VERIFY_PIN_DIRECT): the
   * reader asks the user, builds the VERIFY command and returns the card's response.
   * @throws {NotSupportedError} when bPINSupport (after quirks) has no verification;
   *   {@link TimeoutError} (no PIN entered), {@link CancelledError} (user cancelled).
   */
  verifyPin(params: VerifyPinParams, options: PinOptions = {}): Promise<ApduResponse> {
    return this.#serial(async () => {
      this.#requirePinPad(0x01, 'verification');
      const structure = verificationStructure(params, this.#ctx.quirks);
      const escape = case1Escape(this.#ctx.quirks, structure);
      await delay(pinDelayMs(this.#ctx.quirks), options.signal);
      if (escape !== undefined) await this.#ctx.ccid.escape(fromHex(escape), { signal: options.signal });
      return this.#secure({ operation: 'verify', structure }, structure.timeOut, options, 'PIN verification');
    });
  }

  /**
   * Secure PIN modification on the reader's PIN pad (FEATURE_MODIFY_PIN_DIRECT).
   * @throws {NotSupportedError} when bPINSupport (after quirks) has no modification.
   */
  modifyPin(params: ModifyPinParams, options: PinOptions = {}): Promise<ApduResponse> {
    return this.#serial(async () => {
      this.#requirePinPad(0x02, 'modification');
      const structure = modificationStructure(params, this.#ctx.quirks);
      return this.#secure({ operation: 'modify', structure }, structure.timeOut, options, 'PIN modification');
    });
  }

  async #secure(operation: Parameters<CcidSlot['secure']>[0], timeOutSeconds: number, options: PinOptions, what: string): Promise<ApduResponse> {
    const session = this.#requireSession(what);
    // The user has bTimeOut seconds (the reader's default, about 30 s, when 0) on top of the card's time.
    const timeoutMs = (timeOutSeconds > 0 ? timeOutSeconds : 60) * 1000 + session.result.readTimeoutMs;
    let data: Uint8Array;
    try {
      data = (await this.#ctx.ccid.secure(operation, { signal: options.signal, timeoutMs })).data;
    } catch (error) {
      throw this.#fail(pinError(error, `${this.reader.name} slot ${this.index}: ${what}`), what);
    }
    if (data.length < 2) throw new CardProtocolError('CCID_ERR_CARD_PROTOCOL', `${this.reader.name} slot ${this.index}: ${what}: answer of ${data.length} byte(s), no status word`, { reader: this.reader.name, slot: this.index });
    const response = ownedResponseApdu(data);
    // TPDU T=0: the card may answer 61 xx; fetch the data as transmit would (ISO/IEC 7816-3 §10.3.4).
    if (response.sw >> 8 === 0x61 && session.result.protocol === 0 && this.#ctx.parameters.exchangeLevel === 'tpdu') {
      try {
        return await session.transport.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, response.sw & 0xff), { signal: options.signal });
      } catch (error) {
        throw this.#fail(error, what);
      }
    }
    return response;
  }

  #requirePinPad(bit: number, what: string): void {
    if ((this.#ctx.parameters.pinSupport & bit) === 0) {
      throw new NotSupportedError(`${this.reader.name} has no PIN pad ${what} (bPINSupport 0x${this.#ctx.parameters.pinSupport.toString(16).padStart(2, '0')})`, { reader: this.reader.name, slot: this.index });
    }
    if (this.#ctx.parameters.exchangeLevel === 'tpdu' && this.#session?.result.protocol === 1) {
      throw new NotSupportedError(`${this.reader.name}: PIN pad at TPDU level with T=1 (bTeoPrologue) is not supported yet`, { reader: this.reader.name, slot: this.index });
    }
  }

  #requireSession(what: string): CardSession {
    const session = this.#session;
    if (session !== undefined) return session;
    // The reader's fate, then the card's, before blaming the caller (PC/SC: SCARD_E_READER_UNAVAILABLE, SCARD_W_REMOVED_CARD).
    const where = { reader: this.reader.name, slot: this.index };
    const state = this.reader.state;
    if (state === 'gone') throw new ReaderGoneError('CCID_ERR_READER_GONE', `${this.reader.name} slot ${this.index}: ${what}: the reader was unplugged`, where);
    if (state !== 'open') throw new ReaderGoneError('CCID_ERR_READER_CLOSED', `${this.reader.name} slot ${this.index}: ${what}: the reader is ${state}`, where);
    if (this.#lostCard && this.#ctx.ccid.card !== 'absent') {
      throw new CardProtocolError('CCID_ERR_CARD_REMOVED', `${this.reader.name} slot ${this.index}: ${what}: the card was removed or swapped since powerOn(); power it on again`, where);
    }
    if (this.#ctx.ccid.card === 'absent') {
      throw new CardProtocolError('CCID_ERR_CARD_REMOVED', `${this.reader.name} slot ${this.index}: ${what}: no card in the slot`, { reader: this.reader.name, slot: this.index });
    }
    throw new ArgumentError(`${this.reader.name} slot ${this.index}: ${what}: the card is not powered; call powerOn() first`, { reader: this.reader.name, slot: this.index });
  }

  #fail(error: unknown, operation: string): CcidError {
    const mapped = cardError(error, { reader: this.reader.name, slot: this.index, operation });
    if (isCardGone(mapped) || mapped.code === 'CCID_ERR_READER_GONE' || mapped.code === 'CCID_ERR_READER_CLOSED') this.#session = undefined;
    return mapped;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    return this.#queue.run(work);
  }
}
