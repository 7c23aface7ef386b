import { defineConfig } from 'vitest/config';

/**
 * Five projects. npm test runs them in four vitest runs (test/run.sh), because
 * vitest starts every selected project's global setup before any test: the
 * local stack (unit, stack) and the compose stacks (containers, scale-out) must
 * not be up at once on a 2-core machine.
 */
const blackBox = { testTimeout: 120_000, hookTimeout: 300_000, fileParallelism: false };

/** The black-box tests that speak only HTTP to the origin (and to MinIO to seed it): they run against both targets. */
export const PORTABLE_BLACK_BOX = [
  'test/signed-media.test.ts',
  'test/tamper-matrix.test.ts',
  'test/playback-access.test.ts',
  'test/playback-ffmpeg.test.ts',
  'test/uploads.test.ts',
  'test/multipart-upload.test.ts',
  'test/minio-access.test.ts',
  'test/backend-bytes.test.ts',
  'test/edge-cache.test.ts',
  'test/edge-cache-offload.test.ts',
  'test/nginx-errors.test.ts',
  'test/upload-limits.test.ts',
  'test/video-management.test.ts',
  'test/captions.test.ts',
  'test/storyboard.test.ts',
  'test/cors-playback.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', sequence: { groupOrder: 0 }, include: ['services/*/src/**/*.test.ts', 'test/njs-*.test.ts', 'test/prometheus-rules.test.ts'], globalSetup: ['test/support/unit-database.ts'] } },
      {
        test: {
          name: 'stack',
          // After the unit project, not beside it: on 2 cores the two would skew each other's timing.
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/njs-*.test.ts', 'test/prometheus-rules.test.ts', 'test/containers/**', 'test/scale-out/**', 'test/logs/**'],
          globalSetup: ['test/support/global-setup.ts'],
          ...blackBox,
        },
      },
      {
        test: {
          name: 'containers',
          sequence: { groupOrder: 2 },
          include: [...PORTABLE_BLACK_BOX, 'test/containers/**/*.test.ts'],
          env: { VIDGATE_TEST_TARGET: 'containers' },
          globalSetup: ['test/containers/global-setup.ts'],
          ...blackBox,
        },
      },
      {
        test: {
          name: 'scale-out',
          sequence: { groupOrder: 3 },
          include: ['test/scale-out/**/*.test.ts'],
          env: { VIDGATE_TEST_TARGET: 'scale-out' },
          globalSetup: ['test/scale-out/global-setup.ts'],
          ...blackBox,
        },
      },
      // Last, after every stack has run and stopped: the scan of everything they logged.
      { test: { name: 'logs', sequence: { groupOrder: 4 }, include: ['test/logs/**/*.test.ts'] } },
    ],
  },
});
