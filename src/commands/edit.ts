// `virtsnap edit DOMAIN SNAPSHOT`: change a snapshot's metadata through redefine.
//   --description TEXT   set it ('' removes it)       --current   make it the current snapshot
//   --rename NEW         rename, children kept attached and the current mark kept
//   (none of these)      edit the whole XML in $VISUAL/$EDITOR, checked before it is redefined
//
// Rename, description and current are flows, run like every mutating command (flow-cli.ts):
// the plan, --dry-run, -y/--yes, --json, no terminal without --yes refuses (exit 2). With
// --rename, a --description or --current goes into the same rename (one redefine of the new
// name). The XML edit keeps its own loop (edit, check, re-edit or discard); without a terminal
// it runs only with --yes and a non-interactive $EDITOR.
//
// Exit codes: 0 done (or nothing to change), 1 libvirt or host failure, 2 usage error, refused
// plan (internal snapshot without --force, a name already taken, a read-only connection),
// cancelled, or edited XML that is not a valid snapshot.

import type { Host } from '../engine/host.js';
import { editorFromEnv, runEditor } from '../engine/editor.js';
import { planCurrent, planDescription } from '../engine/flows/metadata-flows.js';
import { describeProblem, runEditLoop, SnapshotEditSession, type EditProblem } from '../engine/flows/edit-session.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { planRename } from '../engine/flows/rename-flow.js';
import { RenameError } from '../engine/flows/rename-plan.js';
import { formatPlannedCommand } from '../engine/flows/step-machine.js';
import { virshCommands } from '../engine/virsh/commands.js';
import type { CliIo } from './context.js';
import type { Prompter } from './edit-prompt.js';
import { UsageError } from './errors.js';
import { exitWith, runPlanFromCli, type FlowFlags } from './flow-cli.js';

export interface EditOptions extends FlowFlags {
  rename?: string;
  current?: boolean;
  description?: string;
  force?: boolean;
}

export interface EditDeps {
  io: CliIo;
  /** Present when stdin and stdout are a terminal. */
  prompter: Prompter | null;
}

/** Problems in the operator's own text: refused (exit 2). libvirt's refusals and editor failures are host failures (exit 1). */
const TEXT_PROBLEMS: ReadonlySet<EditProblem['kind']> = new Set(['malformed', 'not-a-snapshot', 'renamed', 'schema']);

function refuse(io: CliIo, message: string): never {
  io.stderr(`virtsnap: ${message}\n`);
  exitWith(2);
}

/** A flow with no step: what was asked is already so. */
function reportUnchanged(io: CliIo, flags: FlowFlags, plan: FlowPlan, message: string): void {
  if (flags.json) io.stdout(`${JSON.stringify({ type: 'result', status: 'unchanged', kind: plan.kind, domain: plan.domain, message })}\n`);
  else io.stdout(`${message}\n`);
}

async function editXml(host: Host, domain: string, snapshot: string, options: EditOptions, deps: EditDeps): Promise<void> {
  const { io, prompter } = deps;
  const hasEditor = Boolean(io.env.VISUAL?.trim() || io.env.EDITOR?.trim());
  if (!io.isTty && !hasEditor) {
    throw new UsageError(
      'editing the XML needs a terminal (or $VISUAL/$EDITOR set to a non-interactive editor); without one use --description TEXT, --current or --rename NEW',
    );
  }
  if (options.dryRun) {
    const command = virshCommands.createSnapshotFromFile(domain, '<edited file>', { redefine: true, current: options.current });
    io.stdout(
      `Edit the XML of '${snapshot}' in ${editorFromEnv(io.env)}, check it (well-formed, same name, libvirt's schema), then redefine it:\n` +
        `  $ ${formatPlannedCommand({ program: 'virsh', args: command.args, mutates: true })}\n`,
    );
    exitWith(0);
  }
  if (!io.isTty && !options.yes) {
    refuse(io, 'not run: there is no terminal to confirm on; add --yes to run $EDITOR on the XML and redefine the result, or --dry-run to see what would run');
  }
  const session = await SnapshotEditSession.open(host, domain, snapshot);
  const editor = editorFromEnv(io.env);
  const outcome = await runEditLoop(session, {
    current: options.current,
    editor: (file) => runEditor(file, { env: io.env, editor }),
    decide: async (problem) => {
      io.stderr(`${describeProblem(problem)}\n`);
      if (!prompter) return 'keep';
      const answer = await prompter.choose('Edit again (your text is kept) or discard it?', ['re-edit', 'discard'], 're-edit');
      return answer === 'discard' ? 'discard' : 're-edit';
    },
  });
  if (outcome.kind === 'kept') {
    io.stderr(`virtsnap: nothing was changed; your text is kept in ${outcome.file}\n`);
    exitWith(TEXT_PROBLEMS.has(outcome.problem.kind) ? 2 : 1);
  }
  if (outcome.kind === 'discarded') refuse(io, 'edit discarded; nothing was changed');
  const changed = !outcome.unchanged || Boolean(options.current);
  if (options.json) {
    io.stdout(`${JSON.stringify({ type: 'result', status: changed ? 'done' : 'unchanged', kind: 'edit', domain, snapshot })}\n`);
  } else io.stdout(changed ? `Snapshot '${snapshot}' redefined.\n` : `Snapshot '${snapshot}' XML not changed.\n`);
}

async function rename(host: Host, domain: string, snapshot: string, to: string, options: EditOptions, io: CliIo): Promise<void> {
  let plan;
  try {
    plan = await planRename(host, {
      domain,
      from: snapshot,
      to,
      force: options.force,
      ...(options.description !== undefined ? { description: options.description } : {}),
      makeCurrent: options.current,
    });
  } catch (error) {
    if (error instanceof RenameError && error.refused) refuse(io, `cannot rename: ${error.message}`);
    throw error;
  }
  await runPlanFromCli(plan as FlowPlan, { io, host, flags: options, describeDone: () => `Renamed '${snapshot}' to '${to}'.\n` });
}

async function description(host: Host, domain: string, snapshot: string, text: string, options: EditOptions, io: CliIo): Promise<void> {
  const value = text === '' ? null : text;
  const plan = await planDescription(host, { domain, snapshot, description: value, makeCurrent: options.current });
  if (plan.params.unchanged) {
    reportUnchanged(io, options, plan as FlowPlan, `Description of '${snapshot}' unchanged${options.current ? `; '${snapshot}' already is the current snapshot` : ''}.`);
    return;
  }
  await runPlanFromCli(plan as FlowPlan, {
    io,
    host,
    flags: options,
    describeDone: () =>
      `Description of '${snapshot}' ${value === null ? 'removed' : 'set'}.\n` +
      (plan.params.makeCurrent ? `'${snapshot}' is now the current snapshot of '${domain}'.\n` : ''),
  });
}

/** Makes a snapshot current through the flow runner (also `virtsnap current DOMAIN SNAPSHOT`). */
export async function makeCurrent(host: Host, domain: string, snapshot: string, flags: FlowFlags, io: CliIo): Promise<void> {
  if (host.readonly) refuse(io, 'the connection is read-only (--readonly): this changes the host, so nothing was run');
  const plan = await planCurrent(host, { domain, snapshot });
  if (plan.params.unchanged) {
    reportUnchanged(io, flags, plan as FlowPlan, `'${snapshot}' already is the current snapshot of '${domain}'.`);
    return;
  }
  await runPlanFromCli(plan as FlowPlan, { io, host, flags, describeDone: () => `'${snapshot}' is now the current snapshot of '${domain}'.\n` });
}

export async function editCommand(host: Host, domain: string, snapshot: string, options: EditOptions, deps: EditDeps): Promise<void> {
  const { io } = deps;
  if (options.rename === '') throw new UsageError('--rename needs a new name');
  if (host.readonly) {
    refuse(io, 'the connection is read-only (--readonly): an edit changes the host, so nothing was run');
  }
  if (options.rename !== undefined) return rename(host, domain, snapshot, options.rename, options, io);
  if (options.description !== undefined) return description(host, domain, snapshot, options.description, options, io);
  if (options.current) return makeCurrent(host, domain, snapshot, options, io);
  return editXml(host, domain, snapshot, options, deps);
}
