// Runs a block commit/pull plan with a monitor of its own and collects every progress event.
import type { Host } from '../../src/engine/host.js';
import type { BlockPlan, BlockRunResult } from '../../src/engine/flows/block-flow.js';
import { runBlockPlan } from '../../src/engine/flows/block-run.js';
import type { BlockJobEvent } from '../../src/engine/jobs/block-job-types.js';
import { JobMonitor } from '../../src/engine/jobs/job-monitor.js';

export async function runCollecting(host: Host, plan: BlockPlan): Promise<{ result: BlockRunResult; events: BlockJobEvent[] }> {
  const monitor = new JobMonitor(host);
  const events: BlockJobEvent[] = [];
  try {
    const result = await runBlockPlan(host, monitor, plan, { onEvent: (e) => events.push(e) }).result;
    return { result, events };
  } finally {
    // the job lives in libvirtd; only our polling stops
    monitor.close();
  }
}
