import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', sequence: { groupOrder: 0 }, include: ['services/*/src/**/*.test.ts', 'test/njs-*.test.ts', 'test/prometheus-rules.test.ts'] } },
      {
        test: {
          name: 'stack',
          // After the unit project, not beside it: on 2 cores the two would skew each other's timing.
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/njs-*.test.ts', 'test/prometheus-rules.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
