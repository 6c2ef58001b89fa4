/**
 * The contract between the emulated reader (`src/sim/reader*.ts`) and the virtual cards
 * it holds (`src/sim/cards/`). Device side only: nothing here is shared with the driver.
 *
 * The reader decides what reaches the card from its exchange level (dwFeatures): at TPDU
 * level it hands over T=0 TPDUs or T=1 blocks as the host sent them; at short/extended
 * APDU level the reader runs the card protocol itself, so it hands over whole APDUs.
 * The card says how long it thought; the reader adds the time the bytes take on the
 * wire at the current clock and Fi/Di (1 etu = F / (D · f), ISO/IEC 7816-3 §7.1) and
 * answers the host only after that time.
 */

/** The card's answer to one exchange. */
export interface CardAnswer {
  /** Bytes the card sends back (for T=0: data then SW1 SW2; for T=1: one block). Empty with `mute`. */
  readonly bytes: Uint8Array;
  /** Card processing time in milliseconds, on top of the transmission time. */
  readonly processingMs: number;
  /** True when the card does not answer at all (the reader reports ICC_MUTE / a timeout). */
  readonly mute?: boolean;
  /**
   * For long processing (T=0, or an APDU-level exchange): extra time, in milliseconds, on
   * top of `processingMs` (the card's time is `processingMs + extraMs`; the reader may send
   * time extensions meanwhile). At T=1 TPDU level a long command shows up instead as an
   * S(WTX request) block, whose INF carries the multiplier.
   */
  readonly extraMs?: number;
}

/** Transmission parameters in force between the reader and the card. */
export interface CardLink {
  /** Clock frequency in Hz. */
  readonly clockHz: number;
  /** Fi (clock rate conversion integer), 372 by default. */
  readonly fi: number;
  /** Di (baud rate adjustment integer), 1 by default. */
  readonly di: number;
  /** Protocol in use: 0 or 1. */
  readonly protocol: 0 | 1;
}

/** A card that can sit in an emulated slot. */
export interface VirtualCard {
  /** Short label for logs and the demo, e.g. "hello-world T=0". */
  readonly label: string;
  /**
   * Activation (cold) or warm reset at `voltage` (5, 3 or 1.8 volts). Returns the ATR, or
   * `undefined` when the card does not answer at this voltage (class not supported) or is
   * mute.
   */
  reset(kind: 'cold' | 'warm', voltage: 5 | 3 | 1.8): Uint8Array | undefined;
  /** Deactivation. */
  powerOff(): void;
  /**
   * A PPS exchange (ISO/IEC 7816-3 §9): the request bytes (PPSS=FF, PPS0, PPS1...,
   * PCK); returns the card's PPS response (echo when accepted) or `undefined` (no answer).
   */
  pps(request: Uint8Array): Uint8Array | undefined;
  /** The reader changed the link (after PPS or SetParameters). */
  setLink(link: CardLink): void;
  /** TPDU level, T=0: a command TPDU (CLA INS P1 P2 P3 [data]); answer = [data] SW1 SW2. */
  transmitT0(tpdu: Uint8Array): CardAnswer;
  /** TPDU level, T=1: one block (NAD PCB LEN INF EDC); answer = one block. */
  transmitT1(block: Uint8Array): CardAnswer;
  /** APDU level (short or extended): a whole command APDU; answer = response data SW1 SW2. */
  transmitApdu(apdu: Uint8Array): CardAnswer;
}
