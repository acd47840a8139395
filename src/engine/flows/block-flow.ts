// The commit/pull flow as data: a plan of steps the UI renders, each with its status, then
// executed in order by runBlockPlan. JSON-serialisable, like the rest of the model.

import type { BlockJobEvent } from '../jobs/block-job-types.js';
import type { VirshCommand } from '../virsh/commands.js';
import type { ChainChange, CommitMode } from './block-chain-change.js';
import type { CopyEstimate } from './block-space.js';

export type BlockStepId = 'start' | 'copy' | 'pivot' | 'keep-overlay' | 'synchronized' | 'verify' | 'forget-metadata' | 'delete-files';

export type BlockStepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface BlockFlowStep {
  id: BlockStepId;
  title: string;
  /** Longer explanation: which files, which snapshots. */
  detail: string | null;
  /** The virsh commands the step runs (argv without `virsh`), shown before anything runs. */
  commands: string[][];
  /** Optional steps can be switched off (forget-metadata: on by default; delete-files: off). */
  enabled: boolean;
  status: BlockStepStatus;
  error: string | null;
}

/** An external snapshot whose file for this disk leaves the chain: its metadata would point at nothing useful. */
export interface StaleSnapshot {
  name: string;
  /** Its file for this disk. */
  file: string;
  /** Other disks the snapshot also covers (their part of it is forgotten too). */
  otherDisks: string[];
}

export interface BlockPlan {
  operation: 'commit' | 'pull';
  domain: string;
  disk: string;
  /** Commit only. */
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
  steps: BlockFlowStep[];
}

export interface BlockRunResult {
  ok: boolean;
  /** completed, ready (left synchronized), detached (left running), aborted, failed. */
  outcome: 'completed' | 'ready' | 'detached' | 'aborted' | 'failed';
  plan: BlockPlan;
  final: BlockJobEvent | null;
  chainAfter: string[] | null;
  forgottenSnapshots: string[];
  deletedFiles: string[];
  error: string | null;
}

export function step(id: BlockStepId, title: string, detail: string | null, commands: string[][] = [], enabled = true): BlockFlowStep {
  return { id, title, detail, commands, enabled, status: enabled ? 'pending' : 'skipped', error: null };
}
