// `virtsnap resume FLOW`: picks an unfinished flow up again on its own host. The plan is
// rebuilt from the params its journal records (flow-kinds.ts), so the steps are the ones that
// were planned; what was done, what is in doubt and what remains is shown with the plan, and it
// is confirmed like every mutating command (--yes, --dry-run, no terminal without --yes refuses).
//
//   (default)     continue: done steps are not run again; the step in doubt is first checked on
//                 the host, and run only when its effect is not there
//   --rollback    the undos of the done steps (and of the one in doubt, when the host shows
//                 its effect), newest first
//   --resolve     the operator has put things right: the journal stops reporting the flow

import { demoUri } from '../engine/connect.js';
import { rebuildFlow } from '../engine/flows/flow-kinds.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { continueFlow, markResolved, rollbackFlow } from '../engine/flows/flow-run.js';
import { Journal, type FlowRecord } from '../engine/flows/journal.js';
import type { CliContext, ConnectionFlags } from './context.js';
import { exitWith, presentPlanFromCli, reportOutcome, stepEventPrinter, type FlowFlags } from './flow-cli.js';
import { flowListing, formatFlow, stepNumbered, type FlowListing } from './journal.js';

export interface ResumeFlags extends FlowFlags, ConnectionFlags {
  rollback?: boolean;
  resolve?: boolean;
}

function usage(context: CliContext, message: string): never {
  context.io.stderr(`virtsnap: ${message}\n`);
  exitWith(2);
}

/** The flow the operator names: its whole id, or a prefix (4 characters or more) that only it has. */
export function findFlow(journal: Journal, idOrPrefix: string): { record: FlowRecord | null; matches: number } {
  const record = journal.find(idOrPrefix);
  if (record) return { record, matches: 1 };
  return { record: null, matches: journal.flows().filter((f) => f.id.startsWith(idOrPrefix)).length };
}

/** What was done, what is in doubt, what remains, and what this run will do. */
function summary(flow: FlowListing, plan: FlowPlan, rollback: boolean): string {
  const lines = [...formatFlow(flow).slice(0, 3)];
  for (const id of flow.done) lines.push(`  done:      ${stepNumbered(flow, id)}`);
  if (flow.inDoubt) {
    lines.push(
      `  in doubt:  ${stepNumbered(flow, flow.inDoubt)}`,
      rollback
        ? '             (checked on the host first: undone only if its effect is there)'
        : '             (checked on the host first: run again only if its effect is not there)',
    );
  }
  for (const id of flow.remaining.filter((r) => r !== flow.inDoubt)) lines.push(`  remaining: ${stepNumbered(flow, id)}`);
  if (flow.failure) lines.push(`  failed at ${flow.failure.step}: ${flow.failure.message}`);
  if (rollback) {
    const undone = new Set([...flow.done, ...(flow.inDoubt ? [flow.inDoubt] : [])]);
    // the one in doubt is listed as possible: the rollback checks it first
    const undos = plan.machine
      .plan()
      .filter((s) => undone.has(s.id))
      .reverse()
      .map((s) => `  - ${s.undo ? s.undo.title : s.mutates ? `(“${s.title}” has no undo: the rollback stops there)` : `(nothing to undo for “${s.title}”)`}`);
    lines.push('Rolling back runs, newest first:', ...(undos.length ? undos : ['  (nothing: no step was done)']));
  } else lines.push('Continuing runs the remaining steps of this plan:');
  return `${lines.join('\n')}\n\n`;
}

export async function resumeCommand(context: CliContext, idOrPrefix: string, flags: ResumeFlags): Promise<void> {
  const { io } = context;
  if (flags.rollback && flags.resolve) usage(context, '--rollback and --resolve cannot be used together');
  const journal = new Journal();
  const { record, matches } = findFlow(journal, idOrPrefix);
  if (!record) {
    usage(
      context,
      matches > 1
        ? `${matches} flows start with ${idOrPrefix}; give more of the id (\`virtsnap journal\` lists them)`
        : `no flow ${idOrPrefix} in the journal ${journal.path}${idOrPrefix.length < 4 ? ' (a prefix needs 4 characters or more)' : ''}; \`virtsnap journal\` lists the flows`,
    );
  }
  const flow = flowListing(record);
  if (record.end) usage(context, `flow ${record.id} is not unfinished: it ended ${record.end.status}; there is nothing to resume`);

  if (flags.resolve) {
    if (flags.json) io.stdout(`${JSON.stringify({ type: 'flow', ...flow })}\n`);
    else io.stdout(`${formatFlow(flow).slice(0, 3).join('\n')}\n`);
    if (flags.dryRun) exitWith(0);
    markResolved(journal, record);
    if (flags.json) io.stdout(`${JSON.stringify({ type: 'result', status: 'resolved', flowId: record.id })}\n`);
    else io.stdout(`Flow ${record.id} marked resolved; it is no longer reported. The host was not contacted.\n`);
    return;
  }

  // The flow changes its own host: another -c (or --demo) is a mistake, not a redirection.
  const asked = flags.demo ? demoUri() : flags.connect;
  if (asked !== undefined && asked !== record.begin.uri) {
    usage(context, `flow ${record.id} ran on ${record.begin.uri}, not on ${asked}; resume it there (leave out -c, or give -c ${record.begin.uri})`);
  }
  const host = context.connect({ ...flags, demo: false, connect: record.begin.uri });
  let plan: FlowPlan;
  try {
    plan = await rebuildFlow(host, record);
  } catch (error) {
    usage(context, error instanceof Error ? error.message : String(error));
  }
  const rollback = Boolean(flags.rollback);
  if (flags.json) io.stdout(`${JSON.stringify({ type: 'flow', ...flow, action: rollback ? 'rollback' : 'continue' })}\n`);
  await presentPlanFromCli(plan, { io, host, flags, header: summary(flow, plan, rollback) });
  const options = { journal, onEntry: stepEventPrinter(io, flags, plan) };
  const outcome = rollback ? await rollbackFlow(plan, record, options) : await continueFlow(plan, record, options);
  reportOutcome(io, flags, outcome, (o) => (o.status === 'done' ? `Flow ${o.flowId} finished.\n` : `Flow ${o.flowId} rolled back.\n`));
  if (outcome.status !== (rollback ? 'rolled-back' : 'done')) exitWith(1);
}
