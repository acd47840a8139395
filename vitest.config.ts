import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` talks to real libvirt
// (the test driver and a private libvirtd with a TCG QEMU guest started by scripts/lab).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.{ts,tsx}'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // One private libvirtd per test file; two cores, so keep the fan-out small.
          maxWorkers: 2,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
