/**
 * Power-on of one card, from nothing to "ready for APDUs": activation and class selection
 * (`activation.ts`), the ATR check, protocol and Fi/Di (`negotiation.ts`: PPS by the host
 * or the reader, SetParameters), the read timeout of every exchange (ISO/IEC 7816-3 WWT,
 * BWT, CWT through `readTimeoutMs`, never below 3 s), the APDU transport for the
 * reader's exchange level, and the T=1 IFSD negotiation when the reader does not do it.
 *
 * ```
 *  IccPowerOn (5 V → 3 V → 1.8 V) ─▶ ATR ─▶ protocol, Fi/Di ─┬─ host PPS (XfrBlock) ─┐
 *                                                           ├─ reader PPS ──────────┼─▶ SetParameters ─▶ S(IFS request) ─▶ ready
 *                                                           └─ nothing to change ───┘
 *  PPS refused / SetParameters refused ─▶ power off, power on again, Fd/Dd, default protocol
 * ```
 *
 * Quirks applied here (besides those of activation): `noPps`, `setParametersFallback`,
 * `extraCardTimeout`, `responseTimeout` (phase `always`), and the parameter overrides of
 * `applyQuirks` (data rates, IFSD, exchange level, message length) through the context.
 */
import type { CcidInterfaceDescription } from '../descriptors/ccid-interface.ts';
import type { Parameters } from '../ccid/messages.ts';
import { CancelledError, ReaderGoneError, SlotError } from '../errors.ts';
import { assertValidAtr, type Atr } from '../iso7816/atr/parse.ts';
import { buildPpsRequest, checkPpsResponse, FIDI_DEFAULT } from '../iso7816/pps.ts';
import { cardTiming, readTimeoutMs } from '../iso7816/timeouts.ts';
import { createApduTransport, type ComposedTransport } from '../iso7816/transmit.ts';
import type { ReaderParameters } from '../readers/apply.ts';
import { toHex } from '../util/hex.ts';
import { activateCard, type ActivationContext, type Activated } from './activation.ts';
import type { Voltage } from './capabilities.ts';
import { fiDiValues, ifscOf, planNegotiation, protocolDataFor, type PpsMode } from './negotiation.ts';

/** Options of {@link Slot.powerOn}. */
export interface PowerOnOptions {
  /** Supply voltage: `'auto'` lets the reader choose; a number forces it. @default automatic when the reader can (dwFeatures 0x08), else class selection 5 V → 3 V → 1.8 V */
  voltage?: 'auto' | Voltage;
  /** Protocol to prefer when the card and the reader both offer it. @default the card's first offered protocol */
  protocol?: 0 | 1;
  /** Warm reset (RST toggled, supply kept) instead of a cold one. @default false */
  warm?: boolean;
  /** Negotiate a faster Fi/Di with PPS when the card allows it. @default true */
  pps?: boolean;
  /** Cancels the power-on (between and during commands). */
  signal?: AbortSignal;
}

/** The card's state after power-on. */
export interface PowerOnResult {
  /** The ATR, exactly as the reader returned it. */
  readonly atr: Uint8Array;
  /** The ATR, parsed (ISO/IEC 7816-3 §8). */
  readonly parsedAtr: Atr;
  /** The protocol in use. */
  readonly protocol: 0 | 1;
  /** The voltage the card answered at (`'auto'`: chosen by the reader). */
  readonly voltage: 'auto' | Voltage;
  /** Fi in force (ISO/IEC 7816-3 Table 7). */
  readonly fi: number;
  /** Di in force (Table 8). */
  readonly di: number;
  /** The card clock, in kHz (dwDefaultClock). */
  readonly clockKhz: number;
  /** The data rate f · Di / Fi, in bit/s. */
  readonly rateBps: number;
  /** T=1: IFSC, the largest information field the card accepts. */
  readonly ifsc?: number;
  /** T=1: IFSD in force (negotiated by the host with S(IFS request), or the reader's dwMaxIFSD when it does it). */
  readonly ifsd?: number;
  /** The deadline of one exchange, in ms (from the ATR and the link; at least 3000). */
  readonly readTimeoutMs: number;
  /** True when a PPS exchange changed Fi/Di or the protocol (by the host or the reader). */
  readonly ppsDone: boolean;
  /** Who negotiated: see `negotiation.ts`. */
  readonly ppsMode: PpsMode;
  /** What did not go as planned but was recovered (voltages tried, PPS refused, ATR defects). */
  readonly warnings: readonly string[];
}

/** What power-on needs to know of the reader and the slot. */
export interface PowerOnContext extends ActivationContext {
  /** Reader name, for messages. */
  readonly name: string;
  /** The CCID interface. */
  readonly itf: CcidInterfaceDescription;
  /** The descriptor values after quirks, for this slot. */
  readonly parameters: ReaderParameters;
  /** The card clock, in kHz. */
  readonly clockKhz: number;
  /** Called with the multiplier of each T=1 S(WTX request). */
  readonly onWaitingTimeExtension?: (multiplier: number) => void;
}

/** A powered card: the result and the transport for its APDUs. */
export interface CardSession {
  readonly result: PowerOnResult;
  readonly transport: ComposedTransport;
}

/** Errors that end the power-on at once: nothing to recover by trying again. */
function fatal(error: unknown): boolean {
  return error instanceof CancelledError || error instanceof ReaderGoneError || (error instanceof SlotError && error.code === 'CCID_ERR_CARD_ABSENT');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Powers the card on and prepares it for APDUs.
 * @throws {SlotError} ICC_MUTE when no voltage got an ATR, CARD_ABSENT without a card;
 *   {@link AtrError} for an unusable ATR; {@link NotSupportedError} when no protocol is
 *   shared; the engine's errors (timeout, cancelled, reader gone).
 */
export async function powerOnCard(ctx: PowerOnContext, options: PowerOnOptions = {}, previous?: PowerOnResult): Promise<CardSession> {
  const signal = options.signal;
  const warnings: string[] = [];
  let activated: Activated = await activateCard(ctx, { voltage: options.voltage, warm: options.warm, previousVoltage: previous?.voltage, signal });
  const reactivate = async (why: string): Promise<void> => {
    warnings.push(`${why}: card reset, continuing with Fd/Dd and the default protocol`);
    activated = await activateCard(ctx, { voltage: activated.voltage, signal });
  };
  for (const t of activated.tried) warnings.push(`${t.voltage === 'auto' ? 'automatic voltage' : `${t.voltage} V`}: ${t.reason}`);
  assertValidAtr(activated.parsedAtr, { lenient: true });
  for (const e of activated.parsedAtr.errors) warnings.push(`ATR: ${e}`);

  const plan = planNegotiation({
    itf: ctx.itf,
    parameters: ctx.parameters,
    quirks: ctx.quirks,
    atr: activated.parsedAtr,
    clockKhz: ctx.clockKhz,
    preferred: options.protocol,
    pps: options.pps,
  });
  let protocol = plan.protocol;
  let fiDi = plan.fiDi;
  let ppsDone = false;
  let parametersSent = false;
  const fallBack = async (why: string): Promise<void> => {
    await reactivate(why);
    protocol = plan.defaultProtocol;
    fiDi = FIDI_DEFAULT;
    ppsDone = false;
  };

  if (plan.mode === 'host-pps') {
    // ISO/IEC 7816-3 §9.2: PPSS PPS0 [PPS1] PCK, carried as raw bytes in one XfrBlock.
    const request = buildPpsRequest(protocol, fiDi === FIDI_DEFAULT ? undefined : fiDi);
    let failure: string | undefined;
    try {
      const answer = await ctx.ccid.xfrBlock(request, { signal });
      const outcome = checkPpsResponse(request, answer.data);
      if (outcome.accepted) {
        fiDi = outcome.fiDi;
        ppsDone = !outcome.defaults || protocol !== plan.defaultProtocol;
        if (outcome.defaults && plan.fiDi !== FIDI_DEFAULT) warnings.push(`PPS ${toHex(request)}: the card answered without PPS1 and keeps Fd/Dd (ISO/IEC 7816-3 §9.3)`);
      } else failure = `PPS ${toHex(request)} refused: ${outcome.reason}`;
    } catch (error) {
      if (fatal(error)) throw error;
      failure = `PPS ${toHex(request)} failed: ${describe(error)}`;
    }
    if (failure !== undefined) await fallBack(failure);
  } else if (plan.mode === 'reader-pps' || plan.mode === 'set-parameters-only') {
    // CCID 1.1 §5.1 dwFeatures 0x80: SetParameters makes the reader run the PPS.
    try {
      await ctx.ccid.setParameters(protocolDataFor(protocol, fiDi, activated.parsedAtr), { signal });
      parametersSent = true;
      ppsDone = true;
    } catch (error) {
      if (fatal(error)) throw error;
      await fallBack(`SetParameters T=${protocol} Fi/Di ${toHex(Uint8Array.of(fiDi))} refused: ${describe(error)}`);
    }
  } else if (plan.mode === 'reader-negotiates') {
    const actual = await readParameters(ctx, signal);
    if (actual !== undefined) {
      protocol = actual.protocolNum === 1 ? 1 : 0;
      fiDi = actual.parameters?.findexDindex ?? FIDI_DEFAULT;
      ppsDone = fiDi !== FIDI_DEFAULT;
    }
  }

  if (!parametersSent && (plan.setParameters || ppsDone) && plan.mode !== 'reader-negotiates') {
    try {
      await ctx.ccid.setParameters(protocolDataFor(protocol, fiDi, activated.parsedAtr), { signal });
    } catch (error) {
      if (fatal(error) || !(protocol === 1 && ctx.quirks.some((q) => q.kind === 'setParametersFallback'))) throw error;
      // setParametersFallback: the reader refuses T=1 SetParameters; a cold then a warm reset leaves it usable.
      warnings.push(`SetParameters T=1 refused (${describe(error)}): cold and warm reset, continuing with the reader's own parameters`);
      activated = await activateCard(ctx, { voltage: activated.voltage, signal });
      activated = await activateCard(ctx, { warm: true, previousVoltage: activated.voltage, signal });
    }
  }

  const atr = activated.parsedAtr;
  const { fi, di } = fiDiValues(fiDi);
  const clockKhz = ctx.clockKhz;
  const timeoutMs = readTimeout(ctx, protocol, atr, clockKhz, fi, di);
  const level = ctx.parameters.exchangeLevel;
  const t1AtTpdu = level === 'tpdu' && protocol === 1;
  const negotiateIfsd = t1AtTpdu && !ctx.parameters.autoIfsdExchange;
  const ifsc = protocol === 1 ? ifscOf(atr) : undefined;
  const wantedIfsd = Math.min(254, ctx.parameters.maxIfsd > 0 ? ctx.parameters.maxIfsd : 254);
  const transport = createApduTransport(ctx.ccid, {
    level,
    protocol,
    maxMessageLength: ctx.parameters.maxMessageLength,
    timeoutMs,
    classGetResponse: ctx.itf.ccid.classGetResponse,
    classEnvelope: ctx.itf.ccid.classEnvelope,
    t1: {
      ifsc: ifsc ?? 32,
      ifsd: wantedIfsd,
      negotiateIfsd,
      edc: atr.t1.edc === 'CRC' ? 'crc' : 'lrc',
      ...(ctx.onWaitingTimeExtension === undefined ? {} : { onWaitingTimeExtension: ctx.onWaitingTimeExtension }),
    },
  });
  let ifsd: number | undefined;
  if (t1AtTpdu && transport.t1Session !== undefined) {
    // ISO/IEC 7816-3 §11.4.2: the interface device announces its IFSD with S(IFS request) as its first block.
    if (negotiateIfsd && !(await transport.t1Session.negotiateIfsd({ signal }))) warnings.push('S(IFS request) not answered: IFSD stays 32');
    ifsd = negotiateIfsd ? transport.t1Session.state.ifsd : wantedIfsd;
  } else if (protocol === 1) {
    ifsd = wantedIfsd;
  }
  const result: PowerOnResult = {
    atr: activated.atr,
    parsedAtr: atr,
    protocol,
    voltage: activated.voltage,
    fi,
    di,
    clockKhz,
    rateBps: Math.round((clockKhz * 1000 * di) / fi),
    ...(ifsc === undefined ? {} : { ifsc }),
    ...(ifsd === undefined ? {} : { ifsd }),
    readTimeoutMs: timeoutMs,
    ppsDone,
    ppsMode: plan.mode,
    warnings,
  };
  return { result, transport };
}

async function readParameters(ctx: PowerOnContext, signal: AbortSignal | undefined): Promise<Parameters | undefined> {
  try {
    return await ctx.ccid.getParameters({ signal });
  } catch (error) {
    if (fatal(error)) throw error;
    return undefined;
  }
}

/** The read timeout of one exchange: ISO/IEC 7816-3 timing (floor 3 s), plus the reader's quirks. */
function readTimeout(ctx: PowerOnContext, protocol: 0 | 1, atr: Atr, clockKhz: number, fi: number, di: number): number {
  let ms = readTimeoutMs(protocol, cardTiming(atr), { clockKhz: clockKhz > 0 ? clockKhz : 4000, fi, di });
  for (const q of ctx.quirks) {
    if (q.kind === 'extraCardTimeout' && (q.protocol === undefined || q.protocol === `T=${protocol}`)) ms += q.ms;
    if (q.kind === 'responseTimeout' && q.phase === 'always') ms = Math.max(ms, q.ms);
  }
  return ms;
}
