// The ways of capturing a domain's state, compared on the points that decide between them
// (after libvirt's "Domain state capture" page, with what was measured on libvirt 9.0 / QEMU
// 7.2). One table for the README, docs/capture-methods.md and the TUI's capture menu.

export type CaptureMethodId =
  | 'internal-snapshot'
  | 'external-snapshot'
  | 'external-disk-only-snapshot'
  | 'manual-storage-snapshot'
  | 'backup-temporary-snapshot'
  | 'backup-push'
  | 'save'
  | 'managedsave';

export interface CaptureMethod {
  id: CaptureMethodId;
  /** Short label for a menu. */
  label: string;
  /** The virtsnap command that does it. */
  command: string;
  /** The libvirt API underneath. */
  libvirt: string;
  captures: 'memory' | 'disks' | 'memory and disks' | 'memory (disks by you)';
  /** How long the guest stops, in plain words. */
  downtime: string;
  /** Whether the guest keeps running once the capture is made. */
  guestKeepsRunning: boolean;
  /** Who keeps the files: libvirt (inside images or its own directory), or you. */
  filesManagedBy: string;
  /** Whether it appears in the domain's snapshot tree. */
  inSnapshotTree: boolean;
  /** Full copies only, or incremental ones too. */
  incremental: boolean;
  /** When to use it, and what it costs. */
  notes: string;
}

export const CAPTURE_METHODS: readonly CaptureMethod[] = [
  {
    id: 'internal-snapshot',
    label: 'Internal snapshot',
    command: 'virtsnap create DOMAIN NAME',
    libvirt: 'virDomainSnapshotCreateXML (savevm)',
    captures: 'memory and disks',
    downtime: 'paused while QEMU writes memory into the qcow2 image (50–90 ms for 128 MiB, ~5 s per 1.5 GiB of dirty RAM); no progress',
    guestKeepsRunning: true,
    filesManagedBy: 'libvirt (inside the qcow2 images)',
    inSnapshotTree: true,
    incremental: false,
    notes: 'One file, easy revert. qcow2 only; no quiesce. Reverting with checkpoints present fails on 9.0 (docs/backup.md).',
  },
  {
    id: 'external-snapshot',
    label: 'External snapshot (memory + disks)',
    command: 'virtsnap create DOMAIN NAME --memspec FILE --diskspec …',
    libvirt: 'virDomainSnapshotCreateXML (migrate to file + transaction)',
    captures: 'memory and disks',
    downtime: 'paused while memory is written (~1 s per 300 MiB in use); --live: only the last pass',
    guestKeepsRunning: true,
    filesManagedBy: 'you keep the memory file and overlays; libvirt records them',
    inSnapshotTree: true,
    incremental: false,
    notes: 'The guest continues on new overlays: the chain grows. Revert needs virtsnap’s guided route on 9.0.',
  },
  {
    id: 'external-disk-only-snapshot',
    label: 'External disk-only snapshot',
    command: 'virtsnap create DOMAIN NAME --disk-only',
    libvirt: 'virDomainSnapshotCreateXML (transaction)',
    captures: 'disks',
    downtime: 'none (one QEMU transaction, ~60 ms); with --quiesce the guest’s file systems freeze briefly',
    guestKeepsRunning: true,
    filesManagedBy: 'you keep the overlays; libvirt records them',
    inSnapshotTree: true,
    incremental: false,
    notes: 'Crash-consistent (or file-system consistent with a guest agent). Merge back with commit.',
  },
  {
    id: 'manual-storage-snapshot',
    label: 'Snapshot with manual storage',
    command: 'virtsnap manual-snapshot DOMAIN [NAME]',
    libvirt: "virDomainSnapshotCreateXML with disks snapshot='manual'",
    captures: 'memory (disks by you)',
    downtime: 'paused from the memory capture until you confirm your storage snapshot',
    guestKeepsRunning: true,
    filesManagedBy: 'libvirt records the memory file; your storage keeps the disk snapshots',
    inSnapshotTree: true,
    incremental: false,
    notes: 'For LVM, SAN or vhost-user storage libvirt cannot snapshot. virtsnap resumes the guest after your confirmation (or on cancel).',
  },
  {
    id: 'backup-temporary-snapshot',
    label: 'Backup through a temporary snapshot',
    command: 'virtsnap backup DOMAIN --to DIR',
    libvirt: 'disk-only snapshot (no metadata) + qemu-img convert + virDomainBlockCommit (active, pivot)',
    captures: 'disks',
    downtime: 'none (file systems frozen for the snapshot only, when a guest agent answers)',
    guestKeepsRunning: true,
    filesManagedBy: 'you (standalone images in DIR)',
    inSnapshotTree: false,
    incremental: false,
    notes: 'Works on every libvirt; the domain ends on its own files. Full copies only.',
  },
  {
    id: 'backup-push',
    label: 'Backup job with checkpoints (full or incremental)',
    command: 'virtsnap backup DOMAIN --to DIR --method push, then --incremental',
    libvirt: 'virDomainBackupBegin (push mode) + virDomainCheckpointCreateXML',
    captures: 'disks',
    downtime: 'none',
    guestKeepsRunning: true,
    filesManagedBy: 'you (images in DIR); libvirt keeps the checkpoints (qcow2 dirty bitmaps)',
    inSnapshotTree: false,
    incremental: true,
    notes: 'Point in time = when the job starts; incrementals hold only changed clusters. Needs a running domain and qcow2 disks.',
  },
  {
    id: 'save',
    label: 'Save to a file',
    command: 'virtsnap save DOMAIN FILE',
    libvirt: 'virDomainSave',
    captures: 'memory',
    downtime: 'the domain stops until `virtsnap restore FILE`',
    guestKeepsRunning: false,
    filesManagedBy: 'you (FILE)',
    inSnapshotTree: false,
    incremental: false,
    notes: 'Restoring is only safe while the disks are unchanged; pair it with a disk copy to go back in time.',
  },
  {
    id: 'managedsave',
    label: 'Managed save',
    command: 'virtsnap managedsave DOMAIN',
    libvirt: 'virDomainManagedSave',
    captures: 'memory',
    downtime: 'the domain stops until its next start, which restores it',
    guestKeepsRunning: false,
    filesManagedBy: 'libvirt (/var/lib/libvirt/qemu/save)',
    inSnapshotTree: false,
    incremental: false,
    notes: 'For host reboots: the next `virsh start` resumes the guest. Not a way back to an earlier state.',
  },
];

/** The table as Markdown rows (README, docs/capture-methods.md). */
export function captureMethodsMarkdown(): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  // A `|` in a cell would end it.
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = [
    '| method | command | captures | downtime | guest keeps running | files kept by | in snapshot tree | incremental |',
    '|---|---|---|---|---|---|---|---|',
    ...CAPTURE_METHODS.map(
      (m) =>
        `| ${cell(m.label)} | \`${cell(m.command)}\` | ${cell(m.captures)} | ${cell(m.downtime)} | ${yes(m.guestKeepsRunning)} | ${cell(m.filesManagedBy)} | ${yes(m.inSnapshotTree)} | ${yes(m.incremental)} |`,
    ),
  ];
  return `${rows.join('\n')}\n`;
}
