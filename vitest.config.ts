import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['electron/**/*.test.ts', 'renderer/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.lab.test.ts', '**/node_modules/**'],
          environment: 'node',
          // Several unit tests start Node, Chromium or a build: seconds each on a busy 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        // Against the lab's real sshd (scripts/lab): needs root and `npm run lab -- up`.
        test: {
          name: 'integration',
          include: ['electron/**/*.lab.test.ts', 'scripts/**/*.lab.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['scripts/test-support/require-lab.ts'],
        },
      },
      {
        // Real Chromium (Debian's) against the browser host, driven through e2e/pages.
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['scripts/test-support/require-lab.ts'],
        },
      },
    ],
  },
});
