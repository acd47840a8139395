// Every virsh command virtsnap runs is built here, and nowhere else.
//
// Values are always passed as `--option=value`: virsh then takes the value verbatim, so a
// snapshot named `-x` or `--force` can never be read as an option, and no positional
// guessing happens. Each command says whether it changes the host, which is what
// read-only mode enforces.

export interface VirshCommand {
  readonly args: readonly string[];
  /** True when the command changes the host (refused in read-only mode). */
  readonly mutates: boolean;
}

type OptionValue = string | number | boolean | undefined | null | readonly string[];

/** `build('snapshot-list', {domain: 'x', parent: true})` → `snapshot-list --domain=x --parent`. */
function build(name: string, options: Record<string, OptionValue>, mutates: boolean): VirshCommand {
  const args = [name];
  for (const [key, value] of Object.entries(options)) {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === undefined || value === null || value === false) continue;
    if (value === true) args.push(flag);
    else if (Array.isArray(value)) for (const item of value) args.push(`${flag}=${item}`);
    else args.push(`${flag}=${String(value)}`);
  }
  return { args, mutates };
}

const read = (name: string, options: Record<string, OptionValue> = {}) => build(name, options, false);
const write = (name: string, options: Record<string, OptionValue> = {}) => build(name, options, true);

/** virsh's memspec/diskspec syntax escapes a literal comma as `,,`. */
export function escapeSpecValue(value: string): string {
  return value.replace(/,/g, ',,');
}

/** `leaves`: the snapshots without children. */
export type SnapshotListFilter = 'internal' | 'external' | 'leaves';

export interface CreateFlags {
  diskOnly?: boolean;
  live?: boolean;
  atomic?: boolean;
  quiesce?: boolean;
  noMetadata?: boolean;
  reuseExternal?: boolean;
  halt?: boolean;
  validate?: boolean;
}

/** The flags snapshot-create-as and snapshot-create share, in one order for both argvs. */
function createFlagOptions(o: CreateFlags): Record<string, OptionValue> {
  return {
    noMetadata: o.noMetadata,
    halt: o.halt,
    diskOnly: o.diskOnly,
    reuseExternal: o.reuseExternal,
    quiesce: o.quiesce,
    atomic: o.atomic,
    live: o.live,
    validate: o.validate,
  };
}

export interface CreateAsOptions extends CreateFlags {
  name?: string;
  description?: string;
  /** Already in virsh's memspec syntax (see escapeSpecValue). */
  memspec?: string;
  /** Already in virsh's diskspec syntax. */
  diskspecs?: readonly string[];
  printXml?: boolean;
}

export interface CreateFromFileOptions extends CreateFlags {
  redefine?: boolean;
  current?: boolean;
}

export interface DeleteOptions {
  children?: boolean;
  childrenOnly?: boolean;
  metadata?: boolean;
}

export interface RevertOptions {
  running?: boolean;
  paused?: boolean;
  force?: boolean;
}

export interface BlockCommitOptions {
  /** Path or `vda[N]` of the top layer; omitted with `active` (the active layer). */
  top?: string;
  base?: string;
  /** Two-phase commit of the active layer: the job waits in `ready` for a pivot or an abort. */
  active?: boolean;
  /** MiB/s; omitted or 0 = unlimited. */
  bandwidthMiB?: number;
}

export interface BlockPullOptions {
  base?: string;
  bandwidthMiB?: number;
}

export interface BlockCopyOptions {
  dest: string;
  format?: 'qcow2' | 'raw';
  /** Copy only the top image; the copy shares the backing chain. */
  shallow?: boolean;
  bandwidthMiB?: number;
  /** libvirt 9.0 refuses a copy of a persistent domain's disk without it ("domain is not transient"). */
  transientJob?: boolean;
}

export const virshCommands = {
  // ---- connection and host
  uri: () => read('uri'),
  version: () => read('version'),
  /** Adds `Running against daemon: X.Y.Z`: the version of the libvirtd that does the work. */
  daemonVersion: () => read('version', { daemon: true }),
  /** `UUID NAME` per domain, all domains. */
  domainList: () => read('list', { all: true, uuid: true, name: true }),
  /** ` ID   NAME   STATE` rows: the only place virsh shows a running domain's id in bulk. */
  domainIdTable: () => read('list', { all: true }),
  /** Names of persistent domains (the others are transient). */
  persistentDomainNames: () => read('list', { all: true, name: true, persistent: true }),
  autostartDomainNames: () => read('list', { all: true, name: true, autostart: true }),
  /** State and reason codes of every domain in one command. */
  domainStates: () => read('domstats', { state: true }),
  domainState: (domain: string) => read('domstate', { domain, reason: true }),
  domainXml: (domain: string, inactive = false) => read('dumpxml', { domain, inactive }),
  domainBlockList: (domain: string) => read('domblklist', { domain, details: true }),
  domainBlockStats: (domain: string) => read('domstats', { block: true, backing: true, domain: [domain] }),

  // ---- snapshots: queries
  /** The table with Name, Creation Time, State and Parent columns. */
  snapshotTable: (domain: string) => read('snapshot-list', { domain, parent: true }),
  snapshotNames: (domain: string, filter?: SnapshotListFilter) =>
    read('snapshot-list', { domain, name: true, internal: filter === 'internal', external: filter === 'external', leaves: filter === 'leaves' }),
  currentSnapshotName: (domain: string) => read('snapshot-current', { domain, name: true }),
  snapshotXml: (domain: string, snapshotname: string) => read('snapshot-dumpxml', { domain, snapshotname }),
  snapshotInfo: (domain: string, snapshotname: string) => read('snapshot-info', { domain, snapshotname }),
  snapshotParent: (domain: string, snapshotname: string) => read('snapshot-parent', { domain, snapshotname }),

  // ---- snapshots: changes
  createSnapshotAs: (domain: string, o: CreateAsOptions) =>
    build(
      'snapshot-create-as',
      {
        domain,
        name: o.name,
        description: o.description,
        printXml: o.printXml,
        ...createFlagOptions(o),
        memspec: o.memspec,
        diskspec: o.diskspecs,
      },
      // --print-xml only prints what would be submitted.
      !o.printXml,
    ),
  createSnapshotFromFile: (domain: string, xmlfile: string, o: CreateFromFileOptions = {}) =>
    write('snapshot-create', {
      domain,
      xmlfile,
      redefine: o.redefine,
      current: o.current,
      ...createFlagOptions(o),
    }),
  setCurrentSnapshot: (domain: string, snapshotname: string) => write('snapshot-current', { domain, snapshotname }),
  deleteSnapshot: (domain: string, snapshotname: string, o: DeleteOptions = {}) =>
    write('snapshot-delete', {
      domain,
      snapshotname,
      children: o.children,
      childrenOnly: o.childrenOnly,
      metadata: o.metadata,
    }),
  revertSnapshot: (domain: string, snapshotname: string, o: RevertOptions = {}) =>
    write('snapshot-revert', { domain, snapshotname, running: o.running, paused: o.paused, force: o.force }),

  // ---- snapshot editing
  /**
   * The XML to edit and redefine: with --security-info, as virsh's snapshot-edit uses, so that
   * a redefine does not drop secrets (graphics passwords) from the embedded domain. Needs a
   * read-write connection, which an edit has anyway.
   */
  snapshotXmlForRedefine: (domain: string, snapshotname: string) =>
    read('snapshot-dumpxml', { domain, snapshotname, securityInfo: true }),

  // ---- block jobs
  blockJobInfo: (domain: string, path: string) => read('blockjob', { domain, path, raw: true }),
  /** Starts the job and returns at once (never --wait: the job is followed by polling blockJobInfo). */
  blockCommit: (domain: string, path: string, o: BlockCommitOptions) =>
    write('blockcommit', { domain, path, top: o.top, base: o.base, active: o.active, bandwidth: o.bandwidthMiB }),
  /** Starts the job and returns at once; without base the whole chain is pulled into the top image. */
  blockPull: (domain: string, path: string, o: BlockPullOptions = {}) =>
    write('blockpull', { domain, path, base: o.base, bandwidth: o.bandwidthMiB }),
  /** Starts a copy to a new file and returns at once; the job then mirrors guest writes until pivot or abort. */
  blockCopy: (domain: string, path: string, o: BlockCopyOptions) =>
    write('blockcopy', { domain, path, dest: o.dest, format: o.format, shallow: o.shallow, bandwidth: o.bandwidthMiB, transientJob: o.transientJob }),
  /** Cancels a running job; after `ready` an active commit ends with the overlay kept and the base up to date. */
  blockJobAbort: (domain: string, path: string) => write('blockjob', { domain, path, abort: true }),
  /** Switches the disk to the job's target; libvirt refuses before the job is ready. */
  blockJobPivot: (domain: string, path: string) => write('blockjob', { domain, path, pivot: true }),
  blockJobSetBandwidth: (domain: string, path: string, bandwidthMiB: number) =>
    write('blockjob', { domain, path, bandwidth: bandwidthMiB }),

  /** Blocks until `seconds` pass, printing every event: follows jobs, and tests blocking commands. */
  waitForEvents: (seconds: number) => read('event', { all: true, loop: true, timeout: seconds }),

  // ---- domain lifecycle (used by flows and tests)
  startDomain: (domain: string, o: { paused?: boolean } = {}) => write('start', { domain, paused: o.paused }),
  suspendDomain: (domain: string) => write('suspend', { domain }),
  resumeDomain: (domain: string) => write('resume', { domain }),
  destroyDomain: (domain: string) => write('destroy', { domain }),
  /** Replaces the persistent definition (the next start's config) with the XML in the file. */
  defineDomain: (file: string) => write('define', { file }),
  /** Starts a domain from a save image (a `virsh save` file, or an external snapshot's memory file). */
  restoreDomain: (file: string, o: { xml?: string; running?: boolean; paused?: boolean } = {}) =>
    write('restore', { file, xml: o.xml, running: o.running, paused: o.paused }),
  /** The domain XML stored in a save image; --security-info needs a read-write connection. */
  saveImageXml: (file: string, securityInfo = false) => read('save-image-dumpxml', { file, securityInfo }),

  // ---- other ways to capture state: save, managed save, guest file systems, checkpoints, backup
  /** Writes the guest's memory to `file` and stops the domain (`shut off (saved)`). */
  saveDomain: (domain: string, file: string, o: { running?: boolean; paused?: boolean } = {}) =>
    write('save', { domain, file, running: o.running, paused: o.paused }),
  /** The same with the file kept by libvirt; the next start restores from it. */
  managedSaveDomain: (domain: string, o: { running?: boolean; paused?: boolean } = {}) =>
    write('managedsave', { domain, running: o.running, paused: o.paused }),
  managedSaveRemove: (domain: string) => write('managedsave-remove', { domain }),
  /** `Managed save:   yes|no` among other lines. */
  domainInfo: (domain: string) => read('dominfo', { domain }),
  /** Asks the guest agent for the guest's file systems: a harmless probe of whether the agent answers. */
  guestFsInfo: (domain: string) => read('domfsinfo', { domain }),
  guestFsFreeze: (domain: string) => write('domfsfreeze', { domain }),
  guestFsThaw: (domain: string) => write('domfsthaw', { domain }),
  checkpointNames: (domain: string) => read('checkpoint-list', { domain, name: true }),
  /** Name, creation time and parent columns. */
  checkpointTable: (domain: string) => read('checkpoint-list', { domain, parent: true }),
  checkpointXml: (domain: string, checkpointname: string) => read('checkpoint-dumpxml', { domain, checkpointname, noDomain: true }),
  deleteCheckpoint: (domain: string, checkpointname: string, o: { metadata?: boolean } = {}) =>
    write('checkpoint-delete', { domain, checkpointname, metadata: o.metadata }),
  /** Starts a backup job (push mode with the targets the XML names); a checkpoint XML also creates that checkpoint. */
  backupBegin: (domain: string, backupxml: string, checkpointxml?: string) => write('backup-begin', { domain, backupxml, checkpointxml }),
  /** The domain's job (backup, save, migration); `--completed`: the last one that ended. */
  domainJobInfo: (domain: string, completed = false) => read('domjobinfo', { domain, completed }),
  domainJobAbort: (domain: string) => write('domjobabort', { domain }),

  // ---- snapshot creation
  /**
   * A command of a creation plan, run exactly as the plan lists it (the planner builds its
   * argv with the builders above). Anything but a known query counts as a change.
   */
  plannedCommand: (args: readonly string[]): VirshCommand => {
    const queries = ['domstate', 'dumpxml', 'domblklist', 'snapshot-dumpxml', 'snapshot-list'];
    return { args: [...args], mutates: !queries.includes(args[0] ?? '') };
  },
} as const;

/** `snapshot-list --parent` etc. are read-only by definition; this lets callers list them. */
export type VirshCommandName = keyof typeof virshCommands;
