/**
 * Composition of the transmission layer: from the reader's exchange level (dwFeatures),
 * the protocol in use and the card's parameters, build the {@link ApduTransport} a slot
 * uses for `transmit(apdu)`. Each layer is a small wrapper around the one below, and the
 * bottom one talks to the CCID layer through `SlotExchange.xfrBlock` only:
 *
 * | level            | protocol | stack (outermost first)                                     |
 * |------------------|----------|-------------------------------------------------------------|
 * | `tpdu`           | T=0      | serialize → getResponse → wrongLength → t0Tpdu (ENVELOPE)    |
 * | `tpdu`           | T=1      | serialize → getResponse → wrongLength → T1Session           |
 * | `short-apdu`     | either   | serialize → getResponse → wrongLength → apduLevel('short')  |
 * | `extended-apdu`  | either   | serialize → getResponse → wrongLength → apduLevel('extended') |
 * | `character`      | either   | characterLevel (NotSupportedError)                           |
 *
 * `getResponse` (61 xx) and `wrongLength` (6C xx) are what T=0 requires of the host at
 * TPDU level (ISO/IEC 7816-3 §12.2); at the other levels they only act when the card or
 * reader lets such a status through, which is then what the status asks for. Turn them
 * off with `autoGetResponse: false` / `autoWrongLength: false` to see raw status words.
 */
import type { SlotExchange } from '../ccid/exchange.ts';
import { ArgumentError } from '../errors.ts';
import { parseCommandApdu } from './apdu.ts';
import type { ApduTransport } from './processors/apdu-transport.ts';
import { apduLevel, characterLevel } from './processors/apdu-level.ts';
import { getResponse } from './processors/get-response.ts';
import { serialize } from './processors/serialize.ts';
import { wrongLength } from './processors/wrong-length.ts';
import { t0Tpdu } from './t0.ts';
import type { T1Edc } from './t1/edc.ts';
import { T1Session, type T1TraceEvent } from './t1/session.ts';

export type { ApduTransport, TransmitOptions } from './processors/apdu-transport.ts';

/** Exchange level of a reader, from dwFeatures bits 16–18 (CCID 1.1 §5.1, offset 40). */
export type ExchangeLevel = 'tpdu' | 'short-apdu' | 'extended-apdu' | 'character';

/** T=1 parameters, from the ATR (first TA/TC for T=1) and the reader. */
export interface T1Parameters {
  /** IFSC (first TA for T=1), 1–254. Default 32. */
  ifsc?: number;
  /** IFSD to negotiate, 1–254. Default 254, capped to the reader's message size. */
  ifsd?: number;
  /** Negotiate IFSD with S(IFS request) first: when dwFeatures lacks 0x00000400. Default false. */
  negotiateIfsd?: boolean;
  /** EDC (first TC for T=1, b1). Default `'lrc'`. */
  edc?: T1Edc;
  /** NAD. Default 0. */
  nad?: number;
  /** Most WTX requests honoured per APDU. Default 1000. */
  maxWtx?: number;
  /** Called with the multiplier of each S(WTX request). */
  onWaitingTimeExtension?: (multiplier: number) => void;
  /** Called for each block sent and received. */
  onTrace?: (event: T1TraceEvent) => void;
}

/** Everything {@link createApduTransport} needs to know. */
export interface ApduTransportParams {
  /** The reader's exchange level. */
  level: ExchangeLevel;
  /** The protocol agreed with the card. */
  protocol: 0 | 1;
  /** dwMaxCCIDMessageLength (CCID 1.1 §5.1, offset 44). */
  maxMessageLength: number;
  /** Read timeout of one exchange in milliseconds (T=0: from WWT, T=1: from BWT; see `timeouts.ts`). */
  timeoutMs?: number;
  /** bClassGetResponse (CCID 1.1 §5.1, offset 39); 0xFF echoes the command's CLA. Default 0xFF. */
  classGetResponse?: number;
  /** bClassEnvelope (CCID 1.1 §5.1, offset 40); 0xFF echoes the command's CLA. Default 0xFF. */
  classEnvelope?: number;
  /** T=0 TPDU: carry extended APDUs with Nc > 255 in ENVELOPE. Default true. */
  envelope?: boolean;
  /** Follow 61 xx with GET RESPONSE. Default true. */
  autoGetResponse?: boolean;
  /** Re-send after 6C xx with Le = xx. Default true. */
  autoWrongLength?: boolean;
  /** T=1 at TPDU level. */
  t1?: T1Parameters;
}

/** The transport, and the T=1 session behind it when there is one. */
export interface ComposedTransport extends ApduTransport {
  /** The T=1 session (TPDU level, T=1 only): state, `negotiateIfsd()`, `resynchronize()`. */
  readonly t1Session?: T1Session;
}

/**
 * Builds the transport for one activation of one card. Make a new one after each reset
 * (the T=1 sequence numbers start again at 0).
 *
 * @example
 * const card = createApduTransport(slotExchange, { level: 'tpdu', protocol: 0, maxMessageLength: 271, timeoutMs: 3000 });
 * const { data, sw } = await card.transmit(fromHex('00 00 00 00'));
 */
export function createApduTransport(exchange: SlotExchange, params: ApduTransportParams): ComposedTransport {
  if (params.protocol !== 0 && params.protocol !== 1) throw new ArgumentError(`protocol T=${String(params.protocol)} is not 0 or 1`);
  let base: ApduTransport;
  let t1Session: T1Session | undefined;
  switch (params.level) {
    case 'character':
      return characterLevel();
    case 'short-apdu':
    case 'extended-apdu':
      base = apduLevel(exchange, {
        level: params.level === 'short-apdu' ? 'short' : 'extended',
        maxMessageLength: params.maxMessageLength,
        timeoutMs: params.timeoutMs,
      });
      break;
    case 'tpdu':
      if (params.protocol === 0) {
        base = t0Tpdu(exchange, { timeoutMs: params.timeoutMs, classEnvelope: params.classEnvelope, envelope: params.envelope });
      } else {
        t1Session = new T1Session(exchange, {
          ...params.t1,
          maxMessageLength: params.maxMessageLength,
          timeoutMs: params.timeoutMs,
        });
        // T=1 carries the APDU as it is: check its form here (T=0 and APDU level parse it themselves).
        const session = t1Session;
        base = {
          transmit: async (apdu, options) => {
            parseCommandApdu(apdu);
            return session.transmit(apdu, options);
          },
        };
      }
      break;
    default:
      throw new ArgumentError(`unknown exchange level ${String(params.level)}`);
  }
  if (params.autoWrongLength ?? true) base = wrongLength(base);
  if (params.autoGetResponse ?? true) base = getResponse(base, { classGetResponse: params.classGetResponse });
  const transport = serialize(base);
  return t1Session ? { transmit: transport.transmit, t1Session } : transport;
}
