/**
 * The WebUSB page bundles the driver's core for browsers: a `vite build` of `src/web/`
 * contains no Node built-in (no `node:` import, no `require("fs")`, nothing Vite had to
 * replace with its empty browser stand-in) and none of the Node-only sources, while it does
 * contain the core layers the page is built on.
 */
import { describe, expect, it } from 'vitest';
import type { Plugin } from 'vite';
import { buildPage, nodeLeaks, REPO_ROOT } from './build-page.ts';

const BUILD_TIMEOUT_MS = 120_000;

/** Repository-relative paths, with forward slashes. */
const relative = (ids: readonly string[]) => ids.filter((id) => id.startsWith(REPO_ROOT)).map((id) => id.slice(REPO_ROOT.length).replace(/\\/g, '/'));

describe('the WebUSB page bundle', () => {
  it('contains the core layers and no Node built-ins', { timeout: BUILD_TIMEOUT_MS }, async () => {
    const page = await buildPage();
    expect(page.files).toContain('index.html');
    expect(page.chunks.length).toBeGreaterThan(0);

    const sources = relative(page.moduleIds);
    // The page is built on the same modules as the Node side (not a browser-only copy).
    for (const core of [
      'src/web/main.ts',
      'src/usb/web/host.ts',
      'src/usb/web/errors.ts',
      'src/reader/index.ts',
      'src/ccid/engine.ts',
      'src/iso7816/transmit.ts',
      'src/iso7816/atr/parse.ts',
      'src/descriptors/read.ts',
      'src/descriptors/libccid-format.ts',
      'src/readers/list.ts',
      'src/pcap/capture.ts',
      'src/pcap/pcap-writer.ts',
      'src/sim/reader.ts',
    ]) {
      expect(sources, `${core} is bundled`).toContain(core);
    }
    expect(nodeLeaks(page)).toEqual([]);
  });

  it('the check itself finds node: imports, bare built-ins and Node-only sources', { timeout: BUILD_TIMEOUT_MS }, async () => {
    // A deliberately leaky entry, so a check that finds nothing cannot pass for a working one.
    const leaky: Plugin = {
      name: 'leaky-entry',
      resolveId: (id) => (id === 'virtual:leaky' ? '\0virtual:leaky' : undefined),
      load: (id) =>
        id === '\0virtual:leaky'
          ? [
              "import { readFileSync } from 'node:fs';",
              "import * as path from 'path';",
              `import { openCaptureFile } from ${JSON.stringify(`${REPO_ROOT}src/cli/capture-node.ts`)};`,
              'globalThis.leak = [readFileSync, path.join, openCaptureFile];',
            ].join('\n')
          : undefined,
    };
    const page = await buildPage({
      overrides: {
        configFile: false,
        root: REPO_ROOT,
        plugins: [leaky],
        build: { rolldownOptions: { input: 'virtual:leaky' } },
      },
    });
    const found = nodeLeaks(page).map((l) => l.what).join('\n');
    // Vite names the replaced modules in the module id (`__vite-browser-external:node:fs`) or
    // only in its warning, depending on the mode it runs in: either must be caught.
    expect(found).toContain('__vite-browser-external');
    expect(found).toMatch(/__vite-browser-external:node:fs|Module "node:fs" has been externalized/);
    expect(found).toMatch(/__vite-browser-external:path|Module "path" has been externalized/);
    expect(found).toMatch(/Node-only source .*src\/cli\/capture-node\.ts/);
  });
});
