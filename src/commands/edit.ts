// `virtsnap edit DOMAIN SNAPSHOT`: change a snapshot's metadata through redefine.
//   --description TEXT   set it ('' removes it)       --current   make it the current snapshot
//   --rename NEW         rename, children kept attached and the current mark kept
//   (none of these)      edit the whole XML in $VISUAL/$EDITOR, checked before it is redefined

import type { Host } from '../engine/host.js';
import { editorFromEnv, runEditor } from '../engine/editor.js';
import { editDescription, setCurrentSnapshot } from '../engine/flows/edit-operations.js';
import { assertWritable } from '../engine/flows/edit-redefine.js';
import { describeProblem, runEditLoop, SnapshotEditSession, type EditLoopOutcome, type EditProblem } from '../engine/flows/edit-session.js';
import { discardRename, planRename, runRename, type RenameFlow, type RenameResult } from '../engine/flows/rename-flow.js';
import { formatPlannedCommand, type StepState } from '../engine/flows/step-machine.js';
import type { CliIo } from './context.js';
import type { Prompter } from './edit-prompt.js';
import { UsageError } from './errors.js';

export interface EditOptions {
  rename?: string;
  current?: boolean;
  description?: string;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
}

export interface EditDeps {
  io: CliIo;
  /** Present when stdin and stdout are a terminal. */
  prompter: Prompter | null;
}

/** Leaves the operator's text on disk and exits 1. */
export class EditKeptError extends Error {
  override name = 'EditKeptError';
}

/** The operator discarded the edit or declined the plan: nothing changed, exit 1. */
export class EditCancelledError extends Error {
  override name = 'EditCancelledError';
}

interface EditReport {
  domain: string;
  snapshot: string;
  description?: { changed: boolean; value: string | null };
  current?: boolean;
  xml?: { outcome: EditLoopOutcome['kind']; unchanged: boolean };
  rename?: { from: string; to: string; status: string; steps: StepState[]; workDir: string | null };
}

export function formatPlan(flow: RenameFlow): string {
  const lines = [`Plan: rename '${flow.outline.request.from}' to '${flow.outline.request.to}' in domain '${flow.outline.request.domain}'`];
  for (const [index, step] of flow.machine.plan().entries()) {
    lines.push(`  ${index + 1}. ${step.title}`);
    for (const command of step.commands) lines.push(`       ${formatPlannedCommand(command)}`);
  }
  for (const warning of flow.outline.warnings) lines.push(`  note: ${warning}`);
  return `${lines.join('\n')}\n`;
}

function formatProblem(problem: EditProblem): string {
  return `${describeProblem(problem)}\n`;
}

async function editXml(host: Host, domain: string, snapshot: string, options: EditOptions, deps: EditDeps): Promise<EditLoopOutcome> {
  const { io, prompter } = deps;
  const hasEditor = Boolean(io.env.VISUAL?.trim() || io.env.EDITOR?.trim());
  if (!io.isTty && !hasEditor) {
    throw new UsageError(
      'editing the XML needs a terminal (or $VISUAL/$EDITOR set to a non-interactive editor); without one use --description TEXT, --current or --rename NEW',
    );
  }
  const session = await SnapshotEditSession.open(host, domain, snapshot);
  const editor = editorFromEnv(io.env);
  return runEditLoop(session, {
    current: options.current,
    editor: (file) => runEditor(file, { env: io.env, editor }),
    decide: async (problem) => {
      io.stderr(formatProblem(problem));
      if (!prompter) return 'keep';
      const answer = await prompter.choose('Edit again (your text is kept) or discard it?', ['re-edit', 'discard'], 're-edit');
      return answer === 'discard' ? 'discard' : 're-edit';
    },
  });
}

async function rename(host: Host, domain: string, snapshot: string, to: string, options: EditOptions, deps: EditDeps): Promise<RenameResult> {
  const flow = await planRename(host, { domain, from: snapshot, to, force: options.force });
  deps.io.stderr(formatPlan(flow));
  if (flow.outline.refusal) {
    await discardRename(flow);
    throw new Error(flow.outline.refusal);
  }
  if (deps.prompter && !options.yes) {
    const answer = await deps.prompter.choose('Run this plan?', ['yes', 'no'], 'no');
    if (answer !== 'yes') {
      await discardRename(flow);
      throw new EditCancelledError('rename cancelled; nothing was changed');
    }
  }
  return runRename(host, flow);
}

/** Checks a rename can run before anything else changes, so a refused rename changes nothing. */
async function precheckRename(host: Host, domain: string, snapshot: string, to: string, force: boolean | undefined): Promise<void> {
  const flow = await planRename(host, { domain, from: snapshot, to, force });
  await discardRename(flow);
  if (flow.outline.refusal) {
    throw new Error(flow.outline.refusal);
  }
}

export async function editCommand(host: Host, domain: string, snapshot: string, options: EditOptions, deps: EditDeps): Promise<void> {
  const { io } = deps;
  assertWritable(host, domain);
  const report: EditReport = { domain, snapshot };
  const wantsRename = options.rename !== undefined;
  const wantsDescription = options.description !== undefined;
  const editorFree = wantsRename || wantsDescription || Boolean(options.current);
  if (wantsRename && options.rename === '') throw new UsageError('--rename needs a new name');

  if (wantsRename && (wantsDescription || options.current)) await precheckRename(host, domain, snapshot, options.rename!, options.force);

  if (!editorFree) {
    const outcome = await editXml(host, domain, snapshot, options, deps);
    report.xml = { outcome: outcome.kind, unchanged: outcome.kind === 'applied' && outcome.unchanged };
    if (outcome.kind === 'kept') {
      throw new EditKeptError(`nothing was changed; your text is kept in ${outcome.file}`);
    }
    if (outcome.kind === 'discarded') throw new EditCancelledError('edit discarded; nothing was changed');
    if (options.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else if (outcome.unchanged && !options.current) io.stdout(`Snapshot '${snapshot}' XML not changed.\n`);
    else io.stdout(`Snapshot '${snapshot}' redefined.\n`);
    return;
  }

  if (wantsDescription) {
    const value = options.description === '' ? null : options.description!;
    const result = await editDescription(host, domain, snapshot, value, { current: options.current });
    report.description = { changed: result.changed, value };
    if (options.current) report.current = true;
    if (!options.json) {
      const what = !result.changed ? 'unchanged' : value === null ? 'removed' : 'set';
      io.stdout(`Description of '${snapshot}' ${what}.\n`);
    }
  } else if (options.current) {
    await setCurrentSnapshot(host, domain, snapshot);
    report.current = true;
  }
  if (options.current && !options.json) io.stdout(`'${snapshot}' is now the current snapshot of '${domain}'.\n`);

  if (wantsRename) {
    const result = await rename(host, domain, snapshot, options.rename!, options, deps);
    report.rename = { from: snapshot, to: options.rename!, status: result.status, steps: result.steps, workDir: result.workDir };
    if (result.status !== 'done') {
      if (options.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      const failed = result.failedStep;
      throw new Error(
        `the rename stopped at step '${failed?.id ?? '?'}': ${failed?.message ?? 'stopped'}\n` +
          (result.leftState ? `  state now: ${result.leftState}\n` : '  nothing was changed\n') +
          `  the original XML and the journal are in ${result.workDir}`,
      );
    }
    report.snapshot = options.rename!;
    if (!options.json) io.stdout(`Renamed '${snapshot}' to '${options.rename!}'.\n`);
  }
  if (options.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
}
