// The one-line notices of unfinished flows printed when a command opens a host, so that a flow
// left half-way (a crash, a kill, a failed step) is never forgotten: one line per flow on that
// host, naming the command that continues or undoes it.

import { Journal, type FlowRecord } from '../engine/flows/journal.js';
import type { CliIo } from './context.js';

/** Commands that only read (or that show the journal themselves) print no notice. */
const QUIET_COMMANDS: ReadonlySet<string> = new Set(['tree', 'show', 'jobs', 'journal', 'resume']);

/** Whether opening a host for this subcommand reports the host's unfinished flows. */
export function reportsUnfinishedFlows(command: string): boolean {
  return !QUIET_COMMANDS.has(command);
}

export function unfinishedNotice(flow: FlowRecord): string {
  const total = flow.begin.steps.length;
  return (
    `virtsnap: unfinished flow ${flow.id} (${flow.begin.kind}, ${flow.begin.domain}): ${flow.done.length} of ${total} steps done; ` +
    `\`virtsnap resume ${flow.id}\` continues it, \`--rollback\` undoes it, \`virtsnap journal\` shows it`
  );
}

/** Prints a notice per unfinished flow on `uri`. A journal that cannot be read is not the command's problem. */
export function noticeUnfinishedFlows(io: CliIo, uri: string, journal: Journal = new Journal()): void {
  let flows: FlowRecord[];
  try {
    flows = journal.unfinished(uri);
  } catch {
    return;
  }
  for (const flow of flows) io.stderr(`${unfinishedNotice(flow)}\n`);
}
