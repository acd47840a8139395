// Save, restore and managed save as flows. Each saves or restores the guest's memory only: the
// disks must stay as they are between the save and the restore, or the restored guest finds
// file systems that changed under it. The trade-offs (libvirt's "domain state capture" page)
// are in each plan; engine/capture-methods.ts compares them with the other methods.

import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Host } from '../host.js';
import { parseDomState } from '../parse/index.js';
import { hasManagedSave } from '../parse/dominfo.js';
import { virshCommands } from '../virsh/commands.js';
import { readDomainIdentity } from '../xml/domain-xml.js';
import { filesOf } from '../host-files.js';
import { isLocalUri } from './block-space.js';
import { planDefaults, type FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';

export type AfterRestore = 'running' | 'paused' | 'as-saved';

export interface SaveContext {
  host: Host;
}

async function stateOf(host: Host, domain: string) {
  return parseDomState((await host.run(virshCommands.domainState(domain))).stdout);
}

async function managedSaveExists(host: Host, domain: string): Promise<boolean> {
  return hasManagedSave((await host.run(virshCommands.domainInfo(domain))).stdout);
}

const online = (state: string) => state === 'running' || state === 'paused' || state === 'idle' || state === 'pmsuspended';
const afterFlags = (after: AfterRestore) => ({ running: after === 'running', paused: after === 'paused' });

const TRADE_OFFS = [
  'Only memory is saved: keep the disks unchanged until the restore (no writes, no snapshot reverts), or the restored guest sees file systems that changed under it.',
  'The guest is stopped from the save until the restore: its clock and network connections jump when it resumes.',
];

// ---- save DOMAIN FILE

export interface SaveParams {
  domain: string;
  file: string;
  after: AfterRestore;
  stateBefore: string;
  refusal: string | null;
}

export async function planSave(host: Host, request: { domain: string; file: string; after?: AfterRestore }): Promise<FlowPlan<SaveContext>> {
  const state = await stateOf(host, request.domain);
  const file = isLocalUri(host.uri) ? resolve(request.file) : request.file;
  let refusal: string | null = null;
  if (!online(state.state)) refusal = `${request.domain} is ${state.state}: only a running or paused domain has memory to save`;
  else if (isLocalUri(host.uri) && !host.uri.startsWith('test:') && existsSync(file)) refusal = `${file} exists: choose a new file`;
  else if (filesOf(host).kind === 'ssh' && (await filesOf(host).probe([file])).get(file)?.exists) refusal = `${file} exists on ${filesOf(host).where}: choose a new file`;
  return savePlan(host, { domain: request.domain, file, after: request.after ?? 'as-saved', stateBefore: state.state, refusal });
}

export function savePlan(host: Host, params: SaveParams): FlowPlan<SaveContext> {
  const { domain, file } = params;
  const save = virshCommands.saveDomain(domain, file, afterFlags(params.after));
  const restore = virshCommands.restoreDomain(file, afterFlags(params.after));
  const steps: StepDefinition<SaveContext>[] = [
    {
      id: 'save',
      title: `save ${domain}'s memory to ${file} and stop it`,
      commands: [plannedVirsh(save)],
      creates: [file],
      leavesState: `${domain} is shut off (saved); \`virtsnap restore ${file}\` starts it from there`,
      run: async (ctx) => {
        await ctx.host.run(save);
      },
      check: async (ctx) => {
        const state = await stateOf(ctx.host, domain);
        return state.state === 'shut off' && state.reason === 'saved' ? null : `${domain} is ${state.state}${state.reason ? ` (${state.reason})` : ''}`;
      },
      undo: {
        title: `restore ${domain} from ${file} and remove the file`,
        commands: [plannedVirsh(restore), { program: 'rm', args: ['-f', file], mutates: true }],
        run: async (ctx) => {
          if (!online((await stateOf(ctx.host, domain)).state)) await ctx.host.run(restore);
          if (isLocalUri(host.uri)) rmSync(file, { force: true });
        },
      },
    },
  ];
  return {
    kind: 'save',
    title: `Save ${domain} to ${file}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<SaveContext>('save', steps),
    context: { host },
    ...planDefaults(),
    consequences: [
      `${domain} is shut off (saved) until \`virtsnap restore ${file}\`; a plain start boots it afresh and the saved memory is lost`,
      `you keep ${file} (libvirt does not track it; it does not appear in the snapshot tree)`,
      ...(params.after !== 'as-saved' ? [`restoring it leaves the domain ${params.after}`] : []),
    ],
    downtime: 'from the save until the restore (writing memory takes ~1 s per 300 MiB in use)',
    warnings: [...TRADE_OFFS],
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: [file],
  };
}

// ---- restore FILE

export interface RestoreParams {
  file: string;
  domain: string;
  after: AfterRestore;
  refusal: string | null;
}

export async function planRestore(host: Host, request: { file: string; after?: AfterRestore }): Promise<FlowPlan<SaveContext>> {
  const file = isLocalUri(host.uri) ? resolve(request.file) : request.file;
  let domain = '';
  let refusal: string | null = null;
  try {
    domain = readDomainIdentity((await host.run(virshCommands.saveImageXml(file))).stdout).name;
    const state = await stateOf(host, domain).catch(() => null);
    if (state && online(state.state)) refusal = `${domain} is ${state.state}: it already runs; a save image restores only a shut-off domain`;
  } catch (error) {
    refusal = `${file} is not a save image libvirt can read: ${error instanceof Error ? error.message : String(error)}`;
  }
  return restorePlan(host, { file, domain, after: request.after ?? 'as-saved', refusal });
}

export function restorePlan(host: Host, params: RestoreParams): FlowPlan<SaveContext> {
  const restore = virshCommands.restoreDomain(params.file, afterFlags(params.after));
  const steps: StepDefinition<SaveContext>[] = [
    {
      id: 'restore',
      title: `restore ${params.domain || 'the domain'} from ${params.file}`,
      commands: [plannedVirsh(restore)],
      run: async (ctx) => {
        await ctx.host.run(restore);
      },
      check: async (ctx) => {
        const state = await stateOf(ctx.host, params.domain);
        return online(state.state) ? null : `${params.domain} is ${state.state}`;
      },
    },
  ];
  return {
    kind: 'restore',
    title: `Restore ${params.domain || params.file} from ${params.file}`,
    uri: host.uri,
    domain: params.domain,
    params,
    machine: new StepMachine<SaveContext>('restore', steps),
    context: { host },
    ...planDefaults(),
    consequences: [
      `${params.domain} continues where it was saved${params.after === 'as-saved' ? '' : `, ${params.after}`}`,
      `${params.file} stays (restore it again only together with the disks as they were at the save)`,
    ],
    downtime: 'reading the memory back (~1 s per 300 MiB)',
    warnings: [TRADE_OFFS[0]!],
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
  };
}

// ---- managedsave DOMAIN [--remove]

export interface ManagedSaveParams {
  domain: string;
  remove: boolean;
  after: AfterRestore;
  refusal: string | null;
}

export async function planManagedSave(host: Host, request: { domain: string; remove?: boolean; after?: AfterRestore }): Promise<FlowPlan<SaveContext>> {
  const state = await stateOf(host, request.domain);
  const remove = request.remove ?? false;
  let refusal: string | null = null;
  if (remove) {
    if (!(await managedSaveExists(host, request.domain))) refusal = `${request.domain} has no managed save image`;
  } else if (!online(state.state)) refusal = `${request.domain} is ${state.state}: only a running or paused domain has memory to save`;
  return managedSavePlan(host, { domain: request.domain, remove, after: request.after ?? 'as-saved', refusal });
}

export function managedSavePlan(host: Host, params: ManagedSaveParams): FlowPlan<SaveContext> {
  const { domain } = params;
  if (params.remove) {
    const command = virshCommands.managedSaveRemove(domain);
    const steps: StepDefinition<SaveContext>[] = [
      {
        id: 'remove',
        title: `remove ${domain}'s managed save image`,
        commands: [plannedVirsh(command)],
        run: async (ctx) => {
          await ctx.host.run(command);
        },
        check: async (ctx) => ((await managedSaveExists(ctx.host, domain)) ? 'the managed save image is still there' : null),
      },
    ];
    return {
      kind: 'managedsave-remove',
      title: `Remove ${domain}'s managed save image`,
      uri: host.uri,
      domain,
      params,
      machine: new StepMachine<SaveContext>('managedsave-remove', steps),
      context: { host },
      ...planDefaults(),
      consequences: [`the saved memory is lost for good: the next start of ${domain} boots it afresh`],
      downtime: 'none (the domain is shut off already)',
      warnings: [],
      confirmation: { kind: 'type-name', text: domain },
      refusal: params.refusal,
    };
  }
  const command = virshCommands.managedSaveDomain(domain, afterFlags(params.after));
  const start = virshCommands.startDomain(domain);
  const steps: StepDefinition<SaveContext>[] = [
    {
      id: 'managedsave',
      title: `save ${domain}'s memory into libvirt's managed save image and stop it`,
      commands: [plannedVirsh(command)],
      leavesState: `${domain} is shut off (saved); its next start restores it`,
      run: async (ctx) => {
        await ctx.host.run(command);
      },
      check: async (ctx) => ((await managedSaveExists(ctx.host, domain)) ? null : `${domain} has no managed save image`),
      undo: {
        title: `start ${domain} (which restores the managed save image)`,
        commands: [plannedVirsh(start)],
        run: async (ctx) => {
          if (!online((await stateOf(ctx.host, domain)).state)) await ctx.host.run(start);
        },
      },
    },
  ];
  return {
    kind: 'managedsave',
    title: `Managed save of ${domain}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<SaveContext>('managedsave', steps),
    context: { host },
    ...planDefaults(),
    consequences: [
      `${domain} is shut off (saved); its next start (virsh start, autostart after a host reboot) resumes it where it was`,
      'libvirt keeps the file; it is not a way back to an earlier state, and it is not in the snapshot tree',
      ...(params.after !== 'as-saved' ? [`the next start leaves it ${params.after}`] : []),
    ],
    downtime: 'from the save until the next start',
    warnings: [...TRADE_OFFS, 'If the disks change before the next start (a revert, an offline edit), the saved memory no longer matches them: remove the image with `virtsnap managedsave DOMAIN --remove` to boot afresh instead.'],
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
  };
}
