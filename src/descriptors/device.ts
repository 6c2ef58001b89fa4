/**
 * The standard DEVICE descriptor (USB 2.0 §9.6.1, Table 9-8): 18 bytes that name the
 * reader (idVendor, idProduct, bcdDevice) and the string indexes of its names.
 */
import { USB_DT_DEVICE, USB_DT_DEVICE_SIZE } from './constants.ts';
import { copy, malformed, need, u16, u8 } from './bytes.ts';

/** A parsed DEVICE descriptor. */
export interface DeviceDescriptor {
  /** The 18 bytes as read. */
  readonly raw: Uint8Array;
  /** bLength (USB 2.0 §9.6.1): 18. */
  readonly length: number;
  /** bcdUSB: USB release in BCD, e.g. 0x0200. */
  readonly usbVersion: number;
  /** bDeviceClass: 0 for a CCID reader (the class is given per interface). */
  readonly deviceClass: number;
  /** bDeviceSubClass. */
  readonly deviceSubClass: number;
  /** bDeviceProtocol. */
  readonly deviceProtocol: number;
  /** bMaxPacketSize0: maximum packet size of endpoint 0. */
  readonly maxPacketSize0: number;
  /** idVendor. */
  readonly vendorId: number;
  /** idProduct. */
  readonly productId: number;
  /** bcdDevice: the device release (firmware version) in BCD, e.g. 0x0120 = "1.20". */
  readonly deviceVersion: number;
  /** iManufacturer: string index, 0 = none. */
  readonly manufacturerIndex: number;
  /** iProduct: string index, 0 = none. */
  readonly productIndex: number;
  /** iSerialNumber: string index, 0 = none. */
  readonly serialNumberIndex: number;
  /** bNumConfigurations. */
  readonly numConfigurations: number;
}

/**
 * Parses the 18-byte DEVICE descriptor.
 * @throws {DescriptorError} `CCID_ERR_DESCRIPTOR_MALFORMED` when it is shorter than 18 bytes,
 *   bLength is below 18, or bDescriptorType is not DEVICE.
 */
export function parseDeviceDescriptor(bytes: Uint8Array): DeviceDescriptor {
  need(bytes, 0, USB_DT_DEVICE_SIZE, 'device descriptor');
  const length = u8(bytes, 0);
  if (length < USB_DT_DEVICE_SIZE) throw malformed(`device descriptor: bLength ${length} is below ${USB_DT_DEVICE_SIZE}`, 0);
  if (u8(bytes, 1) !== USB_DT_DEVICE) throw malformed(`device descriptor: bDescriptorType 0x${u8(bytes, 1).toString(16)} is not DEVICE`, 1);
  return {
    raw: copy(bytes, 0, USB_DT_DEVICE_SIZE),
    length,
    usbVersion: u16(bytes, 2),
    deviceClass: u8(bytes, 4),
    deviceSubClass: u8(bytes, 5),
    deviceProtocol: u8(bytes, 6),
    maxPacketSize0: u8(bytes, 7),
    vendorId: u16(bytes, 8),
    productId: u16(bytes, 10),
    deviceVersion: u16(bytes, 12),
    manufacturerIndex: u8(bytes, 14),
    productIndex: u8(bytes, 15),
    serialNumberIndex: u8(bytes, 16),
    numConfigurations: u8(bytes, 17),
  };
}

/** A BCD version as libccid prints it (`%X.%02X`): 0x0120 → `"1.20"`. */
export function formatBcd(value: number): string {
  return `${((value >> 8) & 0xff).toString(16).toUpperCase()}.${(value & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
}
