// A suite's own lab with a Host connected to it, for real-QEMU tests that drive the engine.

import { afterAll, beforeAll } from 'vitest';
import { openHost } from '../../src/engine/connect.js';
import type { Host } from '../../src/engine/host.js';
import { startLab, type Lab } from './lab.js';

/**
 * Starts a lab and opens a Host on it before the suite's tests, handing both to onStarted;
 * after the tests closes the Host first (its virsh talks to the lab's daemon), then stops the
 * lab. Call inside describeLab, so that nothing starts where no lab can run.
 */
export function useLabHost(onStarted: (lab: Lab, host: Host) => void): void {
  let lab: Lab | undefined;
  let host: Host | undefined;
  beforeAll(async () => {
    lab = await startLab();
    host = openHost({ uri: lab.uri });
    onStarted(lab, host);
  });
  afterAll(async () => {
    await host?.close();
    await lab?.stop();
  });
}
