/**
 * Loads pcsc-tools' ATR list (`smartcard_list.txt`) from disk for `ccid atr` and
 * `ccid scan`. Node-only. Without an explicit file, the places ATR_analysis looks are
 * tried in the same order; the first that exists wins, and none is not an error (the
 * card is then simply not identified).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '../errors.ts';
import { parseAtrList, type AtrList } from '../iso7816/atr/atr-list.ts';

/** A loaded list and where it came from. */
export interface LoadedAtrList {
  readonly list: AtrList;
  readonly path: string;
}

/** Where pcsc-tools installs or caches the list, in ATR_analysis's order of preference. */
export function defaultAtrListPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const cache = env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return [
    join(cache, 'smartcard_list.txt'),
    join(homedir(), '.smartcard_list.txt'),
    '/usr/local/pcsc/smartcard_list.txt',
    '/usr/share/pcsc/smartcard_list.txt',
    '/usr/local/share/pcsc/smartcard_list.txt',
  ];
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Loads the ATR list from `file` (`--atr-db FILE`), or from the first default place
 * that exists. Resolves to `undefined` when no default list is installed.
 * @throws {ArgumentError} when `file` is given but cannot be read.
 */
export async function loadAtrList(file?: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedAtrList | undefined> {
  if (file !== undefined) {
    let text: string | undefined;
    try {
      text = await readIfExists(file);
    } catch (error) {
      throw new ArgumentError(`cannot read the ATR list ${file}: ${(error as Error).message}`, { cause: error });
    }
    if (text === undefined) throw new ArgumentError(`ATR list not found: ${file}`);
    return { list: parseAtrList(text), path: file };
  }
  for (const path of defaultAtrListPaths(env)) {
    const text = await readIfExists(path).catch(() => undefined);
    if (text !== undefined) return { list: parseAtrList(text), path };
  }
  return undefined;
}
