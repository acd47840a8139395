// Deleting a snapshot: alone (its children move up to its parent), with its descendants, only
// its descendants, or only libvirt's record of it. What libvirt does differs for internal and
// external snapshots, so the plan spells out which case this is.
//
// planDelete reads the host once and decides everything (DeleteParams, plain JSON); deletePlan
// builds the steps from those params alone, so that `resume` rebuilds the same steps.

import type { Host } from '../host.js';
import type { DomainState, SnapshotDetail, SnapshotNode, SnapshotSummary } from '../model.js';
import { buildForest, parseDomState } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import type { FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';

export type DeleteScope = 'single' | 'children' | 'children-only';

export interface DeleteRequest {
  domain: string;
  snapshot: string;
  /** single (default): its children move up; children: with its descendants; children-only: only those. */
  scope?: DeleteScope;
  /** Forget libvirt's record only; images and files stay as they are. */
  metadataOnly?: boolean;
  /** Remove the memory files and overlays the delete leaves behind, when nothing uses them any more. */
  deleteFiles?: boolean;
}

export interface DeleteParams {
  request: Required<DeleteRequest>;
  domainState: DomainState;
  snapshot: SnapshotSummary;
  detail: SnapshotDetail;
  /** Descendants, in the order they are deleted (leaves first). */
  descendants: SnapshotSummary[];
  consequences: string[];
  downtime: string;
  warnings: string[];
  refusal: string | null;
  filesLeft: string[];
}

export interface DeleteContext {
  host: Host;
}

function normalise(request: DeleteRequest): Required<DeleteRequest> {
  return { scope: 'single', metadataOnly: false, deleteFiles: false, ...request };
}

/** Descendants of a node, leaves first (every node after all of its descendants). */
export function descendantsLeafFirst(node: SnapshotNode): SnapshotNode[] {
  const out: SnapshotNode[] = [];
  const visit = (n: SnapshotNode) => {
    for (const child of n.children) {
      visit(child);
      out.push(child);
    }
  };
  visit(node);
  return out;
}

const strip = ({ children: _children, ...summary }: SnapshotNode): SnapshotSummary => summary;

export async function planDelete(host: Host, request: DeleteRequest): Promise<FlowPlan<DeleteContext>> {
  const req = normalise(request);
  const [stateOut, snapshots, { detail }] = await Promise.all([
    host.run(virshCommands.domainState(req.domain)).then((r) => r.stdout),
    host.listSnapshots(req.domain),
    host.snapshot(req.domain, req.snapshot),
  ]);
  const forest = buildForest(req.domain, snapshots, snapshots.find((s) => s.current)?.name ?? null);
  const find = (nodes: SnapshotNode[]): SnapshotNode | null => {
    for (const n of nodes) {
      if (n.name === req.snapshot) return n;
      const below = find(n.children);
      if (below) return below;
    }
    return null;
  };
  const node = find(forest.roots);
  if (!node) throw new Error(`domain ${req.domain} has no snapshot named ${req.snapshot}`);
  return deletePlan(host, describeDelete(req, parseDomState(stateOut), node, detail));
}

function describeDelete(request: Required<DeleteRequest>, domainState: DomainState, node: SnapshotNode, detail: SnapshotDetail): DeleteParams {
  const below = descendantsLeafFirst(node);
  const consequences: string[] = [];
  const warnings: string[] = [];
  const filesLeft: string[] = [];
  const { scope } = request;
  const name = node.name;
  if (request.metadataOnly) {
    consequences.push(`libvirt forgets ${scope === 'children-only' ? `the descendants of “${name}”` : `“${name}”`}; disk images and files stay as they are.`);
  } else if (scope !== 'children-only') {
    if (node.location === 'internal') {
      consequences.push(`The state saved in “${name}” is removed from the disk images; it cannot be reverted to again.`);
    } else {
      consequences.push(`libvirt merges the overlay created by “${name}” into the image below it (a block commit) and removes the overlay file; the snapshot's point in time is gone.`);
      if (detail.memory.file) filesLeft.push(detail.memory.file);
    }
  }
  if (scope !== 'single' && below.length > 0) {
    consequences.push(`${below.length} descendant${below.length === 1 ? '' : 's'} ${below.length === 1 ? 'is' : 'are'} deleted${scope === 'children-only' ? ` (“${name}” stays)` : ' too'}: ${below.map((n) => `“${n.name}”`).join(', ')}.`);
  } else if (scope === 'single' && node.children.length > 0) {
    consequences.push(`Its children (${node.children.map((c) => `“${c.name}”`).join(', ')}) are re-attached to ${node.parent ? `“${node.parent}”` : 'the root'}.`);
  }
  if (node.current && scope !== 'children-only') consequences.push('It is the current snapshot; its parent becomes current.');
  const external = [...(scope === 'children-only' ? [] : [node]), ...(scope === 'single' ? [] : below)].some((n) => n.location === 'external');
  const refusal = external && !request.metadataOnly && (scope !== 'single' || node.children.length > 0)
    ? 'deleting external snapshots with children is not supported yet by this version of virtsnap'
    : null;
  const live = domainState.state === 'running' || domainState.state === 'paused';
  const downtime =
    node.location === 'external' && !request.metadataOnly
      ? live
        ? 'none; the guest keeps running while libvirt commits the overlay'
        : 'none (the domain is off; libvirt starts QEMU paused for the commit, about 2 s)'
      : 'none';
  return {
    request,
    domainState,
    snapshot: strip(node),
    detail,
    descendants: below.map(strip),
    consequences,
    downtime,
    warnings,
    refusal,
    filesLeft,
  };
}

export function deletePlan(host: Host, params: DeleteParams): FlowPlan<DeleteContext> {
  const { request, descendants } = params;
  const { domain, scope } = request;
  const metadata = request.metadataOnly;
  const steps: StepDefinition<DeleteContext>[] = [];
  const gone = (name: string) => async ({ host: h }: DeleteContext) => {
    const names = (await h.listSnapshots(domain)).map((s) => s.name);
    return names.includes(name) ? `“${name}” still exists` : null;
  };
  const deleteOne = (name: string) => {
    const command = virshCommands.deleteSnapshot(domain, name, { metadata });
    steps.push({
      id: `delete:${name}`,
      title: `delete “${name}”${metadata ? ' (metadata only)' : ''}`,
      commands: [plannedVirsh(command)],
      run: async ({ host: h }) => {
        await h.run(command);
      },
      check: gone(name),
    });
  };
  if (scope !== 'single') for (const d of descendants) deleteOne(d.name);
  if (scope !== 'children-only') deleteOne(request.snapshot);
  const what = scope === 'children-only' ? `the descendants of “${request.snapshot}”` : `“${request.snapshot}”${scope === 'children' && descendants.length ? ` and ${descendants.length} descendant${descendants.length === 1 ? '' : 's'}` : ''}`;
  return {
    kind: 'delete',
    title: `Delete ${what} of ${domain}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<DeleteContext>('delete', steps),
    context: { host },
    consequences: params.consequences,
    downtime: params.downtime,
    warnings: params.warnings,
    confirmation: { kind: 'type-name', text: request.snapshot },
    refusal: params.refusal,
    filesLeft: params.filesLeft,
  };
}
