/**
 * PC/SC v2 part 10 features (Interoperability Specification for ICCs and Personal
 * Computer Systems, Part 10 "IFDs with Secure PIN Entry Capabilities", v2.02.09):
 * which features a reader offers, and the control codes a PC/SC application would use
 * for them, computed as libccid and pcsc-lite do.
 *
 * A PC/SC application asks `SCardControl(CM_IOCTL_GET_FEATURE_REQUEST)` and gets TLVs of
 * (tag, 4, control code). Here the same list is {@link Slot.features}; the operations are
 * methods (`verifyPin`, `modifyPin`, `control`), and {@link tlvProperties} answers
 * FEATURE_GET_TLV_PROPERTIES.
 *
 * Control codes: pcsc-lite's `SCARD_CTL_CODE(code)` is `0x42000000 + code`; libccid
 * numbers the part 10 features `SCARD_CTL_CODE(FEATURE_x + CLASS2_IOCTL_MAGIC)` with
 * CLASS2_IOCTL_MAGIC = 0x330000, so FEATURE_VERIFY_PIN_DIRECT (0x06) is 0x42330006, and
 * CM_IOCTL_GET_FEATURE_REQUEST is `SCARD_CTL_CODE(3400)` = 0x42000D48.
 */
import type { CcidInterfaceDescription } from '../descriptors/ccid-interface.ts';
import type { ReaderParameters } from '../readers/apply.ts';
import type { Quirk } from '../readers/quirk.ts';

/** Part 10 feature tags (PC/SC v2 part 10 §2.3, Table 2-1). */
export const FEATURE_VERIFY_PIN_START = 0x01;
/** @see FEATURE_VERIFY_PIN_START */
export const FEATURE_VERIFY_PIN_FINISH = 0x02;
/** @see FEATURE_VERIFY_PIN_START */
export const FEATURE_MODIFY_PIN_START = 0x03;
/** @see FEATURE_VERIFY_PIN_START */
export const FEATURE_MODIFY_PIN_FINISH = 0x04;
/** @see FEATURE_VERIFY_PIN_START */
export const FEATURE_GET_KEY_PRESSED = 0x05;
/** Secure PIN verification in one call (PIN_VERIFY_STRUCTURE → PC_to_RDR_Secure bPINOperation 0). */
export const FEATURE_VERIFY_PIN_DIRECT = 0x06;
/** Secure PIN modification in one call (PIN_MODIFY_STRUCTURE → PC_to_RDR_Secure bPINOperation 1). */
export const FEATURE_MODIFY_PIN_DIRECT = 0x07;
/** MCT universal commands sent to the reader (Kobil readers). */
export const FEATURE_MCT_READER_DIRECT = 0x08;
/** @see FEATURE_VERIFY_PIN_START */
export const FEATURE_MCT_UNIVERSAL = 0x09;
/** PIN_PROPERTIES_STRUCTURE: wLcdLayout, bEntryValidationCondition, bTimeOut2. */
export const FEATURE_IFD_PIN_PROPERTIES = 0x0a;
/** @see FEATURE_VERIFY_PIN_START */
export const FEATURE_ABORT = 0x0b;
/** TLV list of reader properties (wLcdLayout, bMinPINSize, bMaxPINSize, wIdVendor...). */
export const FEATURE_GET_TLV_PROPERTIES = 0x12;
/** Raw PC_to_RDR_Escape to the reader ({@link Slot.control}). */
export const FEATURE_CCID_ESC_COMMAND = 0x13;

/** pcsc-lite's SCARD_CTL_CODE base (Unix): control code = 0x42000000 + code. */
export const SCARD_CTL_CODE_BASE = 0x42000000;
/** libccid's offset of part 10 feature control codes (CLASS2_IOCTL_MAGIC). */
export const CLASS2_IOCTL_MAGIC = 0x330000;
/** CM_IOCTL_GET_FEATURE_REQUEST = SCARD_CTL_CODE(3400). */
export const CM_IOCTL_GET_FEATURE_REQUEST = SCARD_CTL_CODE_BASE + 3400;

/** Names of the feature tags. */
const FEATURE_NAMES: Readonly<Record<number, string>> = {
  [FEATURE_VERIFY_PIN_START]: 'FEATURE_VERIFY_PIN_START',
  [FEATURE_VERIFY_PIN_FINISH]: 'FEATURE_VERIFY_PIN_FINISH',
  [FEATURE_MODIFY_PIN_START]: 'FEATURE_MODIFY_PIN_START',
  [FEATURE_MODIFY_PIN_FINISH]: 'FEATURE_MODIFY_PIN_FINISH',
  [FEATURE_GET_KEY_PRESSED]: 'FEATURE_GET_KEY_PRESSED',
  [FEATURE_VERIFY_PIN_DIRECT]: 'FEATURE_VERIFY_PIN_DIRECT',
  [FEATURE_MODIFY_PIN_DIRECT]: 'FEATURE_MODIFY_PIN_DIRECT',
  [FEATURE_MCT_READER_DIRECT]: 'FEATURE_MCT_READER_DIRECT',
  [FEATURE_MCT_UNIVERSAL]: 'FEATURE_MCT_UNIVERSAL',
  [FEATURE_IFD_PIN_PROPERTIES]: 'FEATURE_IFD_PIN_PROPERTIES',
  [FEATURE_ABORT]: 'FEATURE_ABORT',
  [FEATURE_GET_TLV_PROPERTIES]: 'FEATURE_GET_TLV_PROPERTIES',
  [FEATURE_CCID_ESC_COMMAND]: 'FEATURE_CCID_ESC_COMMAND',
};

/** One feature a reader offers. */
export interface Part10Feature {
  /** The feature tag (FEATURE_VERIFY_PIN_DIRECT = 0x06...). */
  readonly tag: number;
  /** Its name in PC/SC v2 part 10. */
  readonly name: string;
  /** The control code libccid gives it: SCARD_CTL_CODE(tag + CLASS2_IOCTL_MAGIC). */
  readonly controlCode: number;
}

/** The control code of a feature tag, as libccid computes it: `0x42000000 + 0x330000 + tag`. */
export function featureControlCode(tag: number): number {
  return SCARD_CTL_CODE_BASE + CLASS2_IOCTL_MAGIC + tag;
}

function feature(tag: number): Part10Feature {
  return { tag, name: FEATURE_NAMES[tag] ?? `FEATURE_0x${tag.toString(16).padStart(2, '0')}`, controlCode: featureControlCode(tag) };
}

/**
 * The features a reader offers, in libccid's order (ifdhandler.c, CM_IOCTL_GET_FEATURE_REQUEST):
 * VERIFY/MODIFY_PIN_DIRECT when bPINSupport (after quirks) says so, IFD_PIN_PROPERTIES
 * with any PIN support, MCT_READER_DIRECT for readers with the `mctReaderDirect` quirk,
 * GET_TLV_PROPERTIES always, and CCID_ESC_COMMAND (libccid offers it only when its
 * configuration authorises escape commands; here the application owns the reader, so
 * it is offered unless `escape` is false).
 */
export function featuresOf(parameters: ReaderParameters, quirks: readonly Quirk[], escape = true): Part10Feature[] {
  const out: Part10Feature[] = [];
  if (parameters.pinSupport & 0x01) out.push(feature(FEATURE_VERIFY_PIN_DIRECT));
  if (parameters.pinSupport & 0x02) out.push(feature(FEATURE_MODIFY_PIN_DIRECT));
  if (parameters.pinSupport !== 0) out.push(feature(FEATURE_IFD_PIN_PROPERTIES));
  if (quirks.some((q) => q.kind === 'mctReaderDirect')) out.push(feature(FEATURE_MCT_READER_DIRECT));
  out.push(feature(FEATURE_GET_TLV_PROPERTIES));
  if (escape) out.push(feature(FEATURE_CCID_ESC_COMMAND));
  return out;
}

/** PC/SC v2 part 10 §2.6.14 property tags of FEATURE_GET_TLV_PROPERTIES. */
export const PCSCv2_PART10_PROPERTY = {
  wLcdLayout: 1,
  bEntryValidationCondition: 2,
  bTimeOut2: 3,
  wLcdMaxCharacters: 4,
  wLcdMaxLines: 5,
  bMinPINSize: 6,
  bMaxPINSize: 7,
  sFirmwareID: 8,
  bPPDUSupport: 9,
  dwMaxAPDUDataSize: 10,
  wIdVendor: 11,
  wIdProduct: 12,
} as const;

/** FEATURE_GET_TLV_PROPERTIES, decoded, with the TLV bytes a PC/SC application would get. */
export interface TlvProperties {
  /** wLcdLayout (CCID descriptor). */
  readonly wLcdLayout: number;
  /** bEntryValidationCondition the PIN pad uses (0x02: validation key pressed, unless a quirk says otherwise). */
  readonly bEntryValidationCondition: number;
  /** bTimeOut2 (0: reader default). */
  readonly bTimeOut2: number;
  /** bMinPINSize / bMaxPINSize, when a quirk knows them. */
  readonly bMinPINSize?: number;
  readonly bMaxPINSize?: number;
  /** dwMaxAPDUDataSize: 0 at short APDU level, 65536 at TPDU and extended APDU level (libccid). */
  readonly dwMaxAPDUDataSize: number;
  /** wIdVendor, wIdProduct. */
  readonly wIdVendor: number;
  readonly wIdProduct: number;
  /** The TLV encoding (tag, length, little-endian value). */
  readonly raw: Uint8Array;
}

/** Builds FEATURE_GET_TLV_PROPERTIES for a reader (libccid ifdhandler.c's list, less sFirmwareID). */
export function tlvProperties(itf: CcidInterfaceDescription, parameters: ReaderParameters, quirks: readonly Quirk[], vendorId: number, productId: number): TlvProperties {
  const pin = quirks.find((q) => q.kind === 'pinProperties');
  const validation = pin?.kind === 'pinProperties' && pin.entryValidation !== undefined ? pin.entryValidation : 0x02;
  const maxApdu = parameters.exchangeLevel === 'short-apdu' ? 0 : 65536;
  const props: TlvProperties = {
    wLcdLayout: itf.ccid.lcdLayout.value,
    bEntryValidationCondition: validation,
    bTimeOut2: 0,
    ...(pin?.kind === 'pinProperties' && pin.minPinSize !== undefined ? { bMinPINSize: pin.minPinSize } : {}),
    ...(pin?.kind === 'pinProperties' && pin.maxPinSize !== undefined ? { bMaxPINSize: pin.maxPinSize } : {}),
    dwMaxAPDUDataSize: maxApdu,
    wIdVendor: vendorId,
    wIdProduct: productId,
    raw: new Uint8Array(0),
  };
  const tlv: number[] = [];
  const put = (tag: number, size: 1 | 2 | 4, value: number) => {
    tlv.push(tag, size);
    for (let i = 0; i < size; i++) tlv.push((value >>> (8 * i)) & 0xff);
  };
  const P = PCSCv2_PART10_PROPERTY;
  put(P.wLcdLayout, 2, props.wLcdLayout);
  put(P.bEntryValidationCondition, 1, props.bEntryValidationCondition);
  put(P.bTimeOut2, 1, props.bTimeOut2);
  if (props.bMinPINSize !== undefined) put(P.bMinPINSize, 1, props.bMinPINSize);
  if (props.bMaxPINSize !== undefined) put(P.bMaxPINSize, 1, props.bMaxPINSize);
  put(P.dwMaxAPDUDataSize, 4, props.dwMaxAPDUDataSize);
  put(P.wIdVendor, 2, vendorId);
  put(P.wIdProduct, 2, productId);
  return { ...props, raw: Uint8Array.from(tlv) };
}
