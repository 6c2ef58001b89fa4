/**
 * Card timing (ISO/IEC 7816-3:2006) and the CCID read timeout derived from it: how long
 * the driver waits for RDR_to_PC_DataBlock after PC_to_RDR_XfrBlock before it gives up.
 *
 * The reader itself enforces the card's waiting times (and reports ICC_MUTE); the host's
 * read timeout is the backstop for a reader that never answers, so it must cover the
 * longest exchange a well-behaved card may take plus a margin for the reader, and
 * never fire before a legitimate answer. Following libccid (ifdhandler.c
 * T0_card_timeout / T1_card_timeout), it is the worst case of one TPDU or block:
 *
 * - T=0: max(ISO-in, ISO-out) where ISO-in = 261 GT + 3 WWT (header and 256 data bytes
 *   sent, then procedure byte, SW1, SW2) and ISO-out = 5 GT + 259 WWT (header sent, then
 *   procedure byte, 256 data bytes, SW1, SW2, each up to WWT after the previous one).
 * - T=1: 259 GT + WTX · BWT + 259 CWT (a block of up to 3 + 254 + 2 bytes each way).
 *
 * plus {@link READER_MARGIN_MS}, and never below {@link READ_TIMEOUT_FLOOR_MS} for either
 * protocol (libccid has no floor for T=1). Every time is in milliseconds; the clock is in
 * kHz, as CCID's dwDefaultClock, so that cycles / kHz gives milliseconds directly.
 *
 * At APDU exchange level the reader runs several TPDUs or blocks per XfrBlock; it is
 * then expected to send time extension requests (CCID 1.1 §6.2.6), which stretch the
 * deadline through {@link stretchTimeoutMs}.
 */
import { ArgumentError } from '../errors.ts';
import type { Atr } from './atr/parse.ts';
import { BWI_DEFAULT, CWI_DEFAULT, DD, FD, WI_DEFAULT } from './atr/tables.ts';

/** The lowest read timeout for any protocol: libccid's DEFAULT_COM_READ_TIMEOUT (3 s). */
export const READ_TIMEOUT_FLOOR_MS = 3000;
/** Added to the card's worst case for the reader's own work and USB latency (libccid adds 1 s for T=1). */
export const READER_MARGIN_MS = 1000;
/** Characters of the longest short T=0 TPDU sent by the reader: 5 header bytes + 256 data bytes. */
const T0_LONGEST_COMMAND = 261;
/** Characters the card sends for the longest ISO-out TPDU: procedure byte + 256 data + SW1 SW2. */
const T0_LONGEST_RESPONSE = 259;
/** Characters of the longest T=1 block: NAD PCB LEN + 254 INF + 2 CRC. */
const T1_LONGEST_BLOCK = 259;

/** The transmission parameters between the reader and the card. */
export interface LinkTiming {
  /** f, the card clock, in kHz: the reader's dwDefaultClock, or the clock set by SET_DATA_RATE_AND_CLOCK_FREQUENCY. */
  readonly clockKhz: number;
  /** Fi in force: from TA1 after a successful PPS (or in specific mode), else Fd = 372. */
  readonly fi: number;
  /** Di in force: from TA1 after a successful PPS (or in specific mode), else Dd = 1. */
  readonly di: number;
  /** The data rate in force, in bit/s, when the reader reports it (dwDataRate, GET_DATA_RATES); it then defines the etu. */
  readonly dataRateBps?: number;
}

/** The card's timing integers from the ATR, with the ISO defaults where absent. */
export interface CardTiming {
  /** N, extra guard time integer (TC1), default 0. */
  readonly n: number;
  /** WI, T=0 waiting time integer (TC2), default 10. */
  readonly wi: number;
  /** BWI, T=1 block waiting time integer, default 4. */
  readonly bwi: number;
  /** CWI, T=1 character waiting time integer, default 13. */
  readonly cwi: number;
}

/** Options of the read timeout computation. */
export interface ReadTimeoutOptions {
  /** T=1 waiting time extension granted by S(WTX response) for this block (§11.6.2.3): BWT is multiplied by it. Default 1. */
  readonly wtx?: number;
  /** Margin for the reader, in ms. @default 1000 */
  readonly marginMs?: number;
  /** Floor of the result, in ms. @default 3000 */
  readonly floorMs?: number;
}

/** The card's timing integers from a parsed ATR; defaults where the ATR is silent, or where WI = 0 (RFU). */
export function cardTiming(atr: Atr): CardTiming {
  return {
    n: atr.n,
    wi: atr.wi === 0 ? WI_DEFAULT : atr.wi,
    bwi: atr.t1.bwi ?? BWI_DEFAULT,
    cwi: atr.t1.cwi ?? CWI_DEFAULT,
  };
}

/** The link before any PPS: Fd = 372, Dd = 1 at `clockKhz`. */
export function defaultLink(clockKhz: number): LinkTiming {
  return { clockKhz, fi: FD, di: DD };
}

function checkLink(link: LinkTiming): void {
  for (const [name, v] of [['clockKhz', link.clockKhz], ['fi', link.fi], ['di', link.di]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new ArgumentError(`link timing: ${name} must be a positive number, got ${v}`);
  }
  if (link.dataRateBps !== undefined && (!Number.isFinite(link.dataRateBps) || link.dataRateBps <= 0)) {
    throw new ArgumentError(`link timing: dataRateBps must be a positive number, got ${link.dataRateBps}`);
  }
}

/** 1 etu = Fi / (Di · f) (§7.1), or 1 / data rate when the reader gives it; in ms. */
export function etuMs(link: LinkTiming): number {
  checkLink(link);
  return link.dataRateBps !== undefined ? 1000 / link.dataRateBps : link.fi / (link.di * link.clockKhz);
}

/**
 * GT, the delay between the leading edges of two characters the reader sends (§8.3,
 * TC1): 12 etu + (Fi/Di) · N / f; N = 255 means the minimum, 12 etu for T=0 and
 * 11 etu for T=1. In ms.
 */
export function guardTimeMs(n: number, protocol: 0 | 1, link: LinkTiming): number {
  const etu = etuMs(link);
  if (n === 255) return (protocol === 0 ? 12 : 11) * etu;
  return 12 * etu + ((link.fi / link.di) * n) / link.clockKhz;
}

/** T=0 waiting time WT = WI · 960 · Fi / f (§10.2), in ms. */
export function t0WaitingTimeMs(wi: number, link: LinkTiming): number {
  checkLink(link);
  return (wi * 960 * link.fi) / link.clockKhz;
}

/**
 * T=1 block waiting time BWT = 11 etu + 2^BWI · 960 · Fd / f (§11.4.3), in ms. The
 * standard uses Fd (372), not Fi, in the second term: the card's processing time does
 * not shrink when the bit rate rises.
 */
export function t1BlockWaitingTimeMs(bwi: number, link: LinkTiming): number {
  return 11 * etuMs(link) + (2 ** bwi * 960 * FD) / link.clockKhz;
}

/** T=1 character waiting time CWT = (11 + 2^CWI) etu (§11.4.3), in ms. */
export function t1CharacterWaitingTimeMs(cwi: number, link: LinkTiming): number {
  return (11 + 2 ** cwi) * etuMs(link);
}

function finish(cardMs: number, options: ReadTimeoutOptions): number {
  return Math.max(options.floorMs ?? READ_TIMEOUT_FLOOR_MS, Math.ceil(cardMs + (options.marginMs ?? READER_MARGIN_MS)));
}

/**
 * The CCID read timeout for one T=0 TPDU, in whole ms: max(261 GT + 3 WWT,
 * 5 GT + 259 WWT) + margin, at least 3 s.
 *
 * @example
 * t0ReadTimeoutMs({ n: 0, wi: 10, bwi: 4, cwi: 13 }, defaultLink(4000)); // 232241
 */
export function t0ReadTimeoutMs(card: CardTiming, link: LinkTiming, options: ReadTimeoutOptions = {}): number {
  const gt = guardTimeMs(card.n, 0, link);
  const wwt = t0WaitingTimeMs(card.wi, link);
  const isoIn = T0_LONGEST_COMMAND * gt + 3 * wwt;
  const isoOut = 5 * gt + T0_LONGEST_RESPONSE * wwt;
  return finish(Math.max(isoIn, isoOut), options);
}

/**
 * The CCID read timeout for one T=1 block exchange, in whole ms:
 * 259 GT + WTX · BWT + 259 CWT + margin, at least 3 s.
 */
export function t1ReadTimeoutMs(card: CardTiming, link: LinkTiming, options: ReadTimeoutOptions = {}): number {
  const wtx = options.wtx ?? 1;
  if (!Number.isInteger(wtx) || wtx < 1 || wtx > 255) throw new ArgumentError(`WTX multiplier must be 1 to 255, got ${wtx}`);
  const gt = guardTimeMs(card.n, 1, link);
  const bwt = t1BlockWaitingTimeMs(card.bwi, link);
  const cwt = t1CharacterWaitingTimeMs(card.cwi, link);
  return finish(T1_LONGEST_BLOCK * gt + wtx * bwt + T1_LONGEST_BLOCK * cwt, options);
}

/** {@link t0ReadTimeoutMs} or {@link t1ReadTimeoutMs} by protocol. */
export function readTimeoutMs(protocol: 0 | 1, card: CardTiming, link: LinkTiming, options: ReadTimeoutOptions = {}): number {
  return protocol === 0 ? t0ReadTimeoutMs(card, link, options) : t1ReadTimeoutMs(card, link, options);
}

/**
 * The deadline after a time extension request from the reader (bmCommandStatus = 2,
 * CCID 1.1 §6.2.6), which carries a multiplier of BWT/WWT in bError: the timeout is
 * multiplied by it and restarts from the request, as libccid does. A multiplier of 0
 * leaves the timeout as it is.
 */
export function stretchTimeoutMs(timeoutMs: number, multiplier: number): number {
  return multiplier > 0 ? timeoutMs * multiplier : timeoutMs;
}
