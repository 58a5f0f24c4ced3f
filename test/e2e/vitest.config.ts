// Vitest for the e2e suite: the built renderer in Chromium over a real engine; one fork per file, generous timeouts.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/e2e/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/e2e/build-renderer.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
