// Reverting a domain to a snapshot. It throws away the domain's present state, so the plan says
// exactly what is lost, which state the domain ends in, how long the guest is down, and which
// traps libvirt 9.0 has; the steps are journaled like every flow's.
//
// planRevert reads the host once and decides everything (RevertParams, plain JSON); revertPlan
// builds the steps from those params alone, so that `resume` rebuilds the same steps.

import type { Host } from '../host.js';
import type { Disk, DomainState, SnapshotDetail, SnapshotSummary } from '../model.js';
import { parseDomState } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import type { FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';

export interface RevertRequest {
  domain: string;
  snapshot: string;
  /** The state after the revert: the snapshot's own (default), running, or paused. */
  after?: 'snapshot' | 'running' | 'paused';
  /** `snapshot-revert --force`: needed where libvirt asks for it (no domain definition in the snapshot, …). */
  force?: boolean;
  /** Take a `pre-revert-<time>` snapshot of the present state first (default true). */
  safetySnapshot?: boolean;
}

export interface RevertParams {
  request: Required<RevertRequest>;
  domainState: DomainState;
  snapshot: SnapshotSummary;
  detail: SnapshotDetail;
  consequences: string[];
  downtime: string;
  warnings: string[];
  refusal: string | null;
}

export interface RevertContext {
  host: Host;
}

function normalise(request: RevertRequest): Required<RevertRequest> {
  return { after: 'snapshot', force: false, safetySnapshot: true, ...request };
}

/** Reads what the plan needs: the domain's state, the snapshot and its XML, the disks now. */
export async function planRevert(host: Host, request: RevertRequest): Promise<FlowPlan<RevertContext>> {
  const req = normalise(request);
  const [stateOut, snapshots, { detail }, disks] = await Promise.all([
    host.run(virshCommands.domainState(req.domain)).then((r) => r.stdout),
    host.listSnapshots(req.domain),
    host.snapshot(req.domain, req.snapshot),
    host.disks(req.domain),
  ]);
  const snapshot = snapshots.find((s) => s.name === req.snapshot);
  if (!snapshot) throw new Error(`domain ${req.domain} has no snapshot named ${req.snapshot}`);
  const domainState = parseDomState(stateOut);
  const current = snapshots.find((s) => s.current)?.name ?? null;
  return revertPlan(host, describeRevert(req, domainState, snapshot, detail, disks, current));
}

function describeRevert(
  request: Required<RevertRequest>,
  domainState: DomainState,
  snapshot: SnapshotSummary,
  detail: SnapshotDetail,
  disks: Disk[],
  current: string | null,
): RevertParams {
  const live = domainState.state === 'running' || domainState.state === 'paused';
  const withMemory = snapshot.state === 'running' || snapshot.state === 'paused';
  const consequences = [
    live
      ? `The present state of ${request.domain} (its memory and every disk write since ${current ? `snapshot “${current}”` : 'it was last snapshotted'}) is discarded.`
      : `Disk changes made since ${current ? `snapshot “${current}”` : 'the last snapshot'} are discarded.`,
    `“${snapshot.name}” becomes the current snapshot; new snapshots branch from it.`,
  ];
  const endState =
    request.after === 'running' ? 'running' : request.after === 'paused' ? 'paused' : withMemory ? (snapshot.state ?? 'running') : 'shut off';
  consequences.push(`${request.domain} ends ${endState}.`);
  const downtime = live
    ? withMemory
      ? 'QEMU is stopped and started again from the snapshot’s memory: about 2 s without the guest'
      : endState === 'shut off'
        ? 'the guest is stopped and stays off (the snapshot holds no memory)'
        : 'the guest is stopped and boots again from the snapshot’s disks'
    : 'none (the domain is off)';
  const warnings: string[] = [];
  const onOverlays = disks.some((d) => d.chain.length > 1);
  if (snapshot.location === 'internal' && onOverlays) {
    warnings.push(
      'The domain runs on external overlays. Reverting to an internal snapshot switches each disk back to the image holding it; the overlays drop out of the chain and later writes to that image invalidate them.',
    );
  }
  if (detail.domainName === null && !request.force) {
    warnings.push('The snapshot carries no domain definition; libvirt may ask for --force.');
  }
  const refusal =
    snapshot.location === 'external'
      ? 'reverting to an external snapshot is not supported yet by this version of virtsnap'
      : null;
  return { request, domainState, snapshot, detail, consequences, downtime, warnings, refusal };
}

/** The steps, from the params alone. */
export function revertPlan(host: Host, params: RevertParams): FlowPlan<RevertContext> {
  const { request } = params;
  const command = virshCommands.revertSnapshot(request.domain, request.snapshot, {
    running: request.after === 'running',
    paused: request.after === 'paused',
    force: request.force,
  });
  const steps: StepDefinition<RevertContext>[] = [
    {
      id: 'revert',
      title: `revert ${request.domain} to “${request.snapshot}”`,
      commands: [plannedVirsh(command)],
      leavesState: `${request.domain} runs from “${request.snapshot}”`,
      run: async ({ host: h }) => {
        await h.run(command);
      },
      check: async ({ host: h }) => {
        const current = await h.currentSnapshotName(request.domain);
        return current === request.snapshot ? null : `the current snapshot is ${current ?? '(none)'}`;
      },
    },
  ];
  return {
    kind: 'revert',
    title: `Revert ${request.domain} to “${request.snapshot}”`,
    uri: host.uri,
    domain: request.domain,
    params,
    machine: new StepMachine<RevertContext>('revert', steps),
    context: { host },
    consequences: params.consequences,
    downtime: params.downtime,
    warnings: params.warnings,
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: [],
  };
}
