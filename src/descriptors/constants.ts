/**
 * The USB 2.0 and CCID 1.1 numbers the descriptor layer uses, spelled as the specs spell
 * them. Nothing here is decoded; see the modules that use each constant.
 */

/** bDescriptorType values (USB 2.0 §9.4, Table 9-5). */
export const USB_DT_DEVICE = 0x01;
/** CONFIGURATION descriptor (USB 2.0 §9.6.3). */
export const USB_DT_CONFIG = 0x02;
/** STRING descriptor (USB 2.0 §9.6.7). */
export const USB_DT_STRING = 0x03;
/** INTERFACE descriptor (USB 2.0 §9.6.5). */
export const USB_DT_INTERFACE = 0x04;
/** ENDPOINT descriptor (USB 2.0 §9.6.6). */
export const USB_DT_ENDPOINT = 0x05;
/** INTERFACE_ASSOCIATION descriptor (USB ECN, composite devices). */
export const USB_DT_INTERFACE_ASSOCIATION = 0x0b;

/** CCID functional (class) descriptor type (CCID 1.1 §5.1, Table 5.1-1). */
export const CCID_DT_FUNCTIONAL = 0x21;
/**
 * Some early readers (Gemplus, Verisign tokens) give their CCID descriptor the
 * vendor-specific type 0xFF instead of 0x21; libccid accepts it ("PROPRIETARY bDescriptorType").
 */
export const CCID_DT_PROPRIETARY = 0xff;
/** bLength of the CCID class descriptor (CCID 1.1 §5.1). */
export const CCID_CLASS_DESCRIPTOR_LENGTH = 54;

/** bInterfaceClass of a CCID interface (CCID 1.1 §4.3). */
export const USB_CLASS_CCID = 0x0b;
/** bInterfaceClass "vendor specific", used by pre-standard readers carrying a CCID descriptor. */
export const USB_CLASS_VENDOR_SPEC = 0xff;

/** Standard request GET_DESCRIPTOR (USB 2.0 §9.4.3). */
export const USB_REQ_GET_DESCRIPTOR = 0x06;
/** CCID class request GET_CLOCK_FREQUENCIES (CCID 1.1 §5.3.2). */
export const GET_CLOCK_FREQUENCIES = 0x02;
/** CCID class request GET_DATA_RATES (CCID 1.1 §5.3.3). */
export const GET_DATA_RATES = 0x03;

/** Sizes of the fixed descriptors (USB 2.0 §9.6). */
export const USB_DT_DEVICE_SIZE = 18;
/** CONFIGURATION descriptor header size (USB 2.0 §9.6.3). */
export const USB_DT_CONFIG_SIZE = 9;
/** INTERFACE descriptor size (USB 2.0 §9.6.5). */
export const USB_DT_INTERFACE_SIZE = 9;
/** ENDPOINT descriptor size (USB 2.0 §9.6.6); audio endpoints add 2 bytes. */
export const USB_DT_ENDPOINT_SIZE = 7;

/** LANGID "English (United States)", the one every reader offers first. */
export const LANGID_EN_US = 0x0409;
