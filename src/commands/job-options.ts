// Option values shared by the block-job subcommands.

import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';

/** `--bandwidth MiB/s`: a whole number (libvirt takes MiB/s as an integer); 0 = unlimited where allowed. */
export function parseBandwidth(value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || (!allowZero && Number(value) === 0)) {
    throw new UsageError(`--bandwidth takes a whole number of MiB/s${allowZero ? '' : ' greater than 0'}, not '${value}'`);
  }
  return Number(value);
}

/** The flags `commit` and `pull` both take: copy speed, clean-up afterwards, and how the plan runs. */
export interface BlockPlanFlags extends FlowFlags {
  bandwidth?: string;
  keepMetadata?: boolean;
  deleteUnusedFiles?: boolean;
}

/** Adds the options of BlockPlanFlags, after the command's own, so both commands list them alike. */
export function addBlockPlanOptions(command: Command): Command {
  return addFlowOptions(
    command
      .option('--bandwidth <MiB/s>', 'copy at most this many MiB per second')
      .option('--keep-metadata', "keep the metadata of snapshots whose files leave the chain (default: forget it)")
      .option('--delete-unused-files', 'afterwards delete the files that left the chain, if no chain or snapshot uses them'),
  ).addHelpText('after', '\n--json prints one JSON object per line: the plan, each step event and each progress event ({"type":"progress","event":{…}}), then the result.');
}

/** The planner request fields BlockPlanFlags set; metadata is forgotten unless --keep-metadata. */
export function blockPlanSettings(flags: BlockPlanFlags): { bandwidthMiB?: number; forgetMetadata: boolean; deleteUnusedFiles?: boolean } {
  return {
    bandwidthMiB: parseBandwidth(flags.bandwidth),
    forgetMetadata: !flags.keepMetadata,
    deleteUnusedFiles: flags.deleteUnusedFiles,
  };
}
