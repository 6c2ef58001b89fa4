/**
 * A tolerant reader of libccid `parse` dumps (`readers/*.txt`), in every wording from 2004
 * to today, that extracts the *values* a dump states so a test can compare them with a
 * parsed description independently of the wording. Slow and obvious on purpose: it is
 * the test's reference, not product code.
 */

/** A string as a dump shows it. */
export type DumpString =
  | { kind: 'text'; text: string }
  /** "Can't get X string[: reason]". */
  | { kind: 'error'; reason?: string }
  /** Old dumps (before 2009) print the iInterface index instead of its text. */
  | { kind: 'index'; index: number };

/** What a dump shows for one class request. */
export interface DumpAnswer {
  /** "Support N unit" values, in order. */
  values: number[];
  /** "IFD does not support ... request[: text]": the text ('' when none). */
  error?: string;
  /** "Got N ... but was expecting M". */
  got?: { count: number; expected: number };
  /** "wrong size for ...: N". */
  wrongSize?: number;
}

/** One interface block of a dump. */
export interface DumpBlock {
  /** 1-based line where the block starts. */
  line: number;
  /** The block's lines, for identity checks. */
  text: string;
  fields: Map<string, string>;
  manufacturer?: DumpString;
  product?: DumpString;
  iInterface?: DumpString;
  /** Lines that are neither a value nor one of `parse`'s known decoded comments. */
  unknown: string[];
  /** Answers sorted by unit: kHz lines are clocks, bps lines data rates. */
  clocks: DumpAnswer;
  dataRates: DumpAnswer;
}

const DEVICE_FIELDS = ['idVendor', 'idProduct', 'bcdDevice'];
const INTERFACE_FIELDS = ['bLength', 'bDescriptorType', 'bInterfaceNumber', 'bAlternateSetting', 'bNumEndpoints', 'bInterfaceClass', 'bInterfaceSubClass', 'bInterfaceProtocol'];

/** The comment lines `parse` prints under a value, in all its wordings (2004–today). */
const DECODED_LINES: readonly RegExp[] = [
  /^ {2}(Control only|Interrupt-IN|bulk-IN and bulk-OUT|bulk-IN, bulk-OUT and Interrupt-IN|UNKNOWN value)$/,
  /^ {2}(NOT A CCID DEVICE|Class is 0xFF \(proprietary\)|UNSUPPORTED SubClass|UNSUPPORTED InterfaceProtocol)$/,
  /^ {2}(bulk transfer, optional interrupt-IN( \(CCID\))?|ICCD Version A, Control transfers, \(no interrupt-IN\)|ICCD Version B, Control transfers, \(optional interrupt-IN\))$/,
  /^ {3}(PROPRIETARY bDescriptorType|5\.0V|3\.0V|1\.8V|T=0|T=1|2-wire protocol|3-wire protocol|I2C protocol|No special characteristics)$/,
  /^ {3}Card (accept|ejection|capture|lock\/unlock) mechanism$/,
  /^ {3}(\.\.\.\.[0-9A-F]{2} |\.\.[0-9A-F]{2}\.\. |[0-9A-F]{2}\.\.\.\. )?[A-Z][\w ,()=?/.-]+\s*$/,
  /^ {3}echoes the APDU class$/,
  /^ {3,4}\d+ (lines|characters per line)$/,
  /^ {3}PIN (Verification|Modification) supported$/,
];

function emptyAnswer(): DumpAnswer {
  return { values: [] };
}

function readString(body: string): DumpString {
  const m = /^Can't get \w+ string(?:: (.*))?$/.exec(body);
  if (m) return m[1] === undefined ? { kind: 'error' } : { kind: 'error', reason: m[1] };
  return { kind: 'text', text: body };
}

/** Splits a dump into interface blocks and reads the values of each. */
export function readDump(text: string): DumpBlock[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const blocks: DumpBlock[] = [];
  let block: DumpBlock | undefined;
  let blockLines: string[] = [];
  // The class descriptor's fields are indented by 2, the interface's by 1: same names (bLength).
  let inClass = false;
  const finish = (b: DumpBlock) => {
    while (blockLines.length > 0 && blockLines[blockLines.length - 1]!.trim() === '') blockLines.pop();
    b.text = blockLines.join('\n');
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(' idVendor: ')) {
      if (block) finish(block);
      block = { line: i + 1, text: '', fields: new Map(), unknown: [], clocks: emptyAnswer(), dataRates: emptyAnswer() };
      blockLines = [];
      blocks.push(block);
      inClass = false;
    }
    if (block === undefined) continue;
    blockLines.push(line);
    let m: RegExpExecArray | null;
    if ((m = /^ {2}(iManufacturer|iProduct): (.*)$/.exec(line))) {
      block[m[1] === 'iManufacturer' ? 'manufacturer' : 'product'] = { kind: 'text', text: m[2]! };
    } else if ((m = /^ {2}(Can't get (iManufacturer|iProduct) string.*)$/.exec(line))) {
      block[m[2] === 'iManufacturer' ? 'manufacturer' : 'product'] = readString(m[1]!);
    } else if ((m = /^ iInterface: (.*)$/.exec(line))) {
      const body = m[1]!;
      block.iInterface = /^\d+$/.test(body) ? { kind: 'index', index: Number(body) } : { kind: 'text', text: body };
    } else if ((m = /^ (Can't get iInterface string.*)$/.exec(line))) {
      block.iInterface = readString(m[1]!);
    } else if (line === ' CCID Class Descriptor') {
      inClass = true;
    } else if ((m = /^ (\w+): (.*?)\s*$/.exec(line)) && (DEVICE_FIELDS.includes(m[1]!) || INTERFACE_FIELDS.includes(m[1]!)) && !inClass) {
      block.fields.set(m[1]!, m[2]!);
    } else if ((m = /^ {2}(\w+): (.*?)\s*$/.exec(line)) && inClass) {
      block.fields.set(`ccid.${m[1]!}`, m[2]!);
    } else if ((m = /^ {3}Support (-?\d+) (kHz|bps)\s*$/.exec(line))) {
      (m[2] === 'kHz' ? block.clocks : block.dataRates).values.push(Number(m[1]));
    } else if ((m = /^ {3}IFD does not support (GET CLOCK FREQUENCIES|GET_DATA_RATES) request(?:: (.*))?$/.exec(line))) {
      (m[1] === 'GET_DATA_RATES' ? block.dataRates : block.clocks).error = m[2] ?? '';
    } else if ((m = /^ {3}Got (\d+) (clock frequencies|data rates) but was expecting (\d+)\s*$/.exec(line))) {
      (m[2] === 'data rates' ? block.dataRates : block.clocks).got = { count: Number(m[1]), expected: Number(m[3]) };
    } else if ((m = /^ {3}wrong size for (GET CLOCK FREQUENCIES|GET_DATA_RATES): (\d+)\s*$/.exec(line))) {
      (m[1] === 'GET_DATA_RATES' ? block.dataRates : block.clocks).wrongSize = Number(m[2]);
    } else if (line.trim() !== '' && !DECODED_LINES.some((re) => re.test(line))) {
      block.unknown.push(line);
    }
  }
  if (block) finish(block);
  return blocks;
}
