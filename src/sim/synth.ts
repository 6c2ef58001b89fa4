/**
 * Synthetic reader descriptors: builds a descriptor fixture (device descriptor,
 * configuration with one CCID interface, strings, class-request answers) from a few
 * readable parameters. The built-in `sim-*` profiles are made with it (their `.desc`
 * files in `descriptors/` are its output), and tests use it for readers no fixture has
 * (96 slots on one interface, odd packet sizes...).
 */
import { ArgumentError } from '../errors.ts';
import type { DescriptorFixture, FixtureAnswer } from '../fixtures/desc-file.ts';
import type { ExchangeLevel } from './profile.ts';
import { FEATURE_LEVEL_EXTENDED_APDU, FEATURE_LEVEL_SHORT_APDU, FEATURE_LEVEL_TPDU } from './spec.ts';

/** Parameters of a synthetic reader. Every field but `slots` and `level` has a default. */
export interface SyntheticReaderSpec {
  /** Profile name (also written as a `# profile:` comment). */
  readonly name: string;
  /** Slots (bMaxSlotIndex + 1), 1..256. */
  readonly slots: number;
  /** bMaxCCIDBusySlots. @default slots */
  readonly busySlots?: number | undefined;
  /** Exchange level (dwFeatures bits 16..18). */
  readonly level: ExchangeLevel;
  /** dwProtocols: bit 0 T=0, bit 1 T=1. @default 3 */
  readonly protocols?: number | undefined;
  /** dwFeatures bits other than the level. @default 0x47A at APDU level (automatic everything), 0xBA at TPDU level (automatic PPS), 0 at character level */
  readonly features?: number | undefined;
  /** dwMaxCCIDMessageLength. @default 271 */
  readonly maxMessageLength?: number | undefined;
  /** bVoltageSupport. @default 7 (5 V, 3 V, 1.8 V) */
  readonly voltages?: number | undefined;
  /** dwDefaultClock in kHz. @default 4000 */
  readonly defaultClockKhz?: number | undefined;
  /** dwMaximumClock in kHz. @default the largest of `clockFrequenciesKhz`, else the default clock */
  readonly maxClockKhz?: number | undefined;
  /** dwDataRate in bps. @default default clock · 1000 / 372, rounded */
  readonly dataRate?: number | undefined;
  /** dwMaxDataRate in bps. @default the largest of `dataRatesBps`, else 344 086 */
  readonly maxDataRate?: number | undefined;
  /** dwMaxIFSD. @default 254 */
  readonly maxIFSD?: number | undefined;
  /** bPINSupport. @default 0 */
  readonly pinSupport?: number | undefined;
  /** wLcdLayout. @default 0 */
  readonly lcdLayout?: number | undefined;
  /** dwMechanical. @default 0 */
  readonly mechanical?: number | undefined;
  /** GET_CLOCK_FREQUENCIES answer (kHz); absent: the request STALLs. */
  readonly clockFrequenciesKhz?: readonly number[] | undefined;
  /** GET_DATA_RATES answer (bps); absent: the request STALLs. */
  readonly dataRatesBps?: readonly number[] | undefined;
  /** wMaxPacketSize of the bulk endpoints. @default 64 */
  readonly bulkPacketSize?: number | undefined;
  /** Whether there is an interrupt-IN endpoint. @default true */
  readonly interrupt?: boolean | undefined;
  /** idVendor. @default 0x1209 */
  readonly vendorId?: number | undefined;
  /** idProduct. @default 0xCC00 */
  readonly productId?: number | undefined;
  /** iManufacturer text. @default "ccid emulator" */
  readonly manufacturer?: string | undefined;
  /** iProduct text. @default the name */
  readonly product?: string | undefined;
  /** Extra comment lines. */
  readonly comments?: readonly string[] | undefined;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function le16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}

function listAnswer(values: readonly number[] | undefined): FixtureAnswer | undefined {
  if (values === undefined) return undefined;
  return { kind: 'data', bytes: Uint8Array.from(values.flatMap(le32)) };
}

const LEVEL_BITS: Record<ExchangeLevel, number> = {
  character: 0,
  tpdu: FEATURE_LEVEL_TPDU,
  'short-apdu': FEATURE_LEVEL_SHORT_APDU,
  'extended-apdu': FEATURE_LEVEL_EXTENDED_APDU,
};

/**
 * Builds the fixture of a synthetic reader.
 * @throws {ArgumentError} on a slot count outside 1..256 or a busy count outside 1..slots.
 */
export function synthesizeFixture(spec: SyntheticReaderSpec): DescriptorFixture {
  if (!(Number.isInteger(spec.slots) && spec.slots >= 1 && spec.slots <= 256)) throw new ArgumentError(`slots must be in 1..256, not ${spec.slots}`);
  const busy = spec.busySlots ?? spec.slots;
  if (!(Number.isInteger(busy) && busy >= 1 && busy <= spec.slots)) throw new ArgumentError(`busySlots must be in 1..${spec.slots}, not ${busy}`);
  const clock = spec.defaultClockKhz ?? 4000;
  const clocks = spec.clockFrequenciesKhz;
  const rates = spec.dataRatesBps;
  const defaultFeatures = spec.level === 'tpdu' ? 0xba : spec.level === 'character' ? 0 : 0x47a;
  const features = (spec.features ?? defaultFeatures) | LEVEL_BITS[spec.level];
  const classDescriptor = [
    0x36, 0x21, ...le16(0x0110),
    spec.slots - 1,
    spec.voltages ?? 7,
    ...le32(spec.protocols ?? 3),
    ...le32(clock),
    ...le32(spec.maxClockKhz ?? (clocks !== undefined && clocks.length > 0 ? Math.max(...clocks) : clock)),
    clocks?.length ?? 0,
    ...le32(spec.dataRate ?? Math.round((clock * 1000) / 372)),
    ...le32(spec.maxDataRate ?? (rates !== undefined && rates.length > 0 ? Math.max(...rates) : 344086)),
    rates?.length ?? 0,
    ...le32(spec.maxIFSD ?? 254),
    ...le32(0),
    ...le32(spec.mechanical ?? 0),
    ...le32(features),
    ...le32(spec.maxMessageLength ?? 271),
    0xff,
    0xff,
    ...le16(spec.lcdLayout ?? 0),
    spec.pinSupport ?? 0,
    busy,
  ];
  const mps = spec.bulkPacketSize ?? 64;
  const notifyLength = 1 + Math.ceil((2 * spec.slots) / 8);
  const interruptSize = notifyLength <= 8 ? 8 : 64;
  const endpoints = [
    [7, 5, 0x81, 2, ...le16(mps), 0],
    [7, 5, 0x02, 2, ...le16(mps), 0],
    ...(spec.interrupt === false ? [] : [[7, 5, 0x83, 3, ...le16(interruptSize), 16]]),
  ];
  const iface = [9, 4, 0, 0, endpoints.length, 0x0b, 0, 0, 3];
  const body = [...iface, ...classDescriptor, ...endpoints.flat()];
  const total = 9 + body.length;
  const configuration = Uint8Array.from([9, 2, ...le16(total), 1, 1, 0, 0x80, 50, ...body]);
  const device = Uint8Array.from([18, 1, ...le16(0x0200), 0, 0, 0, 64, ...le16(spec.vendorId ?? 0x1209), ...le16(spec.productId ?? 0xcc00), ...le16(0x0100), 1, 2, 0, 1]);
  const strings = new Map<number, string>([
    [1, spec.manufacturer ?? 'ccid emulator'],
    [2, spec.product ?? spec.name],
    [3, 'CCID'],
  ]);
  const clockFrequencies = new Map<number, FixtureAnswer>();
  const dataRates = new Map<number, FixtureAnswer>();
  const c = listAnswer(clocks);
  const r = listAnswer(rates);
  if (c !== undefined) clockFrequencies.set(0, c);
  if (r !== undefined) dataRates.set(0, r);
  const comments = [
    `synthetic reader for the emulator (src/sim/synth.ts), not a real device`,
    `profile: ${spec.name}`,
    ...(spec.comments ?? []),
    `${spec.slots} slot(s), ${busy} busy at once, ${spec.level} level, dwFeatures 0x${features.toString(16).padStart(8, '0')}, dwMaxCCIDMessageLength ${spec.maxMessageLength ?? 271}`,
    `endpoints: 0x81 bulk-IN ${mps}, 0x02 bulk-OUT ${mps}${spec.interrupt === false ? '' : `, 0x83 interrupt-IN ${interruptSize}`}`,
  ];
  return { device, configuration, strings, clockFrequencies, dataRates, comments };
}

/** The synthetic built-in profiles (their fixtures are `descriptors/sim-<name>.desc`). */
export const SYNTHETIC_PROFILES: readonly SyntheticReaderSpec[] = [
  {
    name: 'short-apdu-1slot',
    productId: 0xcc01,
    slots: 1,
    level: 'short-apdu',
    comments: ['one slot, short APDU level: the reader runs T=0/T=1 itself'],
  },
  {
    name: 'tpdu-t1-1slot',
    productId: 0xcc02,
    slots: 1,
    level: 'tpdu',
    protocols: 3,
    clockFrequenciesKhz: [4000, 8000, 12000],
    dataRatesBps: [10753, 21505, 43011, 86022, 172043, 344086],
    comments: ['one slot, TPDU level, T=0 and T=1, automatic PPS (0x80): the host runs T=0/T=1'],
  },
  {
    name: 'extended-apdu-1slot',
    productId: 0xcc03,
    slots: 1,
    level: 'extended-apdu',
    pinSupport: 0x03,
    lcdLayout: 0x0210,
    comments: ['one slot, extended APDU level with XfrBlock chaining (dwMaxCCIDMessageLength 271), PIN pad (bPINSupport 0x03)'],
  },
  {
    name: '3slot-2busy',
    productId: 0xcc04,
    slots: 3,
    busySlots: 2,
    level: 'tpdu',
    comments: ['three slots, two may be busy at once (libccid would serialise it)'],
  },
  {
    name: '2slot-1busy',
    productId: 0xcc05,
    slots: 2,
    busySlots: 1,
    level: 'short-apdu',
    comments: ['two slots, one busy at a time: the driver must serialise'],
  },
];
