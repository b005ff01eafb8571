/** Set by vite.config.ts at build time: true only in `npm run build:test` (e2e and benchmarks). */
declare const __RACKSIDE_TEST_HOOKS__: boolean;
