// Reverting a domain to a snapshot. It throws away the domain's present state, so the plan says
// exactly what is lost, which state the domain ends in, how long the guest is down, and which
// traps libvirt 9.0 has; the steps are journaled like every flow's.
//
// Three ways, decided by the snapshot and by the daemon's version:
//  * internal: `snapshot-revert` (with --running, --paused or --force as asked);
//  * external on libvirt ≥ 9.9: `snapshot-revert` too;
//  * external before 9.9, which refuses it: the guided revert of revert-guided.ts.
// Before any of them, unless asked not to, the present state is kept as a `pre-revert-<time>`
// snapshot (revert-safety.ts), so that the revert can be undone by reverting to it.
//
// planRevert reads the host once and decides everything (RevertParams, plain JSON); revertPlan
// builds the steps from those params alone, so that `resume` rebuilds the same steps.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createPlan } from '../create/create-flow.js';
import { systemPlannerEnvironment } from '../create/domain-facts.js';
import { formatVersion, revertsExternalNatively } from '../daemon-version.js';
import type { Host } from '../host.js';
import type { DomainState, SnapshotDetail, SnapshotSummary } from '../model.js';
import { virshCommands } from '../virsh/commands.js';
import type { FlowPlan } from './flow-plan.js';
import { defaultJournalDir } from './journal.js';
import { guestMemoryBytes } from './revert-domain-xml.js';
import { filesReadableFor, readRevertFacts, runsOnOverlay, type RevertFacts } from './revert-facts.js';
import { guidedSteps, planGuided, type GuidedParams } from './revert-guided.js';
import { planSafetySnapshot, safetyKinds, safetySnapshotName, type SafetyParams } from './revert-safety.js';
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

export type RevertMethod = 'internal' | 'external-native' | 'external-guided';

export type EndState = 'running' | 'paused' | 'shut off';

export interface RevertParams {
  request: Required<RevertRequest>;
  domainState: DomainState;
  snapshot: SnapshotSummary;
  detail: SnapshotDetail;
  method: RevertMethod;
  /** The daemon's libvirt version (`virsh version --daemon`), null when unknown. */
  daemonVersion: string | null;
  /** The safety snapshot with the creation planner's accepted plan, or null when none is taken. */
  safety: SafetyParams | null;
  guided: GuidedParams | null;
  endState: EndState;
  consequences: string[];
  downtime: string;
  warnings: string[];
  refusal: string | null;
  filesLeft: string[];
}

export interface RevertContext {
  host: Host;
}

export interface PlanRevertOptions {
  /** The clock, for the safety snapshot's name. */
  now?: Date;
  /**
   * The host as read for this domain and snapshot a moment ago (readRevertFacts): a dialog
   * planning again for another option asks the host nothing it has already answered.
   */
  facts?: RevertFacts;
}

function normalise(request: RevertRequest): Required<RevertRequest> {
  return { after: 'snapshot', force: false, safetySnapshot: true, ...request };
}

const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._+-]+/g, '_');

/** Reads what the plan needs (the domain, the snapshot, the daemon, the images) and decides. */
export async function planRevert(host: Host, request: RevertRequest, options: PlanRevertOptions = {}): Promise<FlowPlan<RevertContext>> {
  const req = normalise(request);
  const facts = options.facts ?? (await readRevertFacts(host, req.domain, req.snapshot));
  if (facts.domain !== req.domain || facts.snapshot.name !== req.snapshot) throw new Error('the facts given are of another domain or snapshot');
  return revertPlan(host, await describeRevert(host, facts, req, options.now ?? new Date()));
}

interface Traps {
  warnings: string[];
  refusal: string | null;
  /** An internal revert will run the domain on an image it runs on now (so that image is written again). */
  internalRevertWrites: boolean;
  onOverlays: boolean;
}

async function findTraps(facts: RevertFacts, method: RevertMethod, request: Required<RevertRequest>): Promise<Traps> {
  const { detail } = facts;
  const warnings: string[] = [];
  let refusal: string | null = null;
  const overlays = await Promise.all(facts.disks.map((d) => runsOnOverlay(facts, d).then((on) => (on ? d.target : null))));
  const onOverlayTargets = overlays.filter((t): t is string => t !== null);
  let internalRevertWrites = false;
  if (method === 'internal') {
    if (onOverlayTargets.length > 0) {
      warnings.push(
        `${onOverlayTargets.join(', ')} ${onOverlayTargets.length === 1 ? 'runs' : 'run'} on external overlays. Reverting to an internal snapshot switches each disk back to the image that holds it, without a word: the overlays drop out of the chain, and later writes to that image invalidate them.`,
      );
    }
    const internalDisks = detail.domainDisks.filter((d) => {
      const spec = detail.disks.find((s) => s.name === d.target);
      return spec ? spec.mode === 'internal' : d.format === 'qcow2' && !d.readonly && d.device === 'disk';
    });
    for (const disk of internalDisks) {
      if (disk.source === null) continue;
      const now = facts.disks.find((d) => d.target === disk.target)?.source ?? null;
      if (now === disk.source) internalRevertWrites = true;
      if (!facts.filesReadable) {
        warnings.push(`Whether ${disk.source} still holds the qcow2 tag “${detail.name}” is unknown: the images are not on this machine. A renamed internal snapshot cannot be reverted to (QEMU looks for its old tag) and leaves the domain shut off (failed).`);
        continue;
      }
      const info = await facts.image(disk.source);
      if (info === null) {
        warnings.push(`${disk.source} (${disk.target}) cannot be read, so whether it holds “${detail.name}” is unknown; the revert fails if it does not.`);
      } else if (!info.tags.includes(detail.name)) {
        warnings.push(
          `${disk.source} (${disk.target}) holds no qcow2 tag named “${detail.name}” (its tags: ${info.tags.length ? info.tags.map((t) => `“${t}”`).join(', ') : 'none'}). The snapshot was probably renamed; QEMU looks for the tag by name, so the revert will fail and leave ${facts.domain} shut off (failed).`,
        );
      }
    }
    if (detail.domainName === null && !request.force) {
      warnings.push('The snapshot carries no domain definition; libvirt may ask for --force.');
    }
    // Measured on libvirt 9.0 + QEMU 7.2 (docs/backup.md): loadvm refuses while the disks carry
    // dirty bitmaps, leaving the domain shut off (failed) and every later incremental broken.
    if (facts.checkpoints.length > 0) {
      refusal = `cannot revert to an internal snapshot while ${facts.domain} has checkpoints (${facts.checkpoints.join(', ')}): QEMU refuses ("Device has active dirty bitmaps") and leaves the domain shut off (failed). Delete the checkpoints first (virtsnap checkpoint delete ${facts.domain} NAME), or revert to an external snapshot`;
    }
  } else {
    // External: every image holding the snapshot's point in time, and its memory file, must be there.
    const missing: string[] = [];
    const unknown: string[] = [];
    for (const spec of detail.disks) {
      if (spec.mode !== 'external') continue;
      const base = detail.domainDisks.find((d) => d.target === spec.name)?.source ?? null;
      if (base === null) continue;
      if (!facts.filesReadable) unknown.push(base);
      else if ((await facts.image(base)) === null) missing.push(`${base} (${spec.name})`);
    }
    if (detail.memory.mode === 'external' && detail.memory.file) {
      if (!facts.filesReadable) unknown.push(detail.memory.file);
      else if (!facts.fileExists(detail.memory.file)) missing.push(`${detail.memory.file} (memory)`);
    }
    if (missing.length > 0) refusal = `cannot revert: the snapshot's files are missing: ${missing.join(', ')}`;
    if (unknown.length > 0) warnings.push(`Whether the snapshot's files exist is unknown (they are not on this machine): ${unknown.join(', ')}.`);
  }
  return { warnings, refusal, internalRevertWrites, onOverlays: onOverlayTargets.length > 0 };
}

function endStateOf(request: Required<RevertRequest>, snapshot: SnapshotSummary, guided: GuidedParams | null): EndState {
  if (guided) return guided.memory ? guided.memory.state : (guided.start ?? 'shut off');
  if (request.after === 'running' || request.after === 'paused') return request.after;
  const withMemory = snapshot.state === 'running' || snapshot.state === 'paused';
  return withMemory ? (snapshot.state as 'running' | 'paused') : 'shut off';
}

function downtimeOf(facts: RevertFacts, method: RevertMethod, endState: EndState, guided: GuidedParams | null, safety: SafetyParams | null): string {
  if (!facts.live) {
    if (endState === 'shut off') return 'none (the domain is off and stays off)';
    return guided?.memory ? 'none (the domain is off); it starts from the snapshot’s memory in about a second' : 'none (the domain is off); it starts again from the snapshot';
  }
  const stop = safety?.halts ? 'the safety snapshot stops the guest' : 'the guest is stopped';
  if (method === 'external-guided') {
    if (guided?.memory) return `${stop}, then QEMU starts again from the snapshot’s memory file: a few seconds without the guest (the safety snapshot’s own pause included)`;
    return endState === 'shut off'
      ? `${stop} and stays off (a disk-only snapshot holds no memory; start it yourself, or pass --running)`
      : `${stop} and boots again from the snapshot’s disks`;
  }
  const withMemory = facts.snapshot.state === 'running' || facts.snapshot.state === 'paused';
  if (endState === 'shut off') return `${stop} and stays off (the snapshot holds no memory)`;
  return withMemory
    ? `${stop} and QEMU starts again from the snapshot’s memory: about 2 s without the guest${safety?.halts ? ', plus the safety snapshot’s pause' : ''}`
    : `${stop} and boots again from the snapshot’s disks`;
}

async function describeRevert(host: Host, facts: RevertFacts, request: Required<RevertRequest>, now: Date): Promise<RevertParams> {
  const { detail, snapshot, domain } = facts;
  const method: RevertMethod =
    snapshot.location === 'internal' ? 'internal' : revertsExternalNatively(facts.daemon) ? 'external-native' : 'external-guided';
  const traps = await findTraps(facts, method, request);
  const warnings = [...traps.warnings];
  let refusal = traps.refusal;
  const consequences: string[] = [];

  let safety: RevertParams['safety'] = null;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const workDir = join(defaultJournalDir(), 'revert', `${fileSafe(domain)}-${stamp}`);
  if (request.safetySnapshot) {
    const name = safetySnapshotName(now, new Set(facts.snapshots.map((s) => s.name)));
    const kinds = safetyKinds(facts.plannerDomain, snapshot.location, traps.internalRevertWrites, traps.onOverlays);
    const env = { ...systemPlannerEnvironment, fileExists: (path: string) => facts.fileExists(path), now: () => Math.floor(now.getTime() / 1000) };
    const choice = planSafetySnapshot(facts.plannerDomain, name, kinds, env, guestMemoryBytes(facts.liveXml));
    if (choice.params) {
      safety = choice.params;
      warnings.push(...choice.params.warnings.map((w) => `safety snapshot: ${w}`));
    } else {
      refusal ??= `${choice.refusal}; revert without one with --no-safety-snapshot`;
    }
  }

  let guided: GuidedParams | null = null;
  if (method === 'external-guided' && refusal === null) {
    let memoryXml: string | null = null;
    if (detail.memory.mode === 'external' && detail.memory.file && facts.fileExists(detail.memory.file)) {
      memoryXml = await host
        .run(virshCommands.saveImageXml(detail.memory.file, !host.readonly))
        .then((r) => r.stdout)
        .catch(() => null);
    }
    const outcome = await planGuided({
      facts,
      workDir,
      stoppedBefore: safety?.halts ?? false,
      safetyOverlays: safety?.kind === 'external' ? safety.overlays : {},
      safetyName: safety?.name ?? null,
      after: request.after,
      memoryXml,
    });
    guided = outcome.params;
    refusal ??= outcome.refusal;
    consequences.push(...outcome.notes);
    warnings.push(...outcome.warnings);
    if (request.force) warnings.push('--force has no effect on a guided revert.');
  }

  const endState = endStateOf(request, snapshot, guided);
  const current = facts.current;
  consequences.unshift(
    facts.live
      ? `The present state of ${domain} (its memory and every disk write since ${current ? `snapshot “${current}”` : 'it was last snapshotted'}) is discarded${safety ? `, after it is kept in the safety snapshot “${safety.name}”` : ' (no safety snapshot: it is lost for good)'}.`
      : `Disk changes made since ${current ? `snapshot “${current}”` : 'the last snapshot'} are discarded${safety ? `, after they are kept in the safety snapshot “${safety.name}”` : ' (no safety snapshot: they are lost for good)'}.`,
  );
  if (safety) consequences.push(`To undo the revert, revert to “${safety.name}” (virtsnap revert ${domain} ${safety.name}).`);
  if (method === 'external-guided') {
    consequences.push(
      `libvirt ${facts.daemon ? formatVersion(facts.daemon) : '(version unknown)'} cannot revert to an external snapshot (that needs 9.9), so virtsnap does it from parts libvirt has: new overlays on the snapshot’s images, the snapshot’s definition, ${detail.memory.mode === 'external' ? 'a restore from its memory file' : 'and a start if asked'}. The snapshot’s images are never written: they only become backing files.`,
    );
  }
  consequences.push(`“${snapshot.name}” becomes the current snapshot; new snapshots branch from it.`);
  consequences.push(`${domain} ends ${endState}.`);

  const filesLeft = [...(safety?.files ?? []), ...(guided?.overlays.map((o) => o.file) ?? [])];
  return {
    request,
    domainState: facts.domainState,
    snapshot,
    detail,
    method,
    daemonVersion: facts.daemon ? formatVersion(facts.daemon) : null,
    safety,
    guided,
    endState,
    consequences,
    downtime: downtimeOf(facts, method, endState, guided, safety),
    warnings,
    refusal,
    filesLeft,
  };
}

function safetyStep(domain: string, safety: SafetyParams): StepDefinition<RevertContext> {
  return {
    id: 'safety-snapshot',
    title: `keep the present state as “${safety.name}” (${safety.kind === 'external' ? 'external: memory file and overlays' : 'internal, in the qcow2 images'}${safety.halts ? '; it stops the domain' : ''}); cost: ${safety.cost}`,
    commands: safety.plan.commands.map((args) => ({ program: 'virsh', args, mutates: true })),
    creates: safety.files,
    leavesState: `the present state is kept in “${safety.name}”${safety.halts ? ` and ${domain} is shut off` : ''}; nothing is reverted yet`,
    run: async ({ host }) => {
      // The creation flow's own step (its file checks, and the cleanup of what a failed create made), unjournaled inside this one.
      const create = createPlan(host, { domain, stateBefore: null, plan: safety.plan, localFiles: filesReadableFor(host.uri) });
      const result = await create.machine.run(create.context);
      if (result.status !== 'done') throw result.error instanceof Error ? result.error : new Error(`creating “${safety.name}” ${result.status}`);
    },
    check: async ({ host }) => {
      const names = (await host.listSnapshots(domain)).map((s) => s.name);
      return names.includes(safety.name) ? null : `there is no snapshot “${safety.name}”`;
    },
    undo: {
      title: `revert ${domain} to “${safety.name}”: the state before this flow (the snapshot stays)`,
      run: async ({ host }) => {
        const back = await planRevert(host, { domain, snapshot: safety.name, safetySnapshot: false });
        if (back.refusal) throw new Error(`cannot revert to “${safety.name}”: ${back.refusal}`);
        const result = await back.machine.run(back.context);
        if (result.status !== 'done') throw result.error instanceof Error ? result.error : new Error(`reverting to “${safety.name}” ${result.status}`);
        await back.afterDone?.();
      },
    },
  };
}

/** The steps, from the params alone. */
export function revertPlan(host: Host, params: RevertParams): FlowPlan<RevertContext> {
  const { request, safety, guided } = params;
  const steps: StepDefinition<RevertContext>[] = [];
  if (safety) steps.push(safetyStep(request.domain, safety));
  if (params.method === 'external-guided') {
    if (guided) steps.push(...guidedSteps<RevertContext>(request.domain, request.snapshot, guided));
  } else {
    const command = virshCommands.revertSnapshot(request.domain, request.snapshot, {
      running: request.after === 'running',
      paused: request.after === 'paused',
      force: request.force,
    });
    steps.push({
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
      ...(safety
        ? { undo: { title: `nothing by itself: reverting to “${safety.name}” (the next undo) takes it back`, run: async () => {} } }
        : {}),
    });
  }
  const workDir = guided?.workDir ?? null;
  return {
    kind: 'revert',
    title: `Revert ${request.domain} to “${request.snapshot}”${params.method === 'external-guided' ? ' (guided external revert)' : ''}`,
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
    filesLeft: params.filesLeft,
    ...(workDir ? { afterDone: () => rm(workDir, { recursive: true, force: true }) } : {}),
  };
}
