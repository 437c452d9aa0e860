import { defineConfig } from 'vitest/config';

// Three tiers (see README): unit tests are *.test.ts, component tests *.component.test.ts (real daemons from
// Debian, a minute), functional tests *.functional.test.ts (the local model, minutes). `npm test` runs all three,
// one tier after the other (groupOrder): live clusters and the local model must not starve each other's corosync
// and pacemaker of the 2 CPUs, or timing-driven membership and fencing would decide test outcomes.
export default defineConfig({
  test: {
    setupFiles: ['./tools/test-setup/fast-check.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', 'build/**', '**/*.component.test.ts', '**/*.functional.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'component',
          sequence: { groupOrder: 1 },
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
          sequence: { groupOrder: 2 },
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
