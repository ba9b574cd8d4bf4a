/**
 * Builds the page (ui/) into dist/ui/ at package build time: relative URLs (`base: './'`) so it
 * works under any mount path, no module-preload polyfill and no inlined assets, so that the
 * built index.html holds no inline script or style (the API's CSP allows only `'self'`).
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./ui/', import.meta.url)),
  base: './',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('./dist/ui/', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
