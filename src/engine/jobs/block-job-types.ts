// Block jobs as the engine reports them: plain data, JSON-serialisable, for the CLI and the TUI.

/** What kind of job runs on a disk, from virsh's job label. */
export type BlockJobKind = 'pull' | 'copy' | 'commit' | 'active-commit' | 'backup' | 'unknown';

/**
 * running: copying. ready: an active commit or copy has caught up and waits for a pivot or
 * an abort (libvirt's `<mirror ready='yes'>`). The other three are final.
 */
export type BlockJobPhase = 'running' | 'ready' | 'completed' | 'failed' | 'aborted';

export const FINAL_PHASES: ReadonlySet<BlockJobPhase> = new Set(['completed', 'failed', 'aborted']);

export interface BlockJobEvent {
  domain: string;
  /** Target name (`vda`). */
  disk: string;
  type: BlockJobKind;
  /** Bytes done and bytes in total as QEMU counts them (an active commit's end grows with guest writes). */
  cur: number;
  end: number;
  /** 0–100; 100 only once ready or completed (an active commit sits at end-1 just before ready). */
  percent: number;
  /** MiB/s; 0 = unlimited. */
  bandwidth: number;
  /** Measured bytes per second over the last seconds; null until two samples exist. */
  rate: number | null;
  /** Seconds left at the measured rate; null when unknown. */
  eta: number | null;
  phase: BlockJobPhase;
  /**
   * For jobs that follow guest writes (active commit, copy): false when the bytes left have
   * not gone down for a while, i.e. the guest writes faster than the job copies. null when
   * not measured (yet).
   */
  converging: boolean | null;
  /** Epoch milliseconds of the poll this event comes from. */
  at: number;
  /** Why a job failed, or what a final phase means. */
  message?: string;
}

/** A job found on the host: what `blockjob --raw` said, plus the mirror state of the domain XML. */
export interface RunningBlockJob {
  domain: string;
  disk: string;
  type: BlockJobKind;
  /** virsh's label (`Active Block Commit`). */
  label: string;
  cur: number;
  end: number;
  bandwidth: number;
  ready: boolean;
}

const KIND_BY_LABEL: Readonly<Record<string, BlockJobKind>> = {
  'Block Pull': 'pull',
  'Block Copy': 'copy',
  'Block Commit': 'commit',
  'Active Block Commit': 'active-commit',
  Backup: 'backup',
};

export function blockJobKind(label: string): BlockJobKind {
  return KIND_BY_LABEL[label] ?? 'unknown';
}

/** Jobs that end in `ready` and then wait for a pivot or an abort. */
export function isTwoPhase(kind: BlockJobKind): boolean {
  return kind === 'active-commit' || kind === 'copy';
}
