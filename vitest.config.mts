import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Synthesis of the whole app and the terraform harness take seconds, not milliseconds.
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Test files share a worker's module cache: each would otherwise load cdktf and the providers again.
    isolate: false,
    // The JSON report lets CI print a plain 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-results.json' },
  },
});
