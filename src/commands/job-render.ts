// Text for block jobs: a commit or pull's own plan fields and result, the progress bar, the job table.
// (The plan itself is printed by the one plan printer, engine/flows/plan-print.ts.)

import type { BlockPlan, BlockRunResult } from '../engine/flows/block-flow.js';
import type { BlockJobEvent, RunningBlockJob } from '../engine/jobs/block-job-types.js';

const MiB = 1024 * 1024;
export const formatMiB = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** The pre-flight's own fields, added to the JSON plan line of a commit or pull. */
export function blockPlanJson(plan: BlockPlan): Record<string, unknown> {
  const { operation, disk, mode, bandwidthMiB, change, copy, freeBytes, staleSnapshots, forgetMetadata, deleteFiles } = plan;
  return { operation, disk, mode, bandwidthMiB, change, copy, freeBytes, staleSnapshots, forgetMetadata, deleteFiles };
}

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line, for a terminal (rewritten in place) or a log. */
export function formatProgress(event: BlockJobEvent, width = 24): string {
  const filled = Math.round((Math.min(100, event.percent) / 100) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const rate = event.rate !== null ? `${formatMiB(event.rate)}/s` : '--';
  const limit = event.bandwidth > 0 ? ` (limit ${event.bandwidth} MiB/s)` : '';
  const note = event.converging === false ? '  NOT CONVERGING' : '';
  return `${event.disk} ${event.type} ${bar} ${event.percent.toFixed(2).padStart(6)} %  ${formatMiB(event.cur)}/${formatMiB(event.end)}  ${rate}${limit}  eta ${duration(event.eta)}  ${event.phase}${note}`;
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
  const header = ['DOMAIN', 'DISK', 'TYPE', 'PHASE', 'DONE', 'BYTES', 'BANDWIDTH'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
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
