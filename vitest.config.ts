// Unit, numerics and CLI tests. They sit beside their sources as *.test.ts (house style) and run
// from TypeScript source; CLI tests spawn the built `dist/` (npm test builds first).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-shared/**/*.test.ts', 'src-main/**/*.test.ts', 'test-support/**/*.test.ts'],
    // tfjs native add-ons misbehave in worker threads (house style): run test files in processes.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
