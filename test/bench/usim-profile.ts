/**
 * `--profile`: the zero-latency driver run under V8's sampling profiler (in-process,
 * through `node:inspector`), self time summed per function and per layer, so the hot spots
 * of the driver can be named (file:function, % of busy samples). The raw profile is
 * written next to the results (`.cpuprofile`, opens in Chrome DevTools).
 */
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

/** A V8 CPU profile (the subset used here). */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function. */
export interface HotSpot {
  /** `path:function` (path relative to the repository). */
  readonly where: string;
  /** Layer the file belongs to. */
  readonly layer: string;
  /** Share of busy samples, %. */
  readonly percent: number;
}

/** Self time per layer and the hottest functions. */
export interface ProfileSummary {
  /** Busy (non-idle) sampled time, ms. */
  readonly busyMs: number;
  /** % of busy time per layer (driver, emulator, harness, node, gc, program). */
  readonly layers: Record<string, number>;
  /** % of busy time per source folder of the driver (src/ccid, src/iso7816, src/reader...). */
  readonly driverFolders: Record<string, number>;
  /** Hottest functions, most first. */
  readonly hot: HotSpot[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function layerOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)' || name === '(root)') return 'program';
  if (url.includes('/src/sim/')) return 'emulator';
  if (/\/src\/(ccid|iso7816|reader|usb|descriptors|readers|util)\//.test(url) || url.endsWith('/src/errors.ts')) return 'driver';
  if (url.includes('/test/')) return 'harness';
  return 'node';
}

/** Sums self time per function and layer. */
export function summarise(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i] is the time from sample i-1 to sample i, so sample i lasted timeDeltas[i + 1]
  // (the first delta counts from Profiler.start, which is not the workload's time).
  for (let i = 0; i + 1 < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i + 1]!);
  }
  const perFunction = new Map<string, { layer: string; us: number }>();
  const layers: Record<string, number> = {};
  const folders: Record<string, number> = {};
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const layer = layerOf(url, functionName);
    layers[layer] = (layers[layer] ?? 0) + us;
    const file = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url || '(native)';
    if (layer === 'driver') {
      const folder = file.split('/').slice(0, 2).join('/');
      folders[folder] = (folders[folder] ?? 0) + us;
    }
    const where = `${file}:${functionName || '(anonymous)'}`;
    const entry = perFunction.get(where) ?? { layer, us: 0 };
    entry.us += us;
    perFunction.set(where, entry);
  }
  const pct = (us: number): number => (busy > 0 ? (us / busy) * 100 : 0);
  return {
    busyMs: busy / 1000,
    layers: Object.fromEntries(Object.entries(layers).map(([k, v]) => [k, pct(v)])),
    driverFolders: Object.fromEntries(Object.entries(folders).map(([k, v]) => [k, pct(v)])),
    hot: [...perFunction.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([where, e]) => ({ where, layer: e.layer, percent: pct(e.us) })),
  };
}

/** Runs `work` under the sampling profiler (100 µs interval) and returns the profile. */
export async function profiled(work: () => Promise<void>): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await work();
    const { profile } = await session.post('Profiler.stop');
    return profile as unknown as CpuProfile;
  } finally {
    session.disconnect();
  }
}

/** The summary as text. */
export function formatProfile(s: ProfileSummary): string {
  const layers = Object.entries(s.layers)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)} %`)
    .join(', ');
  const folders = Object.entries(s.driverFolders)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)} %`)
    .join(', ');
  const lines = [
    `profile of the zero-latency driver run (${s.busyMs.toFixed(0)} ms busy, self time; wall-clock sampling, so a loaded machine blurs it):`,
    `  by layer: ${layers}`,
    `  driver by folder: ${folders}`,
    '  self %  layer     function',
  ];
  for (const h of s.hot) lines.push(`  ${h.percent.toFixed(1).padStart(6)}  ${h.layer.padEnd(8)}  ${h.where}`);
  return lines.join('\n');
}
