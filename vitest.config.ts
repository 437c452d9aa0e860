import { defineConfig } from 'vitest/config';

// Three tiers (see README): unit tests are *.test.ts, component tests *.component.test.ts (real daemons from
// Debian, a minute), functional tests *.functional.test.ts (the local model, minutes). `npm test` runs all three.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', 'build/**', '**/*.component.test.ts', '**/*.functional.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'component',
          include: ['**/*.component.test.ts'],
          exclude: ['**/node_modules/**', 'build/**'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'functional',
          include: ['**/*.functional.test.ts'],
          exclude: ['**/node_modules/**', 'build/**'],
          testTimeout: 1_800_000,
          hookTimeout: 3_600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
