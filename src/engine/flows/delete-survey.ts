// What a delete needs to know about the host, read once before anything is decided: every
// snapshot of the domain (its place in the tree, which overlay each external disk created,
// which file holds its state, its memory file, its XML for a redefine), the domain's disk
// chains (live and persistent), and which image is backed by which (qemu-img, when local).
//
// Which file holds which state: an external snapshot's `<disks><disk snapshot='external'>
// <source file=O/>` is the NEW overlay it created, which holds the writes made after it; its
// point-in-time state is in O's backing file, the source its embedded `<domain>` names.

import type { Host } from '../host.js';
import type { DomainState, SnapshotSummary } from '../model.js';
import { parseDomState } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { readSnapshot } from '../xml/snapshot-xml.js';
import { filesOf } from '../host-files.js';
import { imageInfoChain } from './offline-qemu-img.js';
import { isLocalUri } from './block-space.js';
import { isTestDriver } from './rename-plan.js';

export interface SurveySnapshot extends SnapshotSummary {
  memoryFile: string | null;
  /** Disk → the overlay the snapshot created (external disks only). */
  overlays: Record<string, string>;
  /** Disk → the file holding the snapshot's state (the source in its embedded `<domain>`). */
  states: Record<string, string>;
  /** Disks whose state is an internal (qcow2) snapshot. */
  internalDisks: string[];
  /** The XML as a redefine needs it (with security info when the connection can read it). */
  xml: string;
}

export interface DeleteSurvey {
  domainState: DomainState;
  /** The connection reaches this machine's files (qemu-img, removing files). */
  local: boolean;
  /** The images' backing files were read with qemu-img (here, or on the host over SSH). */
  imagesRead?: boolean;
  testDriver: boolean;
  snapshots: SurveySnapshot[];
  /** Disk → chain (top first) the domain uses now: live XML when running, persistent otherwise. */
  chains: Record<string, string[]>;
  /** Every file in a chain of the live or the persistent definition. */
  definitionFiles: string[];
  /** File → its backing file (null: none), from qemu-img where readable, else from the XML chains. */
  backing: Record<string, string | null>;
}


export function isLive(state: DomainState): boolean {
  return state.state === 'running' || state.state === 'paused';
}

const chainsOf = (disks: Awaited<ReturnType<Host['disks']>>) =>
  Object.fromEntries(disks.filter((d) => d.chain.length > 0).map((d) => [d.target, d.chain.map((l) => l.source)]));

export async function surveyDelete(host: Host, domain: string): Promise<DeleteSurvey> {
  const [stateOut, summaries] = await Promise.all([
    host.run(virshCommands.domainState(domain)).then((r) => r.stdout),
    host.listSnapshots(domain),
  ]);
  const domainState = parseDomState(stateOut);
  const live = isLive(domainState);
  const [liveDisks, inactiveDisks] = await Promise.all([
    live ? host.disks(domain) : Promise.resolve([]),
    host.disks(domain, { inactive: true }),
  ]);
  const snapshots: SurveySnapshot[] = [];
  for (const summary of summaries) {
    const xml = (
      await host.run(host.readonly ? virshCommands.snapshotXml(domain, summary.name) : virshCommands.snapshotXmlForRedefine(domain, summary.name))
    ).stdout;
    const detail = readSnapshot(xml);
    const overlays: Record<string, string> = {};
    const internalDisks: string[] = [];
    for (const disk of detail.disks) {
      if (disk.mode === 'external' && disk.file) overlays[disk.name] = disk.file;
      if (disk.mode === 'internal') internalDisks.push(disk.name);
    }
    const states: Record<string, string> = {};
    for (const disk of detail.domainDisks) if (disk.source) states[disk.target] = disk.source;
    snapshots.push({ ...summary, memoryFile: detail.memory.mode === 'external' ? detail.memory.file : null, overlays, states, internalDisks, xml });
  }
  const chains = chainsOf(live ? liveDisks : inactiveDisks);
  const definitionFiles = [...new Set([...liveDisks, ...inactiveDisks].flatMap((d) => d.chain.map((l) => l.source)))];
  const backing: Record<string, string | null> = {};
  for (const disks of [inactiveDisks, liveDisks]) {
    for (const disk of disks) {
      disk.chain.forEach((layer, i) => {
        const below = disk.chain[i + 1];
        if (below) backing[layer.source] = below.source;
      });
    }
  }
  const local = isLocalUri(host.uri) && !isTestDriver(host.uri);
  // A remote host's images are read there, over SSH (its files stay out of `local`'s reach).
  const remote = !local && filesOf(host).kind === 'ssh';
  if (local || remote) {
    const files = new Set<string>(definitionFiles);
    for (const s of snapshots) for (const f of [...Object.values(s.overlays), ...Object.values(s.states)]) files.add(f);
    const seen = new Set<string>();
    for (const file of files) {
      if (seen.has(file)) continue;
      // a file that cannot be read (missing, not an image) adds nothing
      for (const image of await imageInfoChain(file, filesOf(host)).catch(() => [])) {
        seen.add(image.filename);
        backing[image.filename] = image.fullBackingFilename;
      }
    }
  }
  return { domainState, local, imagesRead: local || remote, testDriver: isTestDriver(host.uri), snapshots, chains, definitionFiles, backing };
}

