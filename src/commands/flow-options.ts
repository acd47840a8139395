// The options of every mutating subcommand (flow-cli.ts runs them). Apart from the runner so
// that registering a subcommand loads commander alone: its flow's code loads when it runs.

import type { Command } from 'commander';

export interface FlowFlags {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** The options every mutating subcommand takes, with the same words everywhere. */
export function addFlowOptions(command: Command): Command {
  return command
    .option('--dry-run', 'print the plan and exit; nothing changes')
    .option('-y, --yes', 'run the plan without asking')
    .option('--json', 'print the plan, each step event and the result as JSON lines');
}
