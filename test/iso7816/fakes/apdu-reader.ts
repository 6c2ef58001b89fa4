/**
 * A reader-side fake of the short/extended APDU exchange levels (CCID 1.1 §6.1.4,
 * §6.2.1): it reassembles command pieces by wLevelParameter, runs the applet on the
 * whole APDU and hands the response back in pieces of `piece` bytes with bChainParameter.
 */
import type { XfrOptions, XfrResult } from '../../../src/ccid/exchange.ts';
import { FakeExchange } from './exchange.ts';

export function apduReader(applet: (apdu: Uint8Array) => Uint8Array, piece: number): FakeExchange & { readonly apdus: Uint8Array[] } {
  let command: number[] | null = null;
  let response: Uint8Array | null = null;
  let offset = 0;
  const apdus: Uint8Array[] = [];
  const nextPiece = (first: boolean): XfrResult => {
    const part = response!.subarray(offset, offset + piece);
    offset += part.length;
    const more = offset < response!.length;
    const bChainParameter = first ? (more ? 0x01 : 0x00) : more ? 0x03 : 0x02;
    if (!more) response = null;
    return { data: part.slice(), bChainParameter };
  };
  const run = (bytes: number[]): XfrResult => {
    const apdu = Uint8Array.from(bytes);
    apdus.push(apdu);
    response = applet(apdu);
    offset = 0;
    return nextPiece(true);
  };
  const exchange = new FakeExchange((data: Uint8Array, options: XfrOptions): XfrResult | Error => {
    const level = options.wLevelParameter ?? 0;
    switch (level) {
      case 0x0000:
        return run(Array.from(data));
      case 0x0001:
        command = Array.from(data);
        return { data: new Uint8Array(0), bChainParameter: 0x10 };
      case 0x0003:
        if (!command) return new Error('fake reader: continuation without a beginning');
        command.push(...data);
        return { data: new Uint8Array(0), bChainParameter: 0x10 };
      case 0x0002: {
        if (!command) return new Error('fake reader: end without a beginning');
        const whole = [...command, ...data];
        command = null;
        return run(whole);
      }
      case 0x0010:
        if (!response) return new Error('fake reader: no response pending');
        return nextPiece(false);
      default:
        return new Error(`fake reader: wLevelParameter ${level}`);
    }
  });
  return Object.assign(exchange, { apdus });
}
