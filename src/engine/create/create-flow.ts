// Creating a snapshot as a flow: the planner's plan (verdict, method, XML, files, pause) becomes
// a FlowPlan whose steps are the plan's virsh commands, each with the files it creates, a check
// that its effect is on the host, and an undo. It is journaled like every mutating flow, and a
// create whose step is in doubt after a crash is checked first, so it never creates twice.
//
// planCreate reads the domain once and plans (CreateParams, plain JSON); createPlan builds the
// steps from those params alone, so that `resume` rebuilds the same steps.

import { existsSync } from 'node:fs';
import type { Host, SnapshotWithXml } from '../host.js';
import { parseNameList } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { VirshCommandError, VirshError } from '../virsh/errors.js';
import { isLocalUri } from '../flows/block-space.js';
import { filesOf } from '../host-files.js';
import { planWithHostFiles } from './remote-environment.js';
import type { FlowPlan } from '../flows/flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from '../flows/step-machine.js';
import { readPlannerDomain, systemPlannerEnvironment } from './domain-facts.js';
import { cleanUp, CreateFailedError, noMetadata, plannedName, PlanNotRunnableError, removeUnusedCreatedFiles, type ExecuteResult } from './execute.js';
import { Journal } from '../flows/journal.js';
import { runFlow, type FlowRunOutcome } from '../flows/flow-run.js';
import { HostUnchangedError } from '../flows/host-unchanged.js';
import type { JournalEntry } from '../flows/step-machine.js';
import { planSnapshot } from './planner.js';
import type { CreateRequest, Plan, PlannerDomain, PlannerEnvironment } from './types.js';

export interface CreateParams {
  domain: string;
  /** The domain's state when the plan was made (null when not known). */
  stateBefore: PlannerDomain['state'] | null;
  /** The planner's plan, as shown. */
  plan: Plan;
  /** Whether the plan's files are on this machine (a local, non-test URI): only then are they checked and cleaned up. */
  localFiles: boolean;
  /** The name asked for, shown when a refused plan has no XML to take it from. */
  requestedName?: string;
}

export interface CreateContext {
  host: Host;
  /** Planned files that existed before the run: never removed. Set again when the run starts. */
  preExisting: Set<string>;
  /** What the run produced. */
  result: { snapshot: SnapshotWithXml | null; warnings: string[] };
}

/** Whether the files a plan names are on this machine: not for the test driver's imaginary ones, nor a remote host's. */
export function filesAreLocal(uri: string): boolean {
  return isLocalUri(uri) && !uri.startsWith('test:');
}

/**
 * The planner's environment for a host: the test driver's files are imaginary, nothing exists
 * there (so libvirt's test driver, which stat()s a disk's image to name an overlay after it,
 * refuses default overlay names, and the plan says so).
 */
export function plannerEnvironmentFor(uri: string): PlannerEnvironment {
  return uri.startsWith('test:')
    ? { ...systemPlannerEnvironment, fileExists: () => false, fileSize: () => null, isRegularFile: () => false }
    : systemPlannerEnvironment;
}

/** Params from a plan already made (the TUI form plans as the operator types). */
export function createParams(host: Host, facts: Pick<PlannerDomain, 'name' | 'state'>, plan: Plan): CreateParams {
  return { domain: facts.name, stateBefore: facts.state, plan, localFiles: filesAreLocal(host.uri) };
}

/** Reads the domain (read-only commands), plans the request, and builds the flow. */
export async function planCreate(
  host: Host,
  domain: string,
  request: CreateRequest,
  environment: PlannerEnvironment = systemPlannerEnvironment,
): Promise<FlowPlan<CreateContext>> {
  const facts = await readPlannerDomain(host, domain);
  const files = filesOf(host);
  // A remote host's files are looked up there (over SSH), never on this machine.
  const plan =
    environment === systemPlannerEnvironment && files.kind !== 'local' && !host.uri.startsWith('test:')
      ? await planWithHostFiles(files, environment, (env) => planSnapshot(facts, request, env))
      : planSnapshot(facts, request, environment);
  return createPlan(host, { ...createParams(host, facts, plan), requestedName: request.name });
}

async function snapshotListed(host: Host, domain: string, name: string): Promise<boolean> {
  return parseNameList((await host.run(virshCommands.snapshotNames(domain))).stdout).includes(name);
}

/** Planned files that do not exist before the run: the ones the run creates. */
const newFiles = (plan: Plan) => plan.files.filter((f) => !f.exists).map((f) => f.path);

/** The steps, from the params alone. */
export function createPlan(host: Host, params: CreateParams): FlowPlan<CreateContext> {
  const { domain, plan } = params;
  const name = plannedName(plan);
  const metadata = !noMetadata(plan);
  const created = newFiles(plan);
  const shownName = name ?? params.requestedName ?? '(named by libvirt)';
  const fileExists = (path: string) => (params.localFiles ? existsSync(path) : false);

  const undoCommands = [
    ...(metadata && name !== null ? [plannedVirsh(virshCommands.deleteSnapshot(domain, name))] : []),
    ...(created.length > 0 ? [{ program: 'rm', args: created, mutates: true }] : []),
  ];
  const undo: StepDefinition<CreateContext>['undo'] = {
    title:
      metadata && name !== null
        ? `delete snapshot “${name}” (libvirt's record and what it made) and remove the files this run created that nothing uses`
        : 'remove the files this run created that nothing uses (libvirt keeps no record of the snapshot)',
    commands: undoCommands,
    run: async (ctx, journal) => {
      if (metadata && name !== null) {
        if (await snapshotListed(ctx.host, domain, name)) await ctx.host.run(virshCommands.deleteSnapshot(domain, name));
        else journal.note(`snapshot “${name}” is already gone`);
      }
      if (!params.localFiles) return;
      const { removed, kept } = await removeUnusedCreatedFiles(ctx.host, domain, plan, ctx.preExisting, existsSync);
      if (removed.length > 0) journal.note(`removed ${removed.join(', ')}`);
      for (const file of kept) journal.note(`kept ${file.path}: ${file.why}`);
    },
  };

  const steps: StepDefinition<CreateContext>[] = plan.commands.map((args, index) => {
    const command = virshCommands.plannedCommand(args);
    const last = index === plan.commands.length - 1;
    return {
      id: plan.commands.length === 1 ? 'create' : `command-${index + 1}`,
      title: last
        ? metadata
          ? `create snapshot “${shownName}” of ${domain} (${plan.method ?? 'libvirt'})`
          : `create snapshot “${shownName}” of ${domain} without metadata (libvirt keeps no record of it)`
        : `run ${args[0] ?? 'virsh'}`,
      commands: [plannedVirsh(command)],
      creates: last ? created : [],
      leavesState: last
        ? metadata
          ? `snapshot “${shownName}” exists${created.length > 0 ? ` with ${created.join(', ')}` : ''}`
          : 'the snapshot was taken; libvirt keeps no record of it'
        : undefined,
      run: async (ctx, journal) => {
        if (index === 0) {
          // What exists now is never ours to remove; a file the plan expected to make must not have appeared since.
          const appeared = created.filter(fileExists);
          if (appeared.length > 0) {
            throw new HostUnchangedError(`${appeared.join(', ')} exists now, but did not when the plan was made: plan again`);
          }
          ctx.preExisting = new Set(plan.files.filter((f) => fileExists(f.path)).map((f) => f.path));
          if (metadata && name !== null && (await snapshotListed(ctx.host, domain, name))) {
            // libvirt would refuse too; asked first, a snapshot found after a failure is known to be this run's.
            throw new CreateFailedError(new Error(`${domain} already has a snapshot named “${name}”`), args, [], [], true);
          }
        }
        try {
          const result = await ctx.host.run(command);
          ctx.result.warnings.push(...result.warnings);
          for (const warning of result.warnings) journal.note(`libvirt warning: ${warning}`);
        } catch (error) {
          if (!(error instanceof VirshError)) throw error;
          if (!(error instanceof VirshCommandError)) {
            // virsh timed out or died: libvirt may still be writing these files, so none is touched.
            const why = 'virsh stopped answering, so libvirt may still be using it; check the snapshot and remove it by hand';
            const kept = plan.files.filter((f) => !ctx.preExisting.has(f.path) && fileExists(f.path)).map((f) => ({ path: f.path, why }));
            throw new CreateFailedError(error, args, [], kept, false);
          }
          const { removed, kept, recorded } = await cleanUp(ctx.host, domain, plan, ctx.preExisting, fileExists);
          throw new CreateFailedError(error, args, removed, kept, kept.length === 0 && !recorded);
        }
        if (!last) return;
        if (!metadata) return;
        const snapshotName = name ?? (await ctx.host.currentSnapshotName(domain));
        ctx.result.snapshot = snapshotName === null ? null : await ctx.host.snapshot(domain, snapshotName);
      },
      check: last
        ? async (ctx) => {
            if (metadata && name !== null && !(await snapshotListed(ctx.host, domain, name))) return `libvirt has no snapshot “${name}”`;
            // Without metadata (and no files) nothing on the host tells: it counts as done, so it is never taken twice.
            const remote = !params.localFiles && filesOf(ctx.host).kind === 'ssh' ? await filesOf(ctx.host).probe(created) : null;
            const missing = created.filter((path) => (params.localFiles ? !existsSync(path) : remote?.get(path)?.exists === false));
            return missing.length > 0 ? `${missing.join(', ')} was not created` : null;
          }
        : undefined,
      undo: last ? undo : undefined,
    };
  });

  const consequences: string[] = [];
  const after = plan.domainStateAfter ?? null;
  if (after !== null && params.stateBefore !== null && after !== params.stateBefore) {
    consequences.push(
      after === 'paused'
        ? `${domain} stays paused afterwards: resume it with \`virsh resume ${domain}\``
        : `${domain} is ${after === 'shutoff' ? 'shut off' : after} afterwards`,
    );
  }
  if (!metadata) consequences.push('libvirt keeps no record of the snapshot: it will not show in the tree');

  return {
    kind: 'create',
    title: `Create snapshot “${shownName}” of ${domain}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<CreateContext>('create', steps),
    context: { host, preExisting: new Set(plan.files.filter((f) => f.exists).map((f) => f.path)), result: { snapshot: null, warnings: [] } },
    consequences,
    downtime: plan.pause.description,
    warnings: plan.warnings,
    confirmation: { kind: 'choice' },
    refusal: plan.verdict === 'ok' ? null : `${plan.verdict}: ${plan.reason ?? 'libvirt would refuse this snapshot'}`,
    filesLeft: [],
  };
}

/**
 * Runs an `ok` plan on `domain` as a journaled flow. Throws PlanNotRunnableError for any other
 * verdict (nothing runs, nothing is journaled), and the step's error (CreateFailedError, after
 * the cleanup) when a command fails.
 */
export async function executePlan(
  host: Host,
  domain: string,
  plan: Plan,
  options: { journal?: Journal; onEntry?: (entry: JournalEntry) => void } = {},
): Promise<ExecuteResult & { flow: FlowRunOutcome }> {
  if (plan.verdict !== 'ok') throw new PlanNotRunnableError(plan);
  const flow = createPlan(host, { domain, stateBefore: null, plan, localFiles: filesAreLocal(host.uri) });
  const outcome = await runFlow(flow, { journal: options.journal ?? new Journal(), onEntry: options.onEntry });
  if (outcome.status !== 'done') throw outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error ?? outcome.status));
  return { ...flow.context.result, flow: outcome };
}
