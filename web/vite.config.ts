import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The Rust build calls `npm run build -- --outDir SOMEDIR --emptyOutDir`; the CLI flags
// override build.outDir below. `base: './'` keeps every asset URL relative so the page
// works wherever the server mounts it.
const mock = process.env.TESSERA_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  resolve: {
    alias: {
      // milsymbol's ES entry with one module per symbol set (see src/milsymbol-lean.d.ts)
      'milsymbol-lean': fileURLToPath(new URL('./node_modules/milsymbol/index.mjs', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    // maplibre-gl alone is ~1 MB minified; it is one chunk on purpose.
    chunkSizeWarningLimit: 2000,
    assetsInlineLimit: 0,
    // no "plugin timings" advice in the Rust build's log
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    proxy: {
      '/api': { target: mock, ws: true, changeOrigin: true },
      '/health': { target: mock },
    },
  },
});
