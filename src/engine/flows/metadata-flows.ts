// A snapshot's description and the current mark, as flows like every other change: planned
// from one read of the host into plain-JSON params, shown, confirmed, journaled, checked on the
// host after they run, and undoable (`virtsnap resume --rollback`).
//
//   description: redefine the snapshot with its own XML and the new <description> (the current
//                snapshot stays current; `makeCurrent` also makes this one current)
//   current:     `snapshot-current DOMAIN NAME`; its undo gives the mark back to the snapshot
//                that had it (there is none when no snapshot was current: libvirt cannot clear it)

import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { Host } from '../host.js';
import { virshCommands } from '../virsh/commands.js';
import { SnapshotXml } from '../xml/snapshot-xml.js';
import { validateSnapshotXml } from '../xml/validate.js';
import { setCurrentSnapshot } from './edit-operations.js';
import { assertWritable, flowWorkDirName, safeFileName, snapshotXmlForEdit, writeFlowFile } from './edit-redefine.js';
import type { FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';

export interface DescriptionRequest {
  domain: string;
  snapshot: string;
  /** The new description; null or '' removes it. */
  description: string | null;
  /** Also make the snapshot the current one. */
  makeCurrent?: boolean;
}

export interface DescriptionParams {
  domain: string;
  snapshot: string;
  previous: string | null;
  description: string | null;
  makeCurrent: boolean;
  wasCurrent: boolean;
  previousCurrent: string | null;
  originalXml: string;
  newXml: string;
  workDir: string;
  /** Nothing to do: the description already is the requested one (and the mark is where asked). */
  unchanged: boolean;
  refusal: string | null;
}

export interface CurrentRequest {
  domain: string;
  snapshot: string;
}

export interface CurrentParams {
  domain: string;
  snapshot: string;
  /** The current snapshot before the change; null when there was none. */
  previous: string | null;
  unchanged: boolean;
}

export type DescriptionFlow = FlowPlan<Host> & { params: DescriptionParams };
export type CurrentFlow = FlowPlan<Host> & { params: CurrentParams };

const quoted = (text: string | null) => (text === null ? '(none)' : `“${text}”`);

/** Reads the snapshot's XML and the current mark, and prepares the edited XML (checked against libvirt's schema). */
export async function planDescription(host: Host, request: DescriptionRequest): Promise<DescriptionFlow> {
  const { domain, snapshot } = request;
  assertWritable(host, domain);
  const [originalXml, current] = await Promise.all([snapshotXmlForEdit(host, domain, snapshot), host.currentSnapshotName(domain)]);
  const edited = SnapshotXml.parse(originalXml);
  const previous = edited.description();
  const description = request.description === '' ? null : request.description;
  const wasCurrent = current === snapshot;
  const makeCurrent = Boolean(request.makeCurrent) && !wasCurrent;
  edited.setDescription(description);
  const newXml = edited.toXml();
  const unchanged = previous === description && !makeCurrent;
  let refusal: string | null = null;
  if (!unchanged) {
    const validation = await validateSnapshotXml(newXml);
    if (!validation.ok) refusal = `the edited XML does not match libvirt's snapshot schema: ${validation.errors.join('; ')}`;
  }
  return descriptionPlan(host, {
    domain,
    snapshot,
    previous,
    description,
    makeCurrent,
    wasCurrent,
    previousCurrent: current,
    originalXml,
    newXml,
    workDir: flowWorkDirName('description'),
    unchanged,
    refusal,
  });
}

export function descriptionPlan(host: Host, params: DescriptionParams): DescriptionFlow {
  const { domain, snapshot } = params;
  const newFile = join(params.workDir, `new-${safeFileName(snapshot)}`);
  const originalFile = join(params.workDir, `original-${safeFileName(snapshot)}`);
  const current = params.wasCurrent || params.makeCurrent;
  const redefine = virshCommands.createSnapshotFromFile(domain, newFile, { redefine: true, current });
  const restore = virshCommands.createSnapshotFromFile(domain, originalFile, { redefine: true, current: params.wasCurrent });
  const giveBack = params.makeCurrent ? params.previousCurrent : null;
  const steps: StepDefinition<Host>[] = params.unchanged
    ? []
    : [
        {
          id: 'redefine',
          title: `redefine '${snapshot}' with the description ${quoted(params.description)}${params.makeCurrent ? ' and make it current' : ''}`,
          commands: [plannedVirsh(redefine)],
          run: async (host) => {
            await writeFlowFile(params.workDir, originalFile, params.originalXml);
            await writeFlowFile(params.workDir, newFile, params.newXml);
            await host.run(redefine);
          },
          check: async (host) => {
            const [{ detail }, now] = await Promise.all([host.snapshot(domain, snapshot), host.currentSnapshotName(domain)]);
            if (detail.description !== params.description) return `the description is ${quoted(detail.description)}`;
            if (current && now !== snapshot) return `the current snapshot is '${now ?? '(none)'}'`;
            return null;
          },
          undo: {
            title: `redefine '${snapshot}' with its original XML (description ${quoted(params.previous)})${giveBack ? ` and make '${giveBack}' current again` : ''}`,
            commands: [plannedVirsh(restore), ...(giveBack ? [plannedVirsh(virshCommands.setCurrentSnapshot(domain, giveBack))] : [])],
            run: async (host) => {
              await writeFlowFile(params.workDir, originalFile, params.originalXml);
              await host.run(restore);
              if (giveBack) await setCurrentSnapshot(host, domain, giveBack);
              await rm(params.workDir, { recursive: true, force: true });
            },
          },
        },
      ];
  const consequences = params.unchanged
    ? [`The description of “${snapshot}” already is ${quoted(params.description)}: nothing to do.`]
    : [
        params.description === null
          ? `The description of “${snapshot}” (${quoted(params.previous)}) is removed.`
          : `The description of “${snapshot}” becomes ${quoted(params.description)} (was ${quoted(params.previous)}).`,
        ...(params.makeCurrent ? [`“${snapshot}” becomes the current snapshot (was ${quoted(params.previousCurrent)}); new snapshots branch from it.`] : []),
        'Everything else in its XML stays as it is.',
      ];
  return {
    kind: 'description',
    title: `Set the description of “${snapshot}” in ${domain}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<Host>('description', steps),
    context: host,
    consequences,
    downtime: 'none (only libvirt’s snapshot metadata changes)',
    warnings: [],
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: [],
    afterDone: () => rm(params.workDir, { recursive: true, force: true }),
  };
}

/** Reads which snapshot is current now (and that the requested one exists). */
export async function planCurrent(host: Host, request: CurrentRequest): Promise<CurrentFlow> {
  assertWritable(host, request.domain);
  const snapshots = await host.listSnapshots(request.domain);
  if (!snapshots.some((s) => s.name === request.snapshot)) {
    throw new Error(`domain '${request.domain}' has no snapshot named '${request.snapshot}'`);
  }
  const previous = snapshots.find((s) => s.current)?.name ?? null;
  return currentPlan(host, { ...request, previous, unchanged: previous === request.snapshot });
}

export function currentPlan(host: Host, params: CurrentParams): CurrentFlow {
  const { domain, snapshot, previous } = params;
  const command = virshCommands.setCurrentSnapshot(domain, snapshot);
  const steps: StepDefinition<Host>[] = params.unchanged
    ? []
    : [
        {
          id: 'set-current',
          title: `make '${snapshot}' the current snapshot of '${domain}'`,
          commands: [plannedVirsh(command)],
          run: async (host) => {
            await setCurrentSnapshot(host, domain, snapshot);
          },
          check: async (host) => {
            const now = await host.currentSnapshotName(domain);
            return now === snapshot ? null : `the current snapshot is '${now ?? '(none)'}'`;
          },
          ...(previous
            ? {
                undo: {
                  title: `make '${previous}' the current snapshot again`,
                  commands: [plannedVirsh(virshCommands.setCurrentSnapshot(domain, previous))],
                  run: async (host: Host) => {
                    await setCurrentSnapshot(host, domain, previous);
                  },
                },
              }
            : {}),
        },
      ];
  return {
    kind: 'current',
    title: `Make “${snapshot}” the current snapshot of ${domain}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<Host>('current', steps),
    context: host,
    consequences: params.unchanged
      ? [`“${snapshot}” already is the current snapshot: nothing to do.`]
      : [
          `“${snapshot}” becomes the current snapshot (was ${quoted(previous)}): new snapshots branch from it.`,
          'Only libvirt’s mark moves: the domain keeps running from the disks it has now.',
        ],
    downtime: 'none',
    warnings: previous ? [] : ['No snapshot is current now; libvirt cannot clear the mark again, so this has no undo.'],
    confirmation: { kind: 'choice' },
    refusal: null,
    filesLeft: [],
  };
}
