// A block commit or pull as data: what the pre-flight decided (BlockPlan: plain JSON, the flow's
// params, from which block-run.ts builds the same steps every time), and what a run produced.

import type { BlockJobEvent } from '../jobs/block-job-types.js';
import type { VirshCommand } from '../virsh/commands.js';
import type { ChainChange, CommitMode } from './block-chain-change.js';
import type { CopyEstimate } from './block-space.js';
import type { FlowRunOutcome } from './flow-run.js';

export type BlockStepId = 'start' | 'copy' | 'pivot' | 'keep-overlay' | 'synchronized' | 'verify' | 'forget-metadata' | 'delete-files';

/** An external snapshot whose file for this disk leaves the chain: its metadata would point at nothing useful. */
export interface StaleSnapshot {
  name: string;
  /** Its file for this disk. */
  file: string;
  /** Other disks the snapshot also covers (their part of it is forgotten too). */
  otherDisks: string[];
}

export interface BlockPlan {
  /** copy: a block copy (copy-plan.ts), whose modes are pivot, keep-overlay (finish: the disk stays) and synchronized. */
  operation: 'commit' | 'pull' | 'copy';
  domain: string;
  disk: string;
  /** Commit and copy only. */
  mode: CommitMode | null;
  bandwidthMiB: number | null;
  /** The command that starts the job (built in virsh/commands.ts). */
  start: VirshCommand;
  change: ChainChange;
  copy: CopyEstimate | null;
  /** Free bytes where the target file lives; null when not local or unknown. */
  freeBytes: number | null;
  warnings: string[];
  /** Why the plan must not run; null when it may. */
  refusal: string | null;
  staleSnapshots: StaleSnapshot[];
  /** Forget the metadata of the stale snapshots afterwards (a step only when there are some). */
  forgetMetadata: boolean;
  /** Delete the files that left the chain afterwards, if nothing uses them (a step only when asked and there are some). */
  deleteFiles: boolean;
}

export interface BlockRunResult {
  ok: boolean;
  /** completed, ready (left synchronized), detached (left running), aborted, failed. */
  outcome: 'completed' | 'ready' | 'detached' | 'aborted' | 'failed';
  plan: BlockPlan;
  /** The flow as it ran: step statuses, the journal's flow id, whether it is unfinished. */
  flow: FlowRunOutcome;
  final: BlockJobEvent | null;
  chainAfter: string[] | null;
  forgottenSnapshots: string[];
  deletedFiles: string[];
  /** Files that left the chain and stay, and who uses them. */
  keptFiles: string[];
  error: string | null;
}
