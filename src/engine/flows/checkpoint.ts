// Checkpoints: the list (each with its parent, time, and the dirty bitmap per disk) and their
// deletion as a flow. Deleting a checkpoint merges its bitmap into its parent's (libvirt does
// that), so the changes it tracked still count for the checkpoint before it; but no incremental
// backup can start from it any more.

import type { Host } from '../host.js';
import { parseNameList } from '../parse/index.js';
import { parseCheckpointXml, type CheckpointDetail } from '../parse/checkpoint-xml.js';
import { virshCommands } from '../virsh/commands.js';
import { CHECKPOINT_INTERACTIONS } from './backup-push.js';
import { planDefaults, type FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';

/** Every checkpoint of a domain, oldest first: 1 command plus one per checkpoint. */
export async function listCheckpoints(host: Host, domain: string): Promise<CheckpointDetail[]> {
  const names = parseNameList((await host.run(virshCommands.checkpointNames(domain))).stdout);
  const details = await Promise.all(names.map(async (name) => parseCheckpointXml((await host.run(virshCommands.checkpointXml(domain, name))).stdout)));
  return details.sort((a, b) => (a.creationTime ?? 0) - (b.creationTime ?? 0) || a.name.localeCompare(b.name));
}

export interface CheckpointDeleteParams {
  domain: string;
  name: string;
  /** Only libvirt's record (the bitmaps stay in the images): for checkpoints whose bitmaps are broken. */
  metadataOnly: boolean;
  children: string[];
  refusal: string | null;
}

export interface CheckpointDeleteContext {
  host: Host;
}

export async function planCheckpointDelete(
  host: Host,
  request: { domain: string; name: string; metadataOnly?: boolean },
): Promise<FlowPlan<CheckpointDeleteContext>> {
  const all = await listCheckpoints(host, request.domain);
  const found = all.find((c) => c.name === request.name);
  return checkpointDeletePlan(host, {
    domain: request.domain,
    name: request.name,
    metadataOnly: request.metadataOnly ?? false,
    children: all.filter((c) => c.parent === request.name).map((c) => c.name),
    refusal: found ? null : `${request.domain} has no checkpoint ${request.name} (checkpoints: ${all.map((c) => c.name).join(', ') || 'none'})`,
  });
}

export function checkpointDeletePlan(host: Host, params: CheckpointDeleteParams): FlowPlan<CheckpointDeleteContext> {
  const command = virshCommands.deleteCheckpoint(params.domain, params.name, { metadata: params.metadataOnly });
  const listed = async (ctx: CheckpointDeleteContext) =>
    parseNameList((await ctx.host.run(virshCommands.checkpointNames(params.domain))).stdout).includes(params.name);
  const steps: StepDefinition<CheckpointDeleteContext>[] = [
    {
      id: 'delete',
      title: params.metadataOnly
        ? `forget checkpoint ${params.name} (libvirt's record only; its bitmaps stay in the images)`
        : `delete checkpoint ${params.name} (its bitmap is merged into its parent's)`,
      commands: [plannedVirsh(command)],
      run: async (ctx) => {
        await ctx.host.run(command);
      },
      check: async (ctx) => ((await listed(ctx)) ? `checkpoint ${params.name} is still there` : null),
    },
  ];
  return {
    kind: 'checkpoint-delete',
    title: `Delete checkpoint ${params.name} of ${params.domain}`,
    uri: host.uri,
    domain: params.domain,
    params,
    machine: new StepMachine<CheckpointDeleteContext>('checkpoint-delete', steps),
    context: { host },
    ...planDefaults(),
    consequences: [
      `no incremental backup can start from ${params.name} any more`,
      ...(params.children.length > 0 ? [`its children (${params.children.join(', ')}) move up to its parent`] : []),
      'cannot be undone',
    ],
    downtime: 'none',
    warnings: [...CHECKPOINT_INTERACTIONS],
    confirmation: { kind: 'type-name', text: params.name },
    refusal: params.refusal,
  };
}
