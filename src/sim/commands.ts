/**
 * The command table of the emulated reader: bMessageType → handler (CCID 1.1 §6.1).
 * PC_to_RDR_Abort is not here: the CCID function pairs it with the class ABORT request.
 */
import { iccPowerOn, xfrBlock } from './commands-card.ts';
import { secure } from './commands-secure.ts';
import { escape, getParameters, getSlotStatus, iccClock, iccPowerOff, mechanical, resetParameters, setDataRateAndClockFrequency, setParameters, t0Apdu } from './commands-slot.ts';
import type { CommandHandler } from './outcome.ts';
import {
  PC_to_RDR_Escape,
  PC_to_RDR_GetParameters,
  PC_to_RDR_GetSlotStatus,
  PC_to_RDR_IccClock,
  PC_to_RDR_IccPowerOff,
  PC_to_RDR_IccPowerOn,
  PC_to_RDR_Mechanical,
  PC_to_RDR_ResetParameters,
  PC_to_RDR_Secure,
  PC_to_RDR_SetDataRateAndClockFrequency,
  PC_to_RDR_SetParameters,
  PC_to_RDR_T0APDU,
  PC_to_RDR_XfrBlock,
} from './spec.ts';

/** Handlers indexed by bMessageType; undefined: CMD_NOT_SUPPORTED. */
export const HANDLERS: readonly (CommandHandler | undefined)[] = (() => {
  const table: (CommandHandler | undefined)[] = new Array(256).fill(undefined);
  table[PC_to_RDR_IccPowerOn] = iccPowerOn;
  table[PC_to_RDR_IccPowerOff] = iccPowerOff;
  table[PC_to_RDR_GetSlotStatus] = getSlotStatus;
  table[PC_to_RDR_XfrBlock] = xfrBlock;
  table[PC_to_RDR_GetParameters] = getParameters;
  table[PC_to_RDR_ResetParameters] = resetParameters;
  table[PC_to_RDR_SetParameters] = setParameters;
  table[PC_to_RDR_Escape] = escape;
  table[PC_to_RDR_IccClock] = iccClock;
  table[PC_to_RDR_T0APDU] = t0Apdu;
  table[PC_to_RDR_Secure] = secure;
  table[PC_to_RDR_Mechanical] = mechanical;
  table[PC_to_RDR_SetDataRateAndClockFrequency] = setDataRateAndClockFrequency;
  return table;
})();
