/**
 * Every fuzz target, by name. Factories, so that a process loads only the seed corpus of
 * the target it runs.
 */
import type { FuzzTarget } from '../harness.ts';
import { apduTarget } from './apdu.ts';
import { atrListTarget } from './atr-list.ts';
import { atrTarget } from './atr.ts';
import { ccidFramesTarget } from './ccid-frames.ts';
import { ccidInterruptTarget } from './ccid-interrupt.ts';
import { ccidStreamTarget } from './ccid-stream.ts';
import { descriptorsTarget } from './descriptors.ts';
import { fixtureTarget } from './fixture.ts';
import { pcapTarget } from './pcap.ts';
import { t1BlockTarget } from './t1-block.ts';
import { t1SessionTarget } from './t1-session.ts';

/** A target with its input type forgotten (the runner only passes inputs it generated). */
function erase<I>(make: () => FuzzTarget<I>): () => FuzzTarget<unknown> {
  return make as unknown as () => FuzzTarget<unknown>;
}

/** Target factories in run order: USB descriptors up to the ISO 7816 layer, then captures. */
export const TARGETS: Readonly<Record<string, () => FuzzTarget<unknown>>> = {
  descriptors: erase(descriptorsTarget),
  fixture: erase(fixtureTarget),
  'ccid-frames': erase(ccidFramesTarget),
  'ccid-stream': erase(ccidStreamTarget),
  'ccid-interrupt': erase(ccidInterruptTarget),
  atr: erase(atrTarget),
  'atr-list': erase(atrListTarget),
  apdu: erase(apduTarget),
  't1-block': erase(t1BlockTarget),
  't1-session': erase(t1SessionTarget),
  pcap: erase(pcapTarget),
};

/** The target named `name`. @throws when there is none. */
export function targetNamed(name: string): FuzzTarget<unknown> {
  const make = TARGETS[name];
  if (make === undefined) throw new Error(`no fuzz target "${name}" (targets: ${Object.keys(TARGETS).join(', ')})`);
  return make();
}
