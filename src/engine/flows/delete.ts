// Deleting a snapshot: alone (its children move up to its parent), with its descendants, only
// its descendants, or only libvirt's record of it; optionally removing the files left behind.
// What libvirt 9.0 does differs for internal and external snapshots and for where the files
// are, so the plan says, for each snapshot, who does what and why (docs/delete.md).
//
// planDelete reads the host once (delete-survey.ts) and decides everything (delete-decide.ts)
// into DeleteParams, plain JSON; deletePlan builds the steps (delete-steps.ts) from those params
// alone, so that `resume` rebuilds the same steps.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Host } from '../host.js';
import type { DomainState, SnapshotSummary } from '../model.js';
import { attr, child, children, removeChild, setAttr } from '../xml/document.js';
import { SnapshotXml } from '../xml/snapshot-xml.js';
import { decideDelete, leafFirst, type DeleteAction, type DeleteRequest, type DeleteScope } from './delete-decide.js';
import { blockCommitStep, offlineCommitStep, deleteFilesStep, forgetStep, libvirtDeleteStep, type DeleteContext } from './delete-steps.js';
import { surveyDelete, type DeleteSurvey } from './delete-survey.js';
import type { FlowPlan } from './flow-plan.js';
import { defaultJournalDir, newFlowId } from './journal.js';
import { StepMachine, type StepDefinition } from './step-machine.js';

export type { DeleteRequest, DeleteScope, DeleteAction, DeleteContext };
export { LIBVIRT_REFUSES } from './delete-decide.js';

export interface DeleteParams {
  request: Required<DeleteRequest>;
  domainState: DomainState;
  snapshot: SnapshotSummary;
  /** Snapshots deleted, in order (leaves first). */
  order: string[];
  actions: DeleteAction[];
  /** Where forget steps write the XML they redefine (under the journal's folder). */
  workDir: string;
  consequences: string[];
  downtime: string;
  warnings: string[];
  refusal: string | null;
  filesLeft: string[];
  currentBefore: string | null;
  currentAfter: string | null;
}

/** The request names a snapshot the domain does not have. */
export class SnapshotNotFoundError extends Error {
  override name = 'SnapshotNotFoundError';
}

function normalise(request: DeleteRequest): Required<DeleteRequest> {
  return { scope: 'single', metadataOnly: false, deleteFiles: false, ...request };
}

/** Descendant names of `name`, leaves first (every one after all of its own descendants). */
export function descendantsLeafFirst(snapshots: readonly SnapshotSummary[], name: string): string[] {
  return leafFirst(snapshots, name);
}

/** Disk source attributes a domain definition names a file or device by. */
const SOURCE_ATTRIBUTES = ['file', 'dev', 'name', 'volume', 'path'];

/**
 * The snapshot's XML under another parent, with the disk sources of its embedded domain
 * definitions renamed (old → new) where a merge moved the state they hold. A renamed disk loses
 * its <backingStore>: a redefine stores it verbatim, and the old chain would name the merged file.
 */
const reparent = (xml: string, parent: string | null, sources: Readonly<Record<string, string>> = {}) => {
  const doc = SnapshotXml.parse(xml);
  doc.setParent(parent);
  if (Object.keys(sources).length > 0) {
    for (const definition of [...children(doc.root, 'domain'), ...children(doc.root, 'inactiveDomain')]) {
      const devices = child(definition, 'devices');
      for (const disk of devices ? children(devices, 'disk') : []) {
        const source = child(disk, 'source');
        const name = source ? SOURCE_ATTRIBUTES.find((a) => attr(source, a) !== null) : undefined;
        const renamed = source && name ? sources[attr(source, name)!] : undefined;
        if (!source || !name || renamed === undefined) continue;
        setAttr(source, name, renamed);
        for (const store of children(disk, 'backingStore')) removeChild(disk, store);
      }
    }
  }
  return doc.toXml();
};

export interface PlanDeleteOptions {
  /** The domain as surveyed a moment ago (surveyDelete): planning again for another option reads nothing again. */
  survey?: DeleteSurvey;
}

export async function planDelete(host: Host, request: DeleteRequest, options: PlanDeleteOptions = {}): Promise<FlowPlan<DeleteContext>> {
  const req = normalise(request);
  const survey = options.survey ?? (await surveyDelete(host, req.domain));
  const target = survey.snapshots.find((s) => s.name === req.snapshot);
  if (!target) throw new SnapshotNotFoundError(`domain ${req.domain} has no snapshot named ${req.snapshot}`);
  const decision = decideDelete(req, survey, { reparent });
  const { xml: _xml, overlays: _o, states: _s, internalDisks: _i, memoryFile: _m, ...snapshot } = target;
  return deletePlan(host, {
    request: req,
    domainState: survey.domainState,
    snapshot,
    order: decision.order,
    actions: decision.actions,
    workDir: join(defaultJournalDir(), 'delete', newFlowId()),
    consequences: decision.consequences,
    downtime: decision.downtime,
    warnings: decision.warnings,
    refusal: decision.refusal,
    filesLeft: decision.filesLeft,
    currentBefore: decision.currentBefore,
    currentAfter: decision.currentAfter,
  });
}

export function deletePlan(host: Host, params: DeleteParams): FlowPlan<DeleteContext> {
  const { request, actions } = params;
  const { domain, scope } = request;
  const steps: StepDefinition<DeleteContext>[] = actions.map((action) => {
    if (action.kind === 'libvirt') return libvirtDeleteStep(domain, action);
    if (action.kind === 'forget') return forgetStep(domain, action, params.workDir);
    if (action.kind === 'block-commit') return blockCommitStep(domain, action);
    if (action.kind === 'offline-commit') return offlineCommitStep(domain, action);
    return deleteFilesStep(domain, action);
  });
  const others = params.order.filter((n) => n !== request.snapshot).length;
  const what =
    scope === 'children-only'
      ? `the ${others} descendant${others === 1 ? '' : 's'} of “${request.snapshot}”`
      : `“${request.snapshot}”${scope === 'children' && others ? ` and ${others} descendant${others === 1 ? '' : 's'}` : ''}`;
  const usesWorkDir = actions.some((a) => a.kind === 'forget');
  return {
    kind: 'delete',
    title: `Delete ${what} of ${domain}${request.metadataOnly ? ' (metadata only)' : ''}`,
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
    afterDone: usesWorkDir ? () => rm(params.workDir, { recursive: true, force: true }) : undefined,
  };
}
