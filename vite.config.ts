/**
 * Vite configuration of the WebUSB page (`src/web/`): `npm run web` serves it with live
 * reload on http://127.0.0.1:5173 (a secure context, so `navigator.usb` exists), and
 * `npm run build:web` writes static files to `dist/web/` with relative URLs, so the folder
 * can be served from any path. The page imports the driver's core modules directly; none
 * uses a Node built-in (test/web/bundle.test.ts checks the bundle).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./src/web/', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web/', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // The repository root holds no public assets; keep Vite from copying anything else.
  publicDir: false,
  clearScreen: false,
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The supported-reader list and the emulator profiles make one ~300 kB chunk; that is expected.
    chunkSizeWarningLimit: 1024,
  },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
});
