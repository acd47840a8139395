// `virtsnap revert DOMAIN SNAPSHOT`: the revert flow from the CLI. The plan says how the revert
// is done (libvirt's snapshot-revert, or the guided external revert where libvirt cannot), the
// safety snapshot taken first, the state the domain ends in and how long the guest is down; it
// runs through the one flow runner (--dry-run, --yes, --json).

import type { Host } from '../engine/host.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { planRevert, type RevertParams, type RevertRequest } from '../engine/flows/revert.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';
import { runPlanFromCli, type FlowFlags } from './flow-cli.js';

export interface RevertFlags extends FlowFlags {
  running?: boolean;
  paused?: boolean;
  force?: boolean;
  /** commander's negation of --no-safety-snapshot: false when it is given. */
  safetySnapshot?: boolean;
}

export function revertRequest(domain: string, snapshot: string, flags: RevertFlags): RevertRequest {
  if (flags.running && flags.paused) throw new UsageError('--running and --paused exclude each other');
  return {
    domain,
    snapshot,
    after: flags.running ? 'running' : flags.paused ? 'paused' : 'snapshot',
    force: Boolean(flags.force),
    safetySnapshot: flags.safetySnapshot !== false,
  };
}

export async function revertCommand(host: Host, domain: string, snapshot: string, flags: RevertFlags, io: CliIo): Promise<void> {
  const plan = await planRevert(host, revertRequest(domain, snapshot, flags));
  const params = plan.params as RevertParams;
  await runPlanFromCli(plan as FlowPlan, {
    io,
    host,
    flags,
    describeDone: (outcome) =>
      `Reverted '${domain}' to '${snapshot}': it is ${params.endState} (flow ${outcome.flowId}).\n` +
      (params.safety ? `The state before is kept in '${params.safety.name}': \`virtsnap revert ${domain} ${params.safety.name}\` undoes this revert.\n` : ''),
  });
}
