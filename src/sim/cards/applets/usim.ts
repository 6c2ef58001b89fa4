/**
 * A USIM-like file system (ETSI TS 102 221, 3GPP TS 31.102, ISO/IEC 7816-4 §7.1–7.2,
 * §7.5.6), resident on the card:
 *
 * ```
 * MF 3F00
 * ├── EF ICCID 2FE2   transparent, 10 bytes, SFI 02, read always
 * ├── DF TELECOM 7F10
 * │   └── EF ADN 6F3A linear fixed, 5 × 28 bytes, read/update CHV1
 * └── DF GSM 7F20
 *     ├── EF IMSI 6F07 transparent, 9 bytes, SFI 07, read CHV1
 *     └── EF LOCI 6F7E transparent, 11 bytes, read/update CHV1
 * ```
 *
 * Commands: SELECT (P1 00 by FID, 01 child DF, 02 EF, 03 parent, 08/09 by path; P2 04/00
 * FCP, 0C none), READ BINARY (offset or SFI), UPDATE BINARY, READ RECORD / UPDATE RECORD
 * (absolute, next, previous), VERIFY (CHV1, P2 = 01, 8 bytes, retry counter with 63 CX /
 * 69 83), STATUS. File contents and the retry counter persist across resets (they
 * are "EEPROM"); the selection and the verified state do not.
 */

import type { Applet } from '../applet.ts';
import { SW, dataReply, status, type CommandApdu, type Reply } from '../apdu.ts';
import { usimContents } from './usim-files.ts';

/** Who may read or update a file. */
export type Access = 'always' | 'chv1' | 'never';

/** A dedicated file (directory). */
export interface DedicatedFile {
  readonly kind: 'df';
  readonly fid: number;
  readonly name: string;
  readonly children: FileNode[];
  parent?: DedicatedFile;
}

/** An elementary file, transparent (`data`) or linear fixed (`records`). */
export interface ElementaryFile {
  readonly kind: 'ef';
  readonly fid: number;
  readonly name: string;
  readonly sfi?: number;
  readonly read: Access;
  readonly update: Access;
  data?: Uint8Array;
  records?: Uint8Array[];
  parent?: DedicatedFile;
}

/** A node of the file tree. */
export type FileNode = DedicatedFile | ElementaryFile;

/** USIM options. */
export interface UsimOptions {
  /** Seed of the contents (see `usimContents`). */
  readonly seed: number;
  /** CHV1 value, ASCII digits, 4 to 8 (padded with FF to 8 bytes). @default "1234" */
  readonly pin?: string;
  /** CHV1 tries before blocking. @default 3 */
  readonly pinRetries?: number;
  /** Whether CHV1 protects files; when false every CHV1 access is granted. @default true */
  readonly pinEnabled?: boolean;
}

const INS = { SELECT: 0xa4, READ_BINARY: 0xb0, UPDATE_BINARY: 0xd6, READ_RECORD: 0xb2, UPDATE_RECORD: 0xdc, VERIFY: 0x20, STATUS: 0xf2 } as const;

function df(fid: number, name: string, children: FileNode[]): DedicatedFile {
  const node: DedicatedFile = { kind: 'df', fid, name, children };
  for (const child of children) child.parent = node;
  return node;
}

/** Encodes the PIN as CHV1 reference data: ASCII digits padded with FF to 8 bytes. */
export function pinBlock(pin: string): Uint8Array {
  const out = new Uint8Array(8).fill(0xff);
  out.set(new TextEncoder().encode(pin).subarray(0, 8));
  return out;
}

/** The FCP template (tag 62) of a file (ISO/IEC 7816-4 §5.3.3, TS 102 221 §11.1.1.3). */
export function fcpOf(file: FileNode): Uint8Array {
  const tlv = (tag: number, value: number[]): number[] => [tag, value.length, ...value];
  const parts: number[] = [];
  if (file.kind === 'df') {
    parts.push(...tlv(0x82, [0x78, 0x21])); // DF, shareable
  } else if (file.records !== undefined) {
    const rl = file.records[0]?.length ?? 0;
    parts.push(...tlv(0x82, [0x42, 0x21, 0x00, rl, file.records.length])); // linear fixed
  } else {
    parts.push(...tlv(0x82, [0x41, 0x21])); // transparent
  }
  parts.push(...tlv(0x83, [file.fid >> 8, file.fid & 0xff]));
  if (file.kind === 'ef') {
    const size = file.records !== undefined ? file.records.length * (file.records[0]?.length ?? 0) : file.data!.length;
    parts.push(...tlv(0x80, [size >> 8, size & 0xff]));
    parts.push(...tlv(0x88, file.sfi === undefined ? [] : [file.sfi << 3]));
  }
  parts.push(...tlv(0x8a, [0x05])); // life cycle: operational, activated
  return Uint8Array.from([0x62, parts.length, ...parts]);
}

/** The USIM file system applet. */
export class UsimApplet implements Applet {
  readonly name = 'usim';
  /** The root of the tree (MF 3F00). */
  readonly mf: DedicatedFile;
  readonly #pin: Uint8Array;
  readonly #maxRetries: number;
  readonly #pinEnabled: boolean;
  #retries: number;
  #verified = false;
  #currentDf: DedicatedFile;
  #currentEf: ElementaryFile | undefined;
  #currentRecord = 0;

  constructor(options: UsimOptions) {
    const c = usimContents(options.seed);
    this.mf = df(0x3f00, 'MF', [
      { kind: 'ef', fid: 0x2fe2, name: 'EF ICCID', sfi: 0x02, read: 'always', update: 'never', data: c.iccidFile },
      df(0x7f10, 'DF TELECOM', [
        { kind: 'ef', fid: 0x6f3a, name: 'EF ADN', read: 'chv1', update: 'chv1', records: c.adnRecords.map((r) => r.slice()) },
      ]),
      df(0x7f20, 'DF GSM', [
        { kind: 'ef', fid: 0x6f07, name: 'EF IMSI', sfi: 0x07, read: 'chv1', update: 'never', data: c.imsiFile },
        { kind: 'ef', fid: 0x6f7e, name: 'EF LOCI', read: 'chv1', update: 'chv1', data: c.lociFile },
      ]),
    ]);
    this.#pin = pinBlock(options.pin ?? '1234');
    this.#maxRetries = options.pinRetries ?? 3;
    this.#retries = this.#maxRetries;
    this.#pinEnabled = options.pinEnabled ?? true;
    this.#currentDf = this.mf;
  }

  /** CHV1 tries left. */
  get pinRetries(): number {
    return this.#retries;
  }

  reset(): void {
    this.#verified = false;
    this.#currentDf = this.mf;
    this.#currentEf = undefined;
    this.#currentRecord = 0;
  }

  process(command: CommandApdu): Reply | undefined {
    if (command.cla !== 0x00) return undefined;
    switch (command.ins) {
      case INS.SELECT:
        return command.p1 === 0x04 ? undefined : this.#select(command);
      case INS.READ_BINARY:
        return this.#binary(command, false);
      case INS.UPDATE_BINARY:
        return this.#binary(command, true);
      case INS.READ_RECORD:
        return this.#record(command, false);
      case INS.UPDATE_RECORD:
        return this.#record(command, true);
      case INS.VERIFY:
        return this.#verify(command);
      case INS.STATUS:
        if (command.p2 === 0x0c) return status(SW.OK);
        if (command.p2 !== 0x00) return status(SW.INCORRECT_P1P2);
        return dataReply(fcpOf(this.#currentDf));
      default:
        return undefined;
    }
  }

  #select(command: CommandApdu): Reply {
    const { p1, p2, data } = command;
    const answer = p2 & 0x0c;
    if ((p2 & 0xf3) !== 0 || answer === 0x08) return status(SW.INCORRECT_P1P2);
    if (data.length % 2 !== 0) return status(SW.WRONG_LENGTH);
    const fids: number[] = [];
    for (let i = 0; i < data.length; i += 2) fids.push((data[i]! << 8) | data[i + 1]!);
    let target: FileNode | undefined;
    switch (p1) {
      case 0x00:
        if (fids.length > 1) return status(SW.WRONG_LENGTH);
        target = fids.length === 0 ? this.mf : this.#findFid(fids[0]!);
        break;
      case 0x01:
        target = fids.length === 1 ? this.#currentDf.children.find((f) => f.kind === 'df' && f.fid === fids[0]) : undefined;
        break;
      case 0x02:
        target = fids.length === 1 ? this.#currentDf.children.find((f) => f.kind === 'ef' && f.fid === fids[0]) : undefined;
        break;
      case 0x03:
        if (fids.length !== 0) return status(SW.WRONG_LENGTH);
        target = this.#currentDf.parent;
        break;
      case 0x08:
        target = this.#walk(this.mf, fids[0] === 0x3f00 ? fids.slice(1) : fids);
        break;
      case 0x09:
        target = this.#walk(this.#currentDf, fids);
        break;
      default:
        return status(SW.INCORRECT_P1P2);
    }
    if (target === undefined) return status(SW.FILE_NOT_FOUND);
    if (target.kind === 'df') {
      this.#currentDf = target;
      this.#currentEf = undefined;
    } else {
      this.#currentDf = target.parent!;
      this.#currentEf = target;
    }
    this.#currentRecord = 0;
    return answer === 0x0c ? status(SW.OK) : dataReply(fcpOf(target));
  }

  /** Files selectable by FID from the current DF (TS 102 221 §8.4.1). */
  #findFid(fid: number): FileNode | undefined {
    const current = this.#currentDf;
    if (fid === 0x3f00) return this.mf;
    if (fid === current.fid) return current;
    const child = current.children.find((f) => f.fid === fid);
    if (child !== undefined) return child;
    const parent = current.parent;
    if (parent === undefined) return undefined;
    if (parent.fid === fid) return parent;
    return parent.children.find((f) => f.kind === 'df' && f.fid === fid);
  }

  #walk(from: DedicatedFile, fids: readonly number[]): FileNode | undefined {
    let node: FileNode = from;
    for (const fid of fids) {
      if (node.kind !== 'df') return undefined;
      const next: FileNode | undefined = node.children.find((f) => f.fid === fid);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  #allowed(access: Access): boolean {
    if (access === 'always') return true;
    if (access === 'never') return false;
    return this.#verified || !this.#pinEnabled;
  }

  /** Resolves a short EF identifier in P1 or P2 (ISO/IEC 7816-4 §7.2.2) and makes it current. */
  #bySfi(sfi: number): ElementaryFile | undefined {
    const ef = this.#currentDf.children.find((f): f is ElementaryFile => f.kind === 'ef' && f.sfi === sfi);
    if (ef !== undefined && ef !== this.#currentEf) {
      this.#currentEf = ef;
      this.#currentRecord = 0;
    }
    return ef;
  }

  #binary(command: CommandApdu, update: boolean): Reply {
    let ef = this.#currentEf;
    let offset: number;
    if ((command.p1 & 0x80) !== 0) {
      // P1 b8 = 1: b5-b1 short EF identifier, P2 offset (§7.2.2).
      if ((command.p1 & 0x60) !== 0) return status(SW.INCORRECT_P1P2);
      ef = this.#bySfi(command.p1 & 0x1f);
      if (ef === undefined) return status(SW.FILE_NOT_FOUND);
      offset = command.p2;
    } else {
      offset = (command.p1 << 8) | command.p2;
    }
    if (ef === undefined) return status(SW.NO_CURRENT_EF);
    if (ef.data === undefined) return status(SW.INCOMPATIBLE_FILE_STRUCTURE);
    if (!this.#allowed(update ? ef.update : ef.read)) return status(SW.SECURITY_STATUS_NOT_SATISFIED);
    if (offset >= ef.data.length) return status(SW.WRONG_P1P2);
    if (update) {
      if (command.data.length === 0 || offset + command.data.length > ef.data.length) return status(SW.WRONG_LENGTH);
      ef.data.set(command.data, offset);
      return status(SW.OK);
    }
    if (command.data.length !== 0) return status(SW.WRONG_LENGTH);
    return dataReply(ef.data.slice(offset, Math.min(ef.data.length, offset + command.ne)));
  }

  #record(command: CommandApdu, update: boolean): Reply {
    const sfi = command.p2 >> 3;
    const mode = command.p2 & 0x07;
    const ef = sfi === 0 ? this.#currentEf : this.#bySfi(sfi);
    if (ef === undefined) return status(sfi === 0 ? SW.NO_CURRENT_EF : SW.FILE_NOT_FOUND);
    if (ef.records === undefined) return status(SW.INCOMPATIBLE_FILE_STRUCTURE);
    if (!this.#allowed(update ? ef.update : ef.read)) return status(SW.SECURITY_STATUS_NOT_SATISFIED);
    const count = ef.records.length;
    let index: number;
    if (mode === 0x04) {
      index = command.p1 === 0 ? this.#currentRecord : command.p1; // 00 = current record
    } else if (mode === 0x02 && command.p1 === 0) {
      index = this.#currentRecord === 0 ? 1 : this.#currentRecord + 1; // next
    } else if (mode === 0x03 && command.p1 === 0) {
      index = this.#currentRecord === 0 ? count : this.#currentRecord - 1; // previous
    } else {
      return status(SW.INCORRECT_P1P2);
    }
    if (index < 1 || index > count) return status(SW.RECORD_NOT_FOUND);
    this.#currentRecord = index;
    const record = ef.records[index - 1]!;
    if (update) {
      if (command.data.length !== record.length) return status(SW.WRONG_LENGTH);
      record.set(command.data);
      return status(SW.OK);
    }
    return dataReply(record.slice());
  }

  #verify(command: CommandApdu): Reply {
    if (command.p1 !== 0x00) return status(SW.INCORRECT_P1P2);
    if (command.p2 !== 0x01) return status(SW.REFERENCE_NOT_FOUND);
    if (!this.#pinEnabled) return status(SW.OK);
    if (command.data.length === 0) {
      // Empty VERIFY asks for the verification state (ISO/IEC 7816-4 §7.5.6).
      if (this.#retries === 0) return status(SW.AUTH_METHOD_BLOCKED);
      return status(this.#verified ? SW.OK : SW.VERIFY_FAILED | this.#retries);
    }
    if (this.#retries === 0) return status(SW.AUTH_METHOD_BLOCKED);
    if (command.data.length !== 8) return status(SW.WRONG_LENGTH);
    if (command.data.every((b, i) => b === this.#pin[i])) {
      this.#retries = this.#maxRetries;
      this.#verified = true;
      return status(SW.OK);
    }
    this.#retries -= 1;
    this.#verified = false;
    return status(SW.VERIFY_FAILED | this.#retries);
  }
}
