// What a revert plan needs to know about the host, read once before anything is decided: the
// domain's state and XML (live and persistent), the snapshot and its XML, the daemon's version,
// and, where the files are on this machine, what the images themselves hold.

import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isLocalUri } from '../connect.js';
import { filesOf } from '../host-files.js';
import { plannerDomainFrom } from '../create/domain-facts.js';
import type { PlannerDomain } from '../create/types.js';
import { daemonVersion, type LibvirtVersion } from '../daemon-version.js';
import type { Host } from '../host.js';
import type { Disk, DomainState, SnapshotDetail, SnapshotSummary } from '../model.js';
import { parseDomState, parseNameList } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { VirshCommandError } from '../virsh/errors.js';
import { readDomainDisks } from '../xml/domain-xml.js';
import { readSnapshot } from '../xml/snapshot-xml.js';
import { readImage, type ImageFacts } from './revert-images.js';

export interface RevertFacts {
  domain: string;
  domainState: DomainState;
  live: boolean;
  snapshots: SnapshotSummary[];
  snapshot: SnapshotSummary;
  detail: SnapshotDetail;
  snapshotXml: string;
  /** The disks as they run now (live XML), or as defined when the domain is off. */
  disks: Disk[];
  liveXml: string;
  current: string | null;
  daemon: LibvirtVersion | null;
  /** The domain's checkpoints (none where the driver has no checkpoints). */
  checkpoints: string[];
  /** Image files can be read on this machine (a local URI, and not the test driver's imaginary files). */
  filesReadable: boolean;
  plannerDomain: PlannerDomain;
  /** Reads an image; null when it cannot be read (missing, or files not readable here). */
  image(path: string): Promise<ImageFacts | null>;
  fileExists(path: string): boolean;
}

export function filesReadableFor(uri: string): boolean {
  return isLocalUri(uri) && !uri.startsWith('test:');
}

export async function readRevertFacts(host: Host, domain: string, snapshotName: string): Promise<RevertFacts> {
  const names = (command: Parameters<Host['run']>[0]) => host.run(command).then((r) => parseNameList(r.stdout));
  const [stateOut, snapshots, snapshotXml, liveXml, persistent, daemon, checkpoints] = await Promise.all([
    host.run(virshCommands.domainState(domain)).then((r) => r.stdout),
    host.listSnapshots(domain),
    host.run(virshCommands.snapshotXml(domain, snapshotName)).then((r) => r.stdout),
    host.domainXml(domain),
    names(virshCommands.persistentDomainNames()),
    daemonVersion(host),
    // the test driver has no checkpoints: it answers "not supported"
    names(virshCommands.checkpointNames(domain)).catch((error: unknown) => {
      if (error instanceof VirshCommandError) return [];
      throw error;
    }),
  ]);
  const snapshot = snapshots.find((s) => s.name === snapshotName);
  if (!snapshot) throw new Error(`domain ${domain} has no snapshot named ${snapshotName}`);
  const domainState = parseDomState(stateOut);
  const live = domainState.state !== 'shut off' && domainState.state !== 'crashed' && domainState.state !== 'no state';
  const remote = !filesReadableFor(host.uri) && filesOf(host).kind === 'ssh' ? await remoteFiles(host, liveXml, snapshotXml) : null;
  const filesReadable = filesReadableFor(host.uri) || remote !== null;
  const cache = new Map<string, Promise<ImageFacts | null>>();
  const image = (path: string) => {
    if (!filesReadable) return Promise.resolve(null);
    let facts = cache.get(path);
    if (!facts) {
      facts = remote ? readImage(path, filesOf(host)).catch(() => null) : existsSync(path) ? readImage(path).catch(() => null) : Promise.resolve(null);
      cache.set(path, facts);
    }
    return facts;
  };
  return {
    domain,
    domainState,
    live,
    snapshots,
    snapshot,
    detail: readSnapshot(snapshotXml),
    snapshotXml,
    disks: readDomainDisks(liveXml),
    liveXml,
    current: snapshots.find((s) => s.current)?.name ?? null,
    daemon,
    checkpoints,
    filesReadable,
    plannerDomain: plannerDomainFrom(domain, domainState, liveXml, {
      snapshotNames: snapshots.map((s) => s.name),
      hasInternalSnapshots: snapshots.some((s) => s.location === 'internal'),
      persistent: persistent.includes(domain),
    }),
    image,
    fileExists: (path) => (remote ? remote(path) : filesReadable ? existsSync(path) : false),
  };
}

/**
 * The host's files over SSH, read once: the directories of the disks and of the snapshot's
 * files (where a revert looks for existing files and picks new names). A path elsewhere, or in a
 * directory that could not be listed, counts as missing.
 */
async function remoteFiles(host: Host, liveXml: string, snapshotXml: string): Promise<(path: string) => boolean> {
  const detail = readSnapshot(snapshotXml);
  const paths = [
    ...readDomainDisks(liveXml).map((d) => d.source),
    ...detail.disks.map((d) => d.file),
    detail.memory.file ?? null,
  ].filter((p): p is string => typeof p === 'string' && p.startsWith('/'));
  const listed = await filesOf(host).listDirectories([...new Set(paths.map((p) => dirname(p)))]);
  return (path) => listed.get(dirname(path))?.includes(basename(path)) ?? false;
}

/** Whether the disk's active image has a backing file (runs on an external overlay). */
export async function runsOnOverlay(facts: RevertFacts, disk: Disk): Promise<boolean> {
  if (disk.chain.length > 1) return true;
  if (disk.source === null) return false;
  const info = await facts.image(disk.source);
  return info !== null && info.backing !== null;
}
