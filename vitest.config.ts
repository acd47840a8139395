import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Flows journal into $XDG_STATE_HOME/virtsnap: tests get a state dir of their own run, never the
// user's real journal.
const env = { XDG_STATE_HOME: join(tmpdir(), `virtsnap-test-state-${process.pid}`) };

// Two projects: `unit` needs nothing but Node; `integration` talks to real libvirt
// (the test driver and a private libvirtd with a TCG QEMU guest started by scripts/lab).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/unit/**/*.test.{ts,tsx}'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          env,
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
