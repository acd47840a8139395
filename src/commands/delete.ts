// `virtsnap delete DOMAIN SNAPSHOT`: the delete flow from the CLI. The plan says, for every
// snapshot, whether libvirt deletes it itself or virtsnap does a safe equivalent, and which
// files are left behind; it runs through the one flow runner (--dry-run, --yes, --json), and a
// terminal confirmation means typing the snapshot's name.

import type { Host } from '../engine/host.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { planDelete, SnapshotNotFoundError, type DeleteRequest } from '../engine/flows/delete.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';
import { runPlanFromCli, type FlowFlags } from './flow-cli.js';

export interface DeleteFlags extends FlowFlags {
  children?: boolean;
  childrenOnly?: boolean;
  metadata?: boolean;
  deleteFiles?: boolean;
}

export function deleteRequest(domain: string, snapshot: string, flags: DeleteFlags): DeleteRequest {
  if (flags.children && flags.childrenOnly) throw new UsageError('--children and --children-only exclude each other');
  return {
    domain,
    snapshot,
    scope: flags.children ? 'children' : flags.childrenOnly ? 'children-only' : 'single',
    metadataOnly: Boolean(flags.metadata),
    deleteFiles: Boolean(flags.deleteFiles),
  };
}

export async function deleteCommand(host: Host, domain: string, snapshot: string, flags: DeleteFlags, io: CliIo): Promise<void> {
  const request = deleteRequest(domain, snapshot, flags);
  let plan;
  try {
    plan = await planDelete(host, request);
  } catch (error) {
    if (error instanceof SnapshotNotFoundError) throw new UsageError(error.message);
    throw error;
  }
  const order = (plan.params as { order: string[] }).order;
  await runPlanFromCli(plan as FlowPlan, {
    io,
    host,
    flags,
    describeDone: (outcome) =>
      `Deleted ${order.map((n) => `'${n}'`).join(', ')} of '${domain}' (flow ${outcome.flowId}).\n` +
      (plan.filesLeft.length > 0 && !request.deleteFiles ? `Left behind (remove with --delete-files): ${plan.filesLeft.join(', ')}\n` : ''),
  });
}
