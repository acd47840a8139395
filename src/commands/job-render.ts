// Text for block jobs: a commit or pull's own plan fields and result, the progress bar, the job table.
// (The plan itself is printed by the one plan printer, engine/flows/plan-print.ts.)

import type { BlockPlan, BlockRunResult } from '../engine/flows/block-flow.js';
import type { BlockJobEvent, RunningBlockJob } from '../engine/jobs/block-job-types.js';

import { formatMiB, formatProgressLine } from '../format/progress.js';
import { formatTable } from '../format/text-width.js';

export { formatMiB };

/** The pre-flight's own fields, added to the JSON plan line of a commit or pull. */
export function blockPlanJson(plan: BlockPlan): Record<string, unknown> {
  const { operation, disk, mode, bandwidthMiB, change, copy, freeBytes, staleSnapshots, forgetMetadata, deleteFiles } = plan;
  return { operation, disk, mode, bandwidthMiB, change, copy, freeBytes, staleSnapshots, forgetMetadata, deleteFiles };
}

/** One line, for a terminal (rewritten in place) or a log. */
export function formatProgress(event: BlockJobEvent, width = 24): string {
  return formatProgressLine(event, width);
}

export function formatJobTable(jobs: readonly RunningBlockJob[]): string {
  if (jobs.length === 0) return 'no block jobs\n';
  const rows = jobs.map((j) => [
    j.domain,
    j.disk,
    j.type,
    j.ready ? 'ready' : 'running',
    `${j.end > 0 ? Math.min(99.99, Math.floor((j.cur * 10000) / j.end) / 100).toFixed(2) : '0.00'} %`,
    `${formatMiB(j.cur)}/${formatMiB(j.end)}`,
    j.bandwidth > 0 ? `${j.bandwidth} MiB/s` : 'unlimited',
  ]);
  // Columns in terminal columns: a domain named in CJK keeps them aligned.
  return formatTable(['DOMAIN', 'DISK', 'TYPE', 'PHASE', 'DONE', 'BYTES', 'BANDWIDTH'], rows);
}

export function formatResult(result: BlockRunResult): string {
  const { plan } = result;
  const lines: string[] = [];
  const how: Record<BlockRunResult['outcome'], string> = {
    completed: 'done',
    ready: `ready: the job stays synchronized; finish with \`virtsnap job ${plan.domain} ${plan.disk} --pivot\` (or --abort)`,
    detached: `left running: follow with \`virtsnap jobs ${plan.domain} --follow\`; \`virtsnap resume ${result.flow.flowId}\` finishes the flow`,
    aborted: 'aborted: the chain is as it was',
    failed: 'failed',
  };
  lines.push(`${plan.operation} ${plan.domain} ${plan.disk}: ${how[result.outcome]}`);
  if (result.error && result.outcome !== 'failed' && result.outcome !== 'aborted') lines.push(`  ${result.error}`);
  if (result.chainAfter) lines.push(`  chain: ${result.chainAfter.join(' <- ')}`);
  if (result.forgottenSnapshots.length) lines.push(`  forgot snapshot metadata: ${result.forgottenSnapshots.join(', ')}`);
  if (result.deletedFiles.length) lines.push(`  deleted: ${result.deletedFiles.join(', ')}`);
  if (result.keptFiles.length) lines.push(`  kept: ${result.keptFiles.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The commit or pull's own fields, added to the JSON result line. */
export function resultJson(result: BlockRunResult): Record<string, unknown> {
  const { plan } = result;
  return {
    ok: result.ok,
    outcome: result.outcome,
    operation: plan.operation,
    domain: plan.domain,
    disk: plan.disk,
    chainBefore: plan.change.before,
    chainAfter: result.chainAfter,
    forgottenSnapshots: result.forgottenSnapshots,
    deletedFiles: result.deletedFiles,
    keptFiles: result.keptFiles,
    final: result.final,
  };
}
