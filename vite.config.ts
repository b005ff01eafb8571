import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export const TEST_BUILD_MARKER = 'test-build.txt';

/**
 * `vite build --mode test-hooks` (npm run build:test) makes the build the e2e tests and benchmarks
 * drive: it keeps `window.racksideTerminals`, a handle that can read panes and send input. The
 * ordinary build replaces the flag with `false`, so the minifier drops the handle entirely.
 */
export default defineConfig(({ mode }) => ({
  root: 'renderer',
  base: './',
  plugins: [
    react(),
    // Marks a test build, so `npm start` rebuilds before serving it to a technician.
    {
      name: 'rackside-test-build-marker',
      apply: 'build',
      generateBundle() {
        if (mode === 'test-hooks') this.emitFile({ type: 'asset', fileName: TEST_BUILD_MARKER, source: 'test hooks: window.racksideTerminals\n' });
      },
    },
  ],
  define: {
    __RACKSIDE_TEST_HOOKS__: JSON.stringify(mode === 'test-hooks'),
  },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2023',
    sourcemap: false,
  },
}));
