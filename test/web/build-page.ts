/**
 * Builds the WebUSB page with Vite's programmatic API and the project's `vite.config.ts`,
 * and collects what a "no Node built-ins" check needs: every module Rolldown put in the
 * bundle (Vite's resolved module list), every import left outside it, and the emitted code.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig, type Logger, type Rollup } from 'vite';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The project's Vite configuration. */
export const VITE_CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

/** What a build produced. */
export interface PageBuild {
  /** Every module id in every chunk (absolute paths, or virtual ids such as `\0vite/...`). */
  readonly moduleIds: readonly string[];
  /** Imports the chunks keep (not bundled): bare specifiers that the browser would have to resolve. */
  readonly externalImports: readonly string[];
  /** Every emitted JavaScript chunk: file name and code. */
  readonly chunks: readonly { readonly fileName: string; readonly code: string }[];
  /** Every emitted file name (chunks and assets, index.html included). */
  readonly files: readonly string[];
  /** Vite's warnings (e.g. "Module "fs" has been externalized for browser compatibility"). */
  readonly warnings: readonly string[];
}

/** A logger that keeps warnings and errors and prints nothing. */
function recordingLogger(warnings: string[]): Logger {
  const warned = new Set<string>();
  return {
    hasWarned: false,
    info: () => undefined,
    warn(message) {
      warnings.push(message);
      this.hasWarned = true;
    },
    warnOnce(message) {
      if (warned.has(message)) return;
      warned.add(message);
      this.warn(message);
    },
    error: (message) => warnings.push(message),
    clearScreen: () => undefined,
    hasErrorLogged: () => false,
  };
}

function outputsOf(result: Awaited<ReturnType<typeof build>>): Rollup.RollupOutput[] {
  if (Array.isArray(result)) return result as Rollup.RollupOutput[];
  if ('output' in result) return [result as Rollup.RollupOutput];
  throw new Error('vite build returned a watcher; watch mode was not requested');
}

/**
 * Runs `vite build` on the page (or on `overrides`' input), writing to `outDir` when given,
 * else keeping the output in memory.
 */
export async function buildPage(options: { outDir?: string; overrides?: InlineConfig } = {}): Promise<PageBuild> {
  const warnings: string[] = [];
  const result = await build({
    configFile: VITE_CONFIG,
    // 'warn' keeps Vite's progress lines off the test output; warnings go to the recorder.
    logLevel: 'warn',
    customLogger: recordingLogger(warnings),
    ...options.overrides,
    build: {
      ...(options.outDir === undefined ? { write: false } : { outDir: options.outDir, emptyOutDir: true }),
      ...options.overrides?.build,
    },
  });
  const moduleIds = new Set<string>();
  const externalImports = new Set<string>();
  const chunks: { fileName: string; code: string }[] = [];
  const files: string[] = [];
  for (const output of outputsOf(result)) {
    const emitted = new Set(output.output.map((o) => o.fileName));
    for (const item of output.output) {
      files.push(item.fileName);
      if (item.type !== 'chunk') continue;
      chunks.push({ fileName: item.fileName, code: item.code });
      for (const id of item.moduleIds) moduleIds.add(id);
      for (const spec of [...item.imports, ...item.dynamicImports]) if (!emitted.has(spec)) externalImports.add(spec);
    }
  }
  return { moduleIds: [...moduleIds], externalImports: [...externalImports], chunks, files, warnings };
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** One reason the bundle is not browser-safe. */
export interface NodeLeak {
  readonly where: string;
  readonly what: string;
}

/**
 * Everything in a build that points at Node: modules Vite replaced with its empty
 * `__vite-browser-external` stand-in (what it does, with a warning only, for `import 'fs'`)
 * and the warning itself,
 * `node:` or built-in module ids and externals, Node-only source files of this project
 * (`src/usb/node/`, `src/cli/`, `src/node.ts`, `*-node.ts`), and `node:` imports or
 * `require()` of a built-in left in the emitted code.
 */
export function nodeLeaks(page: PageBuild): NodeLeak[] {
  const leaks: NodeLeak[] = [];
  for (const id of page.moduleIds) {
    const bare = id.replace(/^\0/, '');
    if (bare.includes('__vite-browser-external')) leaks.push({ where: 'module list', what: id });
    else if (bare.startsWith('node:') || BUILTINS.has(bare)) leaks.push({ where: 'module list', what: id });
    else if (/[\\/]src[\\/](usb[\\/]node|cli)[\\/]|[\\/]src[\\/]node\.ts$|-node\.ts$/.test(bare)) leaks.push({ where: 'module list', what: `Node-only source ${id}` });
  }
  for (const warning of page.warnings) if (/externalized for browser compatibility/i.test(warning)) leaks.push({ where: 'vite warning', what: warning });
  for (const spec of page.externalImports) if (BUILTINS.has(spec) || spec.startsWith('node:')) leaks.push({ where: 'external import', what: spec });
  const patterns: RegExp[] = [
    /\bfrom\s*["']node:[\w/]+["']/g,
    /\bimport\s*\(\s*["']node:[\w/]+["']\s*\)/g,
    /\bimport\s*["']node:[\w/]+["']/g,
    /\brequire\s*\(\s*["'](?:node:)?[\w/]+["']\s*\)/g,
    /__vite-browser-external/g,
  ];
  for (const chunk of page.chunks) {
    for (const pattern of patterns) {
      for (const match of chunk.code.matchAll(pattern)) {
        const text = match[0];
        const required = /require\s*\(\s*["'](?:node:)?([\w/]+)["']/.exec(text)?.[1];
        if (required !== undefined && !BUILTINS.has(required)) continue;
        leaks.push({ where: chunk.fileName, what: text });
      }
    }
  }
  return leaks;
}
