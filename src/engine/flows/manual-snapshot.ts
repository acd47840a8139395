// Snapshots of domains whose disks use snapshot='manual' (LVM, SAN, vhost-user storage that
// libvirt cannot snapshot itself), guided. libvirt takes the memory part and leaves the guest
// paused; the operator snapshots the storage outside libvirt; then the guest must be resumed.
// A guest left paused because virtsnap died is the failure that matters here, so every step is
// journaled: the flow's remaining step is then the resume, and `virtsnap resume ID` runs it.
//
//   snapshot   libvirt's snapshot (memory to a file, manual disks untouched): the guest is paused
//   storage    the operator snapshots the listed disks, and confirms (or cancels)
//   resume     the guest runs again (also after a cancel)
//   discard    after a cancel only: libvirt's record of the incomplete snapshot and its memory file go
//
// The create planner decides the command (method migrate, pause until-resumed), so what libvirt
// 9.0 accepts is judged in one place.

import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Host } from '../host.js';
import { readPlannerDomain, systemPlannerEnvironment } from '../create/domain-facts.js';
import { planSnapshot } from '../create/planner.js';
import type { CreateRequest, Plan } from '../create/types.js';
import { parseDomState, parseNameList } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { isLocalUri } from './block-space.js';
import { stampOf } from './backup-tools.js';
import { planDefaults, type FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';
import { HostUnchangedError } from './host-unchanged.js';

export interface ManualSnapshotRequest {
  domain: string;
  name?: string;
  /** The memory file; null: no memory (libvirt then pauses the guest right away). Omitted: beside the first file disk. */
  memoryFile?: string | null;
  /** Disks to snapshot by hand; omitted: those whose definition says snapshot='manual'. */
  manualDisks?: string[];
  /** Keep the guest running while its memory is copied (--live); it is paused afterwards all the same. */
  live?: boolean;
  now?: Date;
}

export interface ManualDisk {
  target: string;
  /** What to snapshot: the path, device or volume the disk uses. */
  source: string | null;
  type: string | null;
}

export interface ManualSnapshotParams {
  domain: string;
  name: string;
  memoryFile: string | null;
  manual: ManualDisk[];
  /** The create planner's plan: its commands are what runs. */
  plan: Plan;
  localFiles: boolean;
  refusal: string | null;
}

export type StorageAnswer = 'confirmed' | 'cancelled';

export interface ManualSnapshotContext {
  host: Host;
  /**
   * Asks the operator to snapshot the storage and waits. Absent when the flow is resumed from
   * the journal: resuming it is the confirmation.
   */
  confirmStorage?: (instructions: string[]) => Promise<StorageAnswer>;
  cancelled: boolean;
}

/** What the operator must do, line by line. */
export function storageInstructions(params: Pick<ManualSnapshotParams, 'domain' | 'name' | 'manual'>): string[] {
  return [
    `${params.domain} is PAUSED: its guest does not run until you confirm.`,
    `Snapshot these disks with your storage tools now (libvirt does nothing for them), as snapshot “${params.name}”:`,
    ...params.manual.map((d) => `  ${d.target}: ${d.source ?? '(no source)'}${d.type && d.type !== 'file' ? ` (${d.type})` : ''}`),
    'Then confirm, and the guest is resumed. Cancelling resumes it too, and discards the snapshot.',
  ];
}

export async function planManualSnapshot(host: Host, request: ManualSnapshotRequest): Promise<FlowPlan<ManualSnapshotContext>> {
  const facts = await readPlannerDomain(host, request.domain);
  const name = request.name ?? `manual-${stampOf(request.now ?? new Date())}`;
  let refusal: string | null = null;
  const targets = request.manualDisks ?? facts.disks.filter((d) => d.snapshotDefault === 'manual').map((d) => d.target);
  if (targets.length === 0) refusal = `no disk of ${request.domain} uses snapshot='manual'; name the disks to snapshot by hand with --disks`;
  for (const t of targets) if (!facts.disks.some((d) => d.target === t)) refusal ??= `${request.domain} has no disk ${t}`;
  if (facts.state !== 'running') {
    refusal ??= `${request.domain} is ${facts.state === 'paused' ? 'paused' : 'shut off'}: the guided flow pauses a running guest and resumes it; ${facts.state === 'shutoff' ? 'snapshot the storage of a shut-off domain directly' : 'resume it first'}`;
  }
  let memoryFile = request.memoryFile;
  if (memoryFile === undefined) {
    const fileDisk = facts.disks.find((d) => d.type === 'file' && d.source !== null);
    memoryFile = fileDisk ? join(dirname(fileDisk.source!), `${request.domain}.${name}.mem`) : null;
    if (!fileDisk) refusal ??= 'no file disk to put the memory file beside: give --memory FILE (or --no-memory)';
  }
  const disksRequest: CreateRequest['disks'] = facts.disks
    .filter((d) => d.device === 'disk' || targets.includes(d.target))
    .map((d) => ({ target: d.target, mode: targets.includes(d.target) ? ('manual' as const) : ('no' as const) }));
  const createRequest: CreateRequest = {
    name,
    memory: memoryFile === null ? { mode: 'no' } : { mode: 'external', file: memoryFile },
    disks: disksRequest,
    flags: { live: request.live === true && memoryFile !== null ? true : undefined },
  };
  const plan = planSnapshot(facts, createRequest, systemPlannerEnvironment);
  if (plan.verdict !== 'ok') refusal ??= `libvirt would refuse this snapshot (${plan.verdict}): ${plan.reason ?? ''}`;
  if (memoryFile === null && plan.verdict === 'ok') {
    // Measured on 9.0: with every disk manual and no memory, libvirt says "nothing selected for snapshot".
    refusal ??= 'without memory and with only manual disks there is nothing for libvirt to snapshot: keep the memory part';
  }
  const manual = targets.map((t) => {
    const d = facts.disks.find((x) => x.target === t);
    return { target: t, source: d?.source ?? null, type: d?.type ?? null };
  });
  return manualSnapshotPlan(host, {
    domain: request.domain,
    name,
    memoryFile,
    manual,
    plan,
    localFiles: isLocalUri(host.uri) && !host.uri.startsWith('test:'),
    refusal,
  });
}

export function manualSnapshotPlan(host: Host, params: ManualSnapshotParams): FlowPlan<ManualSnapshotContext> {
  const { domain, name } = params;
  const commands = params.plan.commands.map((args) => virshCommands.plannedCommand(args));
  const resume = virshCommands.resumeDomain(domain);
  const forget = virshCommands.deleteSnapshot(domain, name, { metadata: true });
  const memory = params.memoryFile;
  const state = async (h: Host) => parseDomState((await h.run(virshCommands.domainState(domain))).stdout);
  const listed = async (h: Host) => parseNameList((await h.run(virshCommands.snapshotNames(domain))).stdout).includes(name);

  /** Resumes a paused guest; a guest already running (resumed by hand) is left as it is. */
  const resumeGuest = async (h: Host, note: (t: string) => void) => {
    const now = await state(h);
    if (now.state === 'paused') await h.run(resume);
    else note(`${domain} is ${now.state} already`);
  };
  const discard = async (h: Host, note: (t: string) => void) => {
    if (await listed(h)) await h.run(forget);
    else note(`snapshot “${name}” is not recorded`);
    if (memory && params.localFiles) rmSync(memory, { force: true });
  };

  const steps: StepDefinition<ManualSnapshotContext>[] = [
    {
      id: 'snapshot',
      title: `snapshot “${name}”: libvirt saves ${memory ? `the memory to ${memory}` : 'nothing but its record'} and leaves the guest paused (${params.manual.map((d) => d.target).join(', ')}: manual)`,
      commands: commands.map(plannedVirsh),
      creates: memory ? [memory] : [],
      leavesState: `${domain} is PAUSED after snapshot “${name}”: snapshot ${params.manual.map((d) => d.source ?? d.target).join(', ')} with your storage tools, then \`virtsnap resume ID\` resumes the guest`,
      run: async (ctx) => {
        if (memory && params.localFiles && existsSync(memory)) throw new HostUnchangedError(`${memory} exists`);
        for (const command of commands) await ctx.host.run(command);
      },
      check: async (ctx) => ((await listed(ctx.host)) ? null : `libvirt has no snapshot “${name}”`),
      undo: {
        title: `resume ${domain}, forget snapshot “${name}” and remove its memory file`,
        commands: [plannedVirsh(resume), plannedVirsh(forget), ...(memory ? [{ program: 'rm', args: ['-f', memory], mutates: true }] : [])],
        run: async (ctx, journal) => {
          await resumeGuest(ctx.host, (t) => journal.note(t));
          await discard(ctx.host, (t) => journal.note(t));
        },
      },
    },
    {
      id: 'storage',
      title: `you snapshot ${params.manual.map((d) => `${d.target} (${d.source ?? 'no source'})`).join(', ')} outside libvirt while the guest is paused, and confirm`,
      run: async (ctx, journal) => {
        if (!ctx.confirmStorage) {
          journal.note('confirmed by resuming the flow');
          return;
        }
        const answer = await ctx.confirmStorage(storageInstructions(params));
        ctx.cancelled = answer === 'cancelled';
        journal.note(ctx.cancelled ? 'cancelled: the guest is resumed and the snapshot discarded' : 'the operator confirmed the storage snapshot');
      },
      // Nothing on the host shows it: found in doubt (virtsnap died while waiting), resuming the flow confirms it.
      check: async () => null,
    },
    {
      id: 'resume',
      title: `resume ${domain}`,
      commands: [plannedVirsh(resume)],
      run: (ctx, journal) => resumeGuest(ctx.host, (t) => journal.note(t)),
      check: async (ctx) => {
        const now = await state(ctx.host);
        return now.state === 'paused' ? `${domain} is still paused` : null;
      },
      undo: { title: 'nothing to take back (the guest runs)', run: async () => {} },
    },
    {
      id: 'discard',
      title: `after a cancel: forget snapshot “${name}”${memory ? ` and remove ${memory}` : ''}`,
      commands: [plannedVirsh(forget), ...(memory ? [{ program: 'rm', args: ['-f', memory], mutates: true }] : [])],
      skipIf: (ctx) => (ctx.cancelled ? null : 'the storage snapshot was confirmed'),
      run: (ctx, journal) => discard(ctx.host, (t) => journal.note(t)),
      check: async (ctx) => ((await listed(ctx.host)) ? `snapshot “${name}” is still recorded` : null),
    },
  ];

  return {
    kind: 'manual-snapshot',
    title: `Snapshot “${name}” of ${domain} with manual storage (${params.manual.map((d) => d.target).join(', ')})`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<ManualSnapshotContext>('manual-snapshot', steps),
    context: { host, cancelled: false },
    ...planDefaults(),
    consequences: [
      `snapshot “${name}” in ${domain}'s tree, with ${memory ? `its memory in ${memory}` : 'no memory'}; the disks ${params.manual.map((d) => d.target).join(', ')} are in your storage's snapshots, not in libvirt`,
      'reverting it needs your storage snapshots put back first: libvirt cannot do that part',
    ],
    downtime: `${params.plan.pause.description} virtsnap resumes it once you confirm (or cancel).`,
    warnings: [...params.plan.warnings, `If virtsnap stops while the guest is paused, \`virtsnap resume ID\` resumes it (the journal lists the flow).`],
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: memory ? [memory] : [],
  };
}
