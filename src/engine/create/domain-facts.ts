// What the planner needs to know about a domain and the world, gathered from the host in two
// read-only virsh commands (`domstate --reason`, live `dumpxml`).

import { existsSync, statSync } from 'node:fs';
import type { Host } from '../host.js';
import { parseDomState, parseNameList } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { attr, child, children, parseXml, type XmlElement } from '../xml/document.js';
import { readDomainDisks } from '../xml/domain-xml.js';
import type { DiskSnapshotMode, DomainState } from '../model.js';
import type { PlannerDomain, PlannerEnvironment } from './types.js';

const GUEST_AGENT_CHANNEL = 'org.qemu.guest_agent.0';

/** libvirt's "online" (a QEMU process exists) is running or paused; the rest is offline. */
function plannerState(state: DomainState): PlannerDomain['state'] {
  switch (state.state) {
    case 'running':
    case 'idle':
    case 'in shutdown':
      return 'running';
    case 'paused':
    case 'pmsuspended':
    case 'crashed':
      return 'paused';
    default:
      return 'shutoff';
  }
}

/** A `<channel type='unix'>` whose virtio target is the QEMU guest agent's port. */
export function hasGuestAgentChannel(domain: XmlElement): boolean {
  const devices = child(domain, 'devices');
  if (!devices) return false;
  return children(devices, 'channel').some((channel) => {
    const target = child(channel, 'target');
    return (
      attr(channel, 'type') === 'unix' &&
      target !== null &&
      attr(target, 'type') === 'virtio' &&
      attr(target, 'name') === GUEST_AGENT_CHANNEL
    );
  });
}

/** What else the planner can use: known snapshot names, internal snapshots, persistence. */
export interface DomainHistory {
  snapshotNames: string[];
  /** The domain has internal snapshots: its qcow2 images carry tags. */
  hasInternalSnapshots: boolean;
  persistent: boolean;
}

/** `<disk snapshot='…'>` per target, and targets with a `<mirror>` (a commit or copy job running). */
function diskSettings(domain: XmlElement): Map<string, { snapshotDefault: DiskSnapshotMode | null; mirror: boolean }> {
  const settings = new Map<string, { snapshotDefault: DiskSnapshotMode | null; mirror: boolean }>();
  const devices = child(domain, 'devices');
  for (const disk of devices ? children(devices, 'disk') : []) {
    const target = child(disk, 'target');
    const dev = target ? attr(target, 'dev') : null;
    if (!dev) continue;
    const mode = attr(disk, 'snapshot');
    settings.set(dev, {
      snapshotDefault: mode === 'no' || mode === 'internal' || mode === 'external' || mode === 'manual' ? mode : null,
      mirror: child(disk, 'mirror') !== null,
    });
  }
  return settings;
}

/** The domain as `domstate --reason` and the live XML describe it, plus its snapshot history when known. */
export function plannerDomainFrom(name: string, state: DomainState, domainXml: string, history?: DomainHistory): PlannerDomain {
  const root = parseXml(domainXml).root;
  const settings = diskSettings(root);
  return {
    name,
    state: plannerState(state),
    disks: readDomainDisks(root).map((disk) => ({
      target: disk.target,
      device: disk.device,
      type: disk.type,
      format: disk.format,
      source: disk.source,
      readonly: disk.readonly,
      chainDepth: disk.chain.length,
      snapshotDefault: settings.get(disk.target)?.snapshotDefault ?? null,
      // A pull shows no <mirror>: libvirt's own refusal covers that case.
      blockJob: settings.get(disk.target)?.mirror ?? false,
      ...(history ? { hasInternalSnapshots: history.hasInternalSnapshots && disk.format === 'qcow2' } : {}),
    })),
    guestAgent: hasGuestAgentChannel(root),
    ...(history ? { snapshotNames: history.snapshotNames, persistent: history.persistent } : {}),
  };
}

/** Five read-only commands, whatever the number of snapshots. */
export async function readPlannerDomain(host: Host, domain: string): Promise<PlannerDomain> {
  const names = (command: Parameters<Host['run']>[0]) => host.run(command).then((r) => parseNameList(r.stdout));
  const [state, xml, snapshotNames, internal, persistent] = await Promise.all([
    host.run(virshCommands.domainState(domain)).then((r) => parseDomState(r.stdout)),
    host.domainXml(domain),
    names(virshCommands.snapshotNames(domain)),
    names(virshCommands.snapshotNames(domain, 'internal')),
    names(virshCommands.persistentDomainNames()),
  ]);
  return plannerDomainFrom(domain, state, xml, {
    snapshotNames,
    hasInternalSnapshots: internal.length > 0,
    persistent: persistent.includes(domain),
  });
}

/** The real file system and clock. */
export const systemPlannerEnvironment: PlannerEnvironment = {
  fileExists: (path) => existsSync(path),
  fileSize: (path) => {
    try {
      return statSync(path).size;
    } catch {
      return null;
    }
  },
  isRegularFile: (path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  now: () => Math.floor(Date.now() / 1000),
};
