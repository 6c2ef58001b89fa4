/**
 * The CCID message codec in one import (no engine, no Node built-ins): constants and
 * message types, encoders of both directions, decoders, interrupt messages, status names,
 * the bulk reassembler, class requests and `describeMessage`.
 *
 * @example
 * ```ts
 * import { decodeBulk, describeMessage, encodeXfrBlock } from './ccid/codec.ts';
 * describeMessage(decodeBulk(encodeXfrBlock(0, 0x25, Uint8Array.of(0x00, 0xa4, 0x04, 0x00))));
 * // 'PC_to_RDR_XfrBlock slot=0 seq=0x25 len=4 bwi=0 level=0x0000 data=00 A4 04 00'
 * ```
 * @packageDocumentation
 */
export * from './messages.ts';
export * from './status.ts';
export * from './structures.ts';
export * from './encode.ts';
export * from './encode-reader.ts';
export * from './decode.ts';
export * from './interrupt.ts';
export * from './reassembler.ts';
export * from './class-requests.ts';
export * from './describe.ts';
