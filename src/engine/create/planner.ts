// The snapshot-creation planner: what libvirt 9.0 will do with a request, before anything
// runs. Pure: the domain, the request and the environment (file checks, clock) come in, a
// Plan goes out.

import { buildSnapshotXml, InvalidSnapshotXmlError } from '../xml/snapshot-xml.js';
import { defaultSnapshotName } from './default-names.js';
import { createCommand } from './plan-commands.js';
import { fileWarnings } from './plan-files.js';
import { planPause, stateAfter } from './plan-pause.js';
import { planWarnings } from './plan-warnings.js';
import { Refusal } from './refusal.js';
import { resolveModes, type Resolution } from './resolve-modes.js';
import type { CreateRequest, Plan, PlannedFile, PlannerDomain, PlannerEnvironment, ResolvedSnapshot } from './types.js';

const NO_PAUSE = { kind: 'none', description: 'Nothing runs.' } as const;

function refused(refusal: Refusal): Plan {
  return {
    verdict: refusal.verdict,
    reason: refusal.reason,
    method: null,
    xml: null,
    commands: [],
    files: [],
    pause: { ...NO_PAUSE },
    warnings: [],
    resolved: null,
    domainStateAfter: null,
  };
}

function plannedFiles(resolution: Resolution, env: PlannerEnvironment): PlannedFile[] {
  const files: PlannedFile[] = [];
  if (resolution.memory.mode === 'external' && resolution.memory.file !== null) {
    const path = resolution.memory.file;
    files.push({ path, role: 'memory', exists: env.fileExists(path) });
  }
  for (const disk of resolution.disks) {
    if (disk.mode !== 'external' || disk.file === null) continue;
    files.push({ path: disk.file, role: 'overlay', disk: disk.target, exists: env.fileExists(disk.file) });
  }
  return files;
}

function resolvedSnapshot(resolution: Resolution): ResolvedSnapshot {
  return {
    memory: { ...resolution.memory },
    disks: resolution.disks.map((d) => ({ target: d.target, mode: d.mode, file: d.file })),
    state: resolution.state,
  };
}

/** The `<domainsnapshot>` exactly as the request gives it, with the planned name. */
function snapshotXml(request: CreateRequest, name: string): string {
  return buildSnapshotXml({
    name,
    description: request.description,
    memory: request.memory ? { mode: request.memory.mode, file: request.memory.file } : undefined,
    disks: request.disks.map((d) => ({
      name: d.target,
      mode: d.mode,
      file: d.file,
      driverType: d.driverType,
      sourceType: d.sourceType,
    })),
  });
}

export function planSnapshot(domain: PlannerDomain, request: CreateRequest, env: PlannerEnvironment): Plan {
  // Only a missing name gets libvirt's default; an empty one is refused, as virsh refuses it.
  const name = request.name === undefined ? defaultSnapshotName(env.now()) : request.name;
  const resolution = resolveModes(domain, request, name, env);
  if (resolution instanceof Refusal) return refused(resolution);

  let xml: string;
  try {
    xml = snapshotXml(request, name);
  } catch (error) {
    if (error instanceof InvalidSnapshotXmlError) return refused(new Refusal('invalid', error.message));
    throw error;
  }

  const files = plannedFiles(resolution, env);
  return {
    verdict: 'ok',
    reason: null,
    method: resolution.method,
    xml,
    commands: [createCommand(domain.name, request, name)],
    files,
    pause: planPause(domain, request, resolution),
    warnings: [
      ...fileWarnings(files, request.flags.reuseExternal === true, env),
      ...planWarnings(domain, request, resolution),
    ],
    resolved: resolvedSnapshot(resolution),
    domainStateAfter: stateAfter(domain, request, resolution),
  };
}
