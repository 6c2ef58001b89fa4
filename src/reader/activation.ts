/**
 * Card activation and class selection: PC_to_RDR_IccPowerOn (CCID 1.1 §6.1.1) at the
 * right voltage, until the card answers with an ATR it accepts.
 *
 * - The reader selects the voltage itself when dwFeatures has "automatic ICC voltage
 *   selection" (0x08): bPowerSelect = 0.
 * - Otherwise the host runs class selection (ISO/IEC 7816-3 §6.2.4) over the voltages of
 *   bVoltageSupport, in libccid's order, 5 V → 3 V → 1.8 V: a card that does not answer
 *   (ICC_MUTE), or a reader that refuses the class (ICC_CLASS_NOT_SUPPORTED, or
 *   BAD_PARAMETER(7) on bPowerSelect), moves on to the next voltage.
 * - A card whose ATR carries a class indicator (first TA after T=15, §8.3, Table 12) that
 *   does not include the class it was activated at is deactivated and activated again at
 *   the next voltage its indicator accepts.
 *
 * Quirks applied here: `powerOffBeforePowerOn` and `cardActiveBeforePowerOn` (power off
 * first), `powerOnRetryEscape` (send the vendor escape on a given bError, retry once).
 */
import type { CcidSlot } from '../ccid/slot.ts';
import { NotSupportedError, SlotError } from '../errors.ts';
import { parseAtr, type Atr } from '../iso7816/atr/parse.ts';
import { CLASS_VOLTAGE, type VoltageClass } from '../iso7816/atr/tables.ts';
import type { Quirk } from '../readers/quirk.ts';
import { fromHex } from '../util/hex.ts';
import type { Voltage } from './capabilities.ts';

/** What class selection needs to know of the reader. */
export interface ActivationContext {
  /** The engine's slot. */
  readonly ccid: CcidSlot;
  /** bVoltageSupport as a list, highest first. */
  readonly voltages: readonly Voltage[];
  /** dwFeatures 0x08. */
  readonly automaticVoltage: boolean;
  /** The reader's quirks. */
  readonly quirks: readonly Quirk[];
}

/** How to activate. */
export interface ActivationRequest {
  /** `'auto'`, a voltage, or undefined (automatic when the reader can, else class selection). */
  readonly voltage?: 'auto' | Voltage | undefined;
  /** Warm reset: no deactivation first; keeps `previousVoltage`. */
  readonly warm?: boolean | undefined;
  /** The voltage of the previous activation (warm reset). */
  readonly previousVoltage?: 'auto' | Voltage | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** The outcome of activation. */
export interface Activated {
  /** The ATR as the reader returned it. */
  readonly atr: Uint8Array;
  readonly parsedAtr: Atr;
  /** The voltage the card answered at (`'auto'` when the reader chose). */
  readonly voltage: 'auto' | Voltage;
  /** Voltages tried before, with why they were left. */
  readonly tried: readonly { readonly voltage: 'auto' | Voltage; readonly reason: string }[];
}

const CLASS_OF: Readonly<Record<string, VoltageClass>> = { '5': 'A', '3': 'B', '1.8': 'C' };

/** The class (A, B, C) of a voltage (ISO/IEC 7816-3 Table 10). */
export function classOf(voltage: Voltage): VoltageClass {
  return CLASS_OF[String(voltage)]!;
}

/** The voltages to try, in order. */
export function voltagePlan(ctx: ActivationContext, request: ActivationRequest): ('auto' | Voltage)[] {
  if (request.warm === true && request.previousVoltage !== undefined) return [request.previousVoltage];
  const wanted = request.voltage;
  if (typeof wanted === 'number') {
    if (ctx.voltages.length > 0 && !ctx.voltages.includes(wanted)) {
      throw new NotSupportedError(`the reader cannot supply ${wanted} V (bVoltageSupport: ${ctx.voltages.map((v) => `${v} V`).join(', ')})`);
    }
    return [wanted];
  }
  if (wanted === 'auto' || ctx.automaticVoltage || ctx.voltages.length === 0) return ['auto'];
  return [...ctx.voltages];
}

/** Errors after which class selection tries the next voltage (libccid's CmdPowerOn loop). */
function nextVoltageWorthTrying(error: unknown): string | undefined {
  if (!(error instanceof SlotError)) return undefined;
  if (error.code === 'CCID_ERR_CARD_MUTE') return 'ICC_MUTE';
  if (error.errorName === 'ICC_CLASS_NOT_SUPPORTED' || error.errorName === 'BAD_PARAMETER(7)') return error.errorName;
  return undefined;
}

async function powerOnOnce(ctx: ActivationContext, voltage: 'auto' | Voltage, signal: AbortSignal | undefined): Promise<Uint8Array> {
  try {
    return (await ctx.ccid.powerOn(voltage, { signal })).data;
  } catch (error) {
    const retry = ctx.quirks.find((q) => q.kind === 'powerOnRetryEscape' && error instanceof SlotError && error.bError === q.bError);
    if (retry?.kind !== 'powerOnRetryEscape') throw error;
    await ctx.ccid.escape(fromHex(retry.escape), { signal });
    return (await ctx.ccid.powerOn(voltage, { signal })).data;
  }
}

/**
 * Activates the card: deactivation first for a cold reset, then class selection.
 * @throws the engine's error of the last attempt (SlotError ICC_MUTE when no voltage worked).
 */
export async function activateCard(ctx: ActivationContext, request: ActivationRequest): Promise<Activated> {
  const signal = request.signal;
  const warm = request.warm === true;
  const mustPowerOff = ctx.quirks.some((q) => q.kind === 'powerOffBeforePowerOn' || q.kind === 'cardActiveBeforePowerOn');
  if (!warm && (ctx.ccid.card === 'active' || mustPowerOff)) await ctx.ccid.powerOff({ signal });
  let plan = voltagePlan(ctx, request);
  const tried: { voltage: 'auto' | Voltage; reason: string }[] = [];
  for (let i = 0; i < plan.length; i++) {
    const voltage = plan[i]!;
    let atr: Uint8Array;
    try {
      atr = await powerOnOnce(ctx, voltage, signal);
    } catch (error) {
      const reason = nextVoltageWorthTrying(error);
      if (reason === undefined || i === plan.length - 1) throw error;
      tried.push({ voltage, reason });
      continue;
    }
    const parsedAtr = parseAtr(atr);
    const classes = parsedAtr.t15.classes;
    if (voltage !== 'auto' && !warm && classes.length > 0 && !classes.includes(classOf(voltage))) {
      // ISO/IEC 7816-3 §6.2.4: the class indicator says this class is wrong; use one it names.
      const rest = plan.slice(i + 1).filter((v) => v !== 'auto' && classes.includes(classOf(v)));
      if (rest.length > 0) {
        tried.push({ voltage, reason: `class indicator accepts class ${classes.join('/')} (${classes.map((c) => `${CLASS_VOLTAGE[c]} V`).join(', ')})` });
        await ctx.ccid.powerOff({ signal });
        plan = [...plan.slice(0, i + 1), ...rest];
        continue;
      }
    }
    return { atr, parsedAtr, voltage, tried };
  }
  // Unreachable: the loop returns or throws on its last voltage.
  throw new NotSupportedError('no voltage to activate the card with');
}
