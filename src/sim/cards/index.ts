/**
 * Virtual smart cards for the emulator's slots (device side: nothing here imports the
 * driver's CCID or ISO 7816 code).
 *
 * @example
 * ```ts
 * import { helloWorldCard, usimCard } from './sim/cards/index.ts';
 * const slot0 = helloWorldCard({ protocol: 1, ifsc: 32 });
 * const slot1 = usimCard({ seed: 1 });
 * ```
 *
 * @packageDocumentation
 */

export { SimCard, buildApplets } from './sim-card.ts';
export { helloWorldCard, usimCard, combinedCard, cardFromOptions } from './factories.ts';
export type { HelloWorldCardOptions, UsimCardOptions } from './factories.ts';
export { resolveCardOptions, DEFAULT_HISTORICAL_BYTES } from './options.ts';
export type { CardOptions, ResolvedCardOptions, AppletSpec } from './options.ts';
export { cardOracle, expectedAnswers } from './oracle.ts';
export type { CardOracle } from './oracle.ts';
export { buildAtr, atrCheckByte } from './atr.ts';
export type { AtrParams, Voltage, ClockStop } from './atr.ts';
export { answerPps, ppsCheck } from './pps.ts';
export type { PpsPolicy, PpsOutcome, PpsCapabilities } from './pps.ts';
export {
  FI_VALUES,
  DI_VALUES,
  FMAX_MHZ,
  DEFAULT_CLOCK_HZ,
  defaultLink,
  fiIndexOf,
  diIndexOf,
  etuMs,
  bitRate,
  charactersMs,
  wwtMs,
  bwtMs,
  cwtMs,
} from './timing.ts';
export { lrc, crc16, encodeBlock, checkBlock } from './t1-block.ts';
export type { Edc } from './t1-block.ts';
export { parseCommandApdu, responseBytes, SW } from './apdu.ts';
export type { CommandApdu, Reply } from './apdu.ts';
export type { Applet, AppletContext, AppletFactory } from './applet.ts';
export { CardOs } from './os.ts';
export { HELLO_WORLD_AID, HELLO_WORLD_TEXT, helloWorldApplet } from './applets/hello-world.ts';
export { UsimApplet, fcpOf, pinBlock } from './applets/usim.ts';
export type { UsimOptions, Access, FileNode, DedicatedFile, ElementaryFile } from './applets/usim.ts';
export { usimContents, luhnDigit, swappedBcd, ADN_RECORD_COUNT, ADN_RECORD_LENGTH, LOCI_SIZE } from './applets/usim-files.ts';
export type { UsimContents } from './applets/usim-files.ts';
export { testCommandsApplet, INS_GET_CHALLENGE, INS_GET_DATA, INS_WAIT, INS_ECHO } from './applets/test-commands.ts';
export { createPrng, patternBytes } from './prng.ts';
export type { Prng } from './prng.ts';
