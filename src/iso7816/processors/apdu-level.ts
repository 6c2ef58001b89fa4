/**
 * Short and extended APDU level readers (CCID 1.1 §6.1.4, dwFeatures 0x00020000 and
 * 0x00040000): the reader runs T=0 or T=1 itself and takes whole APDUs. An APDU larger
 * than one message (dwMaxCCIDMessageLength − 10 header bytes) is cut into pieces linked
 * by wLevelParameter, and a long response comes back in pieces linked by bChainParameter:
 *
 * | value | wLevelParameter (PC_to_RDR_XfrBlock)          | bChainParameter (RDR_to_PC_DataBlock)      |
 * |-------|-----------------------------------------------|--------------------------------------------|
 * | 0000h | the command APDU begins and ends here         | the response APDU begins and ends here     |
 * | 0001h | the command begins here, more follows         | the response begins here, more follows     |
 * | 0002h | this piece continues and ends the command     | this piece continues and ends the response |
 * | 0003h | this piece continues the command, more follows| this piece continues the response, more follows |
 * | 0010h | empty abData: send the next response piece    | empty abData: send the next command piece  |
 *
 * A short APDU level reader cannot take an extended APDU at all: `NotSupportedError`.
 * Character level readers (dwFeatures exchange level 0) would need the host to drive
 * every T=0 procedure byte or T=1 character itself; {@link characterLevel} says so.
 */
import type { SlotExchange, XfrResult } from '../../ccid/exchange.ts';
import { ArgumentError, NotSupportedError, ProtocolError } from '../../errors.ts';
import { parseCommandApdu, ownedResponseApdu, type ResponseApdu } from '../apdu.ts';
import type { ApduTransport, TransmitOptions } from './apdu-transport.ts';
import { throwIfAborted } from './cancel.ts';

/** wLevelParameter and bChainParameter codes of APDU-level chaining (CCID 1.1 §6.1.4, §6.2.1). */
export const LEVEL_CHAIN = {
  /** The APDU begins and ends in this message. */
  BEGIN_AND_END: 0x0000,
  /** The APDU begins in this message; more follows. */
  BEGIN: 0x0001,
  /** This message continues and ends the APDU. */
  END: 0x0002,
  /** This message continues the APDU; more follows. */
  CONTINUE: 0x0003,
  /** Empty abData: the other side's next piece is expected. */
  EMPTY_CONTINUE: 0x0010,
} as const;

/** Size of the PC_to_RDR_XfrBlock / RDR_to_PC_DataBlock header (CCID 1.1 §6.1). */
const CCID_HEADER_LENGTH = 10;
/** Largest response APDU: 65536 data bytes and SW1 SW2. */
const MAX_RESPONSE_LENGTH = 65538;

/** Options of {@link apduLevel}. */
export interface ApduLevelOptions {
  /** `'short'` (dwFeatures 0x00020000) or `'extended'` (0x00040000). */
  level: 'short' | 'extended';
  /** dwMaxCCIDMessageLength (CCID 1.1 §5.1, offset 44). */
  maxMessageLength: number;
  /** Deadline of each XfrBlock in milliseconds; the CCID layer's default when absent. */
  timeoutMs?: number;
}

/** The APDU-level transport over a slot exchange. */
export function apduLevel(exchange: SlotExchange, options: ApduLevelOptions): ApduTransport {
  const piece = options.maxMessageLength - CCID_HEADER_LENGTH;
  if (!Number.isInteger(piece) || piece < 1) {
    throw new ArgumentError(`dwMaxCCIDMessageLength ${options.maxMessageLength} leaves no room for abData`);
  }
  const maxParts = Math.ceil(MAX_RESPONSE_LENGTH / piece) + 1;

  return {
    async transmit(apdu: Uint8Array, transmitOptions?: TransmitOptions): Promise<ResponseApdu> {
      const signal = transmitOptions?.signal;
      const command = parseCommandApdu(apdu);
      if (command.extended && options.level === 'short') {
        throw new NotSupportedError(
          `the reader exchanges short APDUs only (dwFeatures 0x00020000); a case ${command.case} APDU ` +
            `(Nc = ${command.data.length}, Ne = ${command.ne}) needs an extended APDU or TPDU level reader`,
        );
      }
      const xfr = (data: Uint8Array, wLevelParameter: number): Promise<XfrResult> =>
        exchange.xfrBlock(data, { signal, timeoutMs: options.timeoutMs, wLevelParameter });

      async function sendChained(bytes: Uint8Array): Promise<XfrResult> {
        for (let at = 0; ; at += piece) {
          const first = at === 0;
          const last = at + piece >= bytes.length;
          const level = first ? LEVEL_CHAIN.BEGIN : last ? LEVEL_CHAIN.END : LEVEL_CHAIN.CONTINUE;
          if (!first) throwIfAborted(signal, 'chained XfrBlock');
          const result = await xfr(bytes.subarray(at, at + piece), level);
          if (last) return result;
          if (result.bChainParameter !== LEVEL_CHAIN.EMPTY_CONTINUE || result.data.length !== 0) {
            throw new ProtocolError(
              `the reader answered a chained command piece (wLevelParameter ${hex4(level)}) with ` +
                `bChainParameter ${hex4(result.bChainParameter)} and ${result.data.length} byte(s), ` +
                'expected 0010h and no data (CCID 1.1 §6.2.1)',
            );
          }
        }
      }

      const answer = apdu.length <= piece ? await xfr(apdu, LEVEL_CHAIN.BEGIN_AND_END) : await sendChained(apdu);
      if (answer.bChainParameter === LEVEL_CHAIN.BEGIN_AND_END) return ownedResponseApdu(answer.data);
      if (answer.bChainParameter !== LEVEL_CHAIN.BEGIN) throw unexpectedChain(answer, '0000h or 0001h');
      const parts: Uint8Array[] = [answer.data];
      let total = answer.data.length;
      for (;;) {
        if (parts.length > maxParts || total > MAX_RESPONSE_LENGTH) {
          throw new ProtocolError(`chained response longer than ${MAX_RESPONSE_LENGTH} bytes (CCID 1.1 §6.2.1)`);
        }
        throwIfAborted(signal, 'chained response');
        const next = await xfr(new Uint8Array(0), LEVEL_CHAIN.EMPTY_CONTINUE);
        parts.push(next.data);
        total += next.data.length;
        if (next.bChainParameter === LEVEL_CHAIN.END) break;
        if (next.bChainParameter !== LEVEL_CHAIN.CONTINUE) throw unexpectedChain(next, '0002h or 0003h');
      }
      const whole = new Uint8Array(total);
      let at = 0;
      for (const part of parts) {
        whole.set(part, at);
        at += part.length;
      }
      return ownedResponseApdu(whole);
    },
  };
}

function hex4(value: number): string {
  return `${value.toString(16).toUpperCase().padStart(4, '0')}h`;
}

function unexpectedChain(result: XfrResult, expected: string): ProtocolError {
  return new ProtocolError(`unexpected bChainParameter ${hex4(result.bChainParameter)}, expected ${expected} (CCID 1.1 §6.2.1)`);
}

/** A transport for character-level readers: every transmit fails with a clear `NotSupportedError`. */
export function characterLevel(): ApduTransport {
  return {
    transmit(): Promise<ResponseApdu> {
      return Promise.reject(
        new NotSupportedError(
          'character level readers are not supported: the host would have to send the T=0 procedure ' +
            'bytes and T=1 characters one by one (CCID 1.1 §6.1.4, wLevelParameter = expected length); ' +
            'use a TPDU or APDU level reader',
        ),
      );
    },
  };
}
