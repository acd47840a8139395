// Every flow kind that can be picked up from the journal, by the name it journals under. Each
// entry rebuilds the flow's plan from the params its `begin` line recorded, so `resume`
// continues or rolls back exactly the steps that were planned. A new flow adds itself here.

import type { Host } from '../host.js';
import type { FlowPlan } from './flow-plan.js';
import type { FlowRecord } from './journal.js';
import { deletePlan, type DeleteParams } from './delete.js';
import { revertPlan, type RevertParams } from './revert.js';
import { createPlan, type CreateParams } from '../create/create-flow.js';
import type { BlockPlan } from './block-flow.js';
import { blockFlowPlan } from './block-run.js';
import type { MergeParams } from './merge-plan.js';
import { mergeFlowPlan } from './merge-run.js';
import { abortJobPlan, jobBandwidthPlan, pivotJobPlan, type JobActionParams } from './block-job-actions.js';
import { renamePlan } from './rename-flow.js';
import type { RenameParams } from './rename-plan.js';
import { currentPlan, descriptionPlan, type CurrentParams, type DescriptionParams } from './metadata-flows.js';
import { backupSnapshotPlan, type BackupSnapshotParams } from './backup-snapshot.js';
import { backupPushPlan, type BackupPushParams } from './backup-push.js';
import { restoreBackupPlan, type RestoreBackupParams } from './backup-restore.js';
import { checkpointDeletePlan, type CheckpointDeleteParams } from './checkpoint.js';
import { managedSavePlan, restorePlan, savePlan, type ManagedSaveParams, type RestoreParams, type SaveParams } from './save.js';
import { manualSnapshotPlan, type ManualSnapshotParams } from './manual-snapshot.js';

type Rebuild = (host: Host, params: unknown) => FlowPlan | Promise<FlowPlan>;

const KINDS: Record<string, Rebuild> = {
  revert: (host, params) => revertPlan(host, params as RevertParams) as FlowPlan,
  delete: (host, params) => deletePlan(host, params as DeleteParams) as FlowPlan,
  // A create in doubt is checked first (the snapshot or its files exist): it never creates twice.
  create: (host, params) => createPlan(host, params as CreateParams) as FlowPlan,
  // A resumed commit or pull follows the job already running; its checks keep it from starting another.
  'block-commit': (host, params) => blockFlowPlan(host, params as BlockPlan) as FlowPlan,
  'block-pull': (host, params) => blockFlowPlan(host, params as BlockPlan) as FlowPlan,
  'block-copy': (host, params) => blockFlowPlan(host, params as BlockPlan) as FlowPlan,
  // Offline merges re-run qemu-img commit/rebase (which write the same data again); several-disk merges skip the disks done.
  'offline-commit': (host, params) => mergeFlowPlan(host, params as MergeParams) as FlowPlan,
  'offline-pull': (host, params) => mergeFlowPlan(host, params as MergeParams) as FlowPlan,
  'block-commit-disks': (host, params) => mergeFlowPlan(host, params as MergeParams) as FlowPlan,
  'block-pull-disks': (host, params) => mergeFlowPlan(host, params as MergeParams) as FlowPlan,
  'block-job-abort': (host, params) => abortJobPlan(host, params as JobActionParams) as FlowPlan,
  'block-job-pivot': (host, params) => pivotJobPlan(host, params as JobActionParams) as FlowPlan,
  'block-job-bandwidth': (host, params) => jobBandwidthPlan(host, params as JobActionParams) as FlowPlan,
  rename: (host, params) => renamePlan(host, params as RenameParams) as FlowPlan,
  description: (host, params) => descriptionPlan(host, params as DescriptionParams) as FlowPlan,
  current: (host, params) => currentPlan(host, params as CurrentParams) as FlowPlan,
  // Backups: a resumed one finishes (or rolls back) with the domain on its own files again.
  'backup-snapshot': (host, params) => backupSnapshotPlan(host, params as BackupSnapshotParams) as FlowPlan,
  'backup-push': (host, params) => backupPushPlan(host, params as BackupPushParams) as FlowPlan,
  'restore-backup': (host, params) => restoreBackupPlan(host, params as RestoreBackupParams) as FlowPlan,
  'checkpoint-delete': (host, params) => checkpointDeletePlan(host, params as CheckpointDeleteParams) as FlowPlan,
  save: (host, params) => savePlan(host, params as SaveParams) as FlowPlan,
  restore: (host, params) => restorePlan(host, params as RestoreParams) as FlowPlan,
  managedsave: (host, params) => managedSavePlan(host, params as ManagedSaveParams) as FlowPlan,
  'managedsave-remove': (host, params) => managedSavePlan(host, params as ManagedSaveParams) as FlowPlan,
  // Resuming a manual-storage snapshot confirms the storage part and resumes the paused guest.
  'manual-snapshot': (host, params) => manualSnapshotPlan(host, params as ManualSnapshotParams) as FlowPlan,
};

export function resumableKinds(): string[] {
  return Object.keys(KINDS);
}

/** The plan of a journaled flow, rebuilt for `host` (which must be the flow's own host). */
export async function rebuildFlow(host: Host, record: FlowRecord): Promise<FlowPlan> {
  const rebuild = KINDS[record.begin.kind];
  if (!rebuild) {
    throw new Error(`flow ${record.id} (${record.begin.kind}) cannot be resumed by virtsnap; check the host and mark it resolved`);
  }
  if (record.begin.uri !== host.uri) {
    throw new Error(`flow ${record.id} ran on ${record.begin.uri}; connect to that host (-c ${record.begin.uri}) to resume it`);
  }
  return rebuild(host, record.begin.params);
}
