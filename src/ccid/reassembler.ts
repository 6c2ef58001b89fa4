/**
 * A bounded push parser that turns USB bulk transfers into whole CCID messages.
 *
 * Why it exists: a reader may return one message in several bulk-IN transfers (the
 * "Generic EMV Smartcard Reader" 2ce3:9563, 16-byte packets, splits every answer longer than
 * 16 bytes in two: see the gcc_bad_habit capture), may send zero-length packets, and may
 * put two messages in one transfer when the first ends on a packet boundary with no ZLP.
 * The header says how long the message is (10 + dwLength, CCID 1.1 §6.2), so we keep
 * reading until we have that many bytes.
 *
 * Bounds and recovery:
 * - dwLength above dwMaxCCIDMessageLength, or a first byte that is no message type of the
 *   direction, is a {@link FrameError}; the bytes buffered and the rest of that chunk are
 *   dropped, and parsing starts again at the next chunk (a reader starts each transfer on
 *   a message boundary). The buffer never holds more than 10 + dwMaxCCIDMessageLength bytes.
 * - A truncated message (a reader that stops mid-message) would swallow the start of the
 *   next one, and hand its caller someone else's bytes. When an `isFrameStart` predicate
 *   is given, a chunk that arrives while a message is incomplete, is not exactly the
 *   missing remainder, and starts with a plausible header (a message type of the
 *   direction, dwLength within bounds) that is either a whole message by itself or the
 *   start of one the caller expects (the engine checks bSlot/bSeq/type against its
 *   commands in flight) ends the incomplete message as truncated. Reader transfers start
 *   on message boundaries, so only a chunk's first bytes are looked at; continuation data
 *   passing all these tests by chance is negligible (it would need three zero length
 *   bytes and a matching slot, sequence and type). A truncated message followed by a
 *   *truncated* next one can still slip through; then the message it completes is
 *   checked: followed in its chunk by bytes that are neither a message start nor zero
 *   padding, or with a split header holding values the spec forbids, it is dropped as
 *   truncated rather than handed to its caller with another message's bytes.
 *
 * Errors go to `onError` when given (parsing continues); otherwise `push` throws the
 * FrameError after resetting, and messages completed earlier in the same chunk are lost.
 *
 * Messages that fit in one chunk are decoded in place: their `raw` is a view of the chunk,
 * so the caller must not reuse the chunk's memory (WebUSB hands a fresh buffer per
 * transfer). Messages assembled from several chunks get their own copy.
 */
import { FrameError } from '../errors.ts';
import { CCID_HEADER_LENGTH, RDR_to_PC_DataBlock, RDR_to_PC_SlotStatus, isPcToRdrType, isRdrToPcType, messageTypeName } from './messages.ts';
import type { BulkMessage, PcToRdrMessage, RdrToPcMessage } from './messages.ts';
import { decodeBulkIn, decodeBulkOut, readDwLength } from './decode.ts';

/** Which pipe the bytes come from: `in` = RDR_to_PC responses, `out` = PC_to_RDR commands. */
export type BulkDirection = 'in' | 'out';

/** The decoded message type of a direction. */
export type MessageOf<D extends BulkDirection> = D extends 'out' ? PcToRdrMessage : RdrToPcMessage;

/** Options of a {@link Reassembler}. */
export interface ReassemblerOptions<D extends BulkDirection = 'in'> {
  /** dwMaxCCIDMessageLength of the reader (CCID 1.1 §5.1): dwLength above it is impossible. */
  maxMessageLength: number;
  /** Direction of the pipe. @default 'in' */
  direction?: D;
  /** Receives each FrameError, the bytes dropped with it and what went wrong; parsing continues. */
  onError?: (error: FrameError, dropped: Uint8Array, problem: FrameProblem) => void;
  /** Enables truncation detection (see the module doc): true when a frame start (≥ 10 bytes) is one the caller expects. */
  isFrameStart?: (frame: Uint8Array) => boolean;
}

/** What a FrameError of the reassembler is about. */
export type FrameProblem = 'bad-type' | 'too-long' | 'truncated';

const EMPTY: readonly never[] = Object.freeze([]);

/** Reassembles bulk transfers into CCID messages: `push(chunk) → messages`. */
export class Reassembler<D extends BulkDirection = 'in'> {
  /** Messages completed from more than one chunk, since creation. */
  fragmented = 0;
  private readonly max: number;
  private readonly decode: (bytes: Uint8Array) => BulkMessage;
  private readonly isType: (type: number) => boolean;
  private readonly onError: ((error: FrameError, dropped: Uint8Array, problem: FrameProblem) => void) | undefined;
  private readonly isFrameStart: ((frame: Uint8Array) => boolean) | undefined;
  private buf: Uint8Array | undefined;
  /** Bytes of the incomplete message held in `buf`. */
  private filled = 0;
  /** Total length of the incomplete message, 0 while its header is incomplete. */
  private need = 0;
  /** The incomplete message's header was completed from a later chunk. */
  private headerSplit = false;
  private readonly direction: BulkDirection;

  constructor(options: ReassemblerOptions<D>) {
    this.max = options.maxMessageLength;
    this.direction = options.direction ?? 'in';
    const out = this.direction === 'out';
    this.decode = out ? decodeBulkOut : decodeBulkIn;
    this.isType = out ? isPcToRdrType : isRdrToPcType;
    this.onError = options.onError;
    this.isFrameStart = options.isFrameStart;
  }

  /** Bytes held of a message not yet complete. */
  get buffered(): number {
    return this.filled;
  }

  /** Drops an incomplete message; returns how many bytes were dropped. */
  reset(): number {
    const dropped = this.filled;
    this.filled = 0;
    this.need = 0;
    this.headerSplit = false;
    return dropped;
  }

  /**
   * Feeds one USB transfer (or packet); returns the messages it completes, in order.
   * A zero-length chunk is a ZLP and completes nothing.
   * @throws {FrameError} only when no `onError` was given.
   */
  push(chunk: Uint8Array): readonly MessageOf<D>[] {
    if (chunk.length === 0) return EMPTY;
    let out: MessageOf<D>[] | undefined;
    let off = 0;
    if (this.filled > 0) {
      if (this.truncatedBy(chunk)) {
        const dropped = this.buf!.slice(0, this.filled);
        const of = this.need === 0 ? 'a header' : `${this.need} bytes`;
        this.reset();
        this.fail(
          new FrameError('CCID_ERR_FRAME_MALFORMED', `truncated ${messageTypeName(dropped[0]!)}: ${dropped.length} of ${of} before the next message`, {
            bMessageType: dropped[0]!,
            slot: dropped[5],
            bSeq: dropped[6],
          }),
          dropped,
          'truncated',
        );
      } else {
        off = this.fill(chunk);
        if (off < 0) return EMPTY;
        if (this.need === 0 || this.filled < this.need) return EMPTY; // still incomplete: the whole chunk was consumed
        const suspect = this.misaligned(chunk, off);
        if (suspect === undefined) out = [this.take()];
        else {
          const dropped = this.buf!.slice(0, this.need);
          this.reset();
          this.fail(
            new FrameError('CCID_ERR_FRAME_MALFORMED', `truncated ${messageTypeName(dropped[0]!)}: completed with bytes that were not its own (${suspect})`, {
              bMessageType: dropped[0]!,
              slot: dropped[5],
              bSeq: dropped[6],
            }),
            dropped,
            'truncated',
          );
        }
      }
    }
    while (off < chunk.length) {
      const rem = chunk.length - off;
      const type = chunk[off]!;
      if (!this.isType(type)) {
        this.fail(this.badType(type), chunk.subarray(off), 'bad-type');
        break;
      }
      if (rem < CCID_HEADER_LENGTH) {
        this.stash(chunk.subarray(off), 0);
        break;
      }
      const len = readDwLength(chunk, off);
      if (len > this.max) {
        this.fail(this.tooLong(type, len, chunk[off + 5]!, chunk[off + 6]!), chunk.subarray(off), 'too-long');
        break;
      }
      const total = CCID_HEADER_LENGTH + len;
      if (rem < total) {
        this.stash(chunk.subarray(off), total);
        break;
      }
      const msg = this.decode(chunk.subarray(off, off + total)) as MessageOf<D>;
      if (out === undefined) out = [msg];
      else out.push(msg);
      off += total;
    }
    return out ?? EMPTY;
  }

  /** Appends to the incomplete message; returns bytes consumed, or -1 after an error. */
  private fill(chunk: Uint8Array): number {
    const buf = this.buf!;
    let off = 0;
    while (off < chunk.length) {
      const target = this.need === 0 ? CCID_HEADER_LENGTH : this.need;
      const n = Math.min(target - this.filled, chunk.length - off);
      buf.set(chunk.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.need === 0 && this.filled === CCID_HEADER_LENGTH) {
        const len = readDwLength(buf);
        if (len > this.max) {
          // The header and the rest of this chunk are dropped (see the module doc).
          const dropped = new Uint8Array(this.filled + chunk.length - off);
          dropped.set(buf.subarray(0, this.filled));
          dropped.set(chunk.subarray(off), this.filled);
          this.reset();
          this.fail(this.tooLong(buf[0]!, len, buf[5]!, buf[6]!), dropped, 'too-long');
          return -1;
        }
        this.need = CCID_HEADER_LENGTH + len;
        this.headerSplit = true;
      }
      if (this.need !== 0 && this.filled === this.need) break;
    }
    return off;
  }

  private take(): MessageOf<D> {
    const bytes = this.buf!.slice(0, this.need);
    this.reset();
    this.fragmented++;
    return this.decode(bytes) as MessageOf<D>;
  }

  private stash(bytes: Uint8Array, total: number): void {
    this.buf ??= new Uint8Array(CCID_HEADER_LENGTH + this.max);
    this.buf.set(bytes, 0);
    this.filled = bytes.length;
    this.need = total;
    this.headerSplit = false;
  }

  /**
   * After an incomplete message was completed from `chunk` (truncation detection on):
   * evidence that the bytes were not its own, or undefined. Two signs, both impossible
   * when a reader merely splits a message: what follows it in the chunk is neither a
   * message start nor zero padding, or a header assembled across chunks has values the
   * spec does not allow (RFU bits of bStatus, bChainParameter, bClockStatus; §6.2.1,
   * §6.2.2, §6.2.6).
   */
  private misaligned(chunk: Uint8Array, off: number): string | undefined {
    if (this.isFrameStart === undefined) return undefined;
    if (off < chunk.length && !this.isType(chunk[off]!)) {
      for (let i = off; i < chunk.length; i++) if (chunk[i] !== 0) return 'garbage after it';
    }
    if (!this.headerSplit || this.direction === 'out') return undefined;
    const b = this.buf!;
    const status = b[7]!;
    if ((status & 0x3c) !== 0 || status >> 6 === 3) return `bStatus 0x${status.toString(16)}`;
    const b9 = b[9]!;
    if (b[0] === RDR_to_PC_DataBlock && !(b9 <= 3 || b9 === 0x10)) return `bChainParameter 0x${b9.toString(16)}`;
    if (b[0] === RDR_to_PC_SlotStatus && b9 > 3) return `bClockStatus 0x${b9.toString(16)}`;
    return undefined;
  }

  private truncatedBy(chunk: Uint8Array): boolean {
    if (this.isFrameStart === undefined) return false;
    // Exactly the missing bytes is a continuation, whatever they look like. (With the
    // header itself incomplete the missing length is unknown; the checks below decide.)
    if (this.need !== 0 && chunk.length === this.need - this.filled) return false;
    if (chunk.length < CCID_HEADER_LENGTH || !this.isType(chunk[0]!)) return false;
    const len = readDwLength(chunk);
    if (len > this.max) return false;
    // A whole message by itself, or the start of one the caller is waiting for.
    return CCID_HEADER_LENGTH + len === chunk.length || this.isFrameStart(chunk);
  }

  private fail(error: FrameError, dropped: Uint8Array, problem: FrameProblem): void {
    if (this.onError === undefined) throw error;
    this.onError(error, dropped, problem);
  }

  private badType(type: number): FrameError {
    return new FrameError('CCID_ERR_FRAME_MALFORMED', `not a CCID message start: ${messageTypeName(type)}`, { bMessageType: type });
  }

  private tooLong(type: number, len: number, slot: number, seq: number): FrameError {
    return new FrameError('CCID_ERR_FRAME_TOO_LONG', `${messageTypeName(type)}: dwLength ${len} exceeds dwMaxCCIDMessageLength ${this.max}`, {
      bMessageType: type,
      slot,
      bSeq: seq,
    });
  }
}
