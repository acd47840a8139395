// What the planner needs to know about a domain and the world, gathered from the host in two
// read-only virsh commands (`domstate --reason`, live `dumpxml`).

import { existsSync, statSync } from 'node:fs';
import type { Host } from '../host.js';
import { parseDomState } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { attr, child, children, parseXml, type XmlElement } from '../xml/document.js';
import { readDomainDisks } from '../xml/domain-xml.js';
import type { DomainState } from '../model.js';
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

/** The domain as `domstate --reason` and the live XML describe it. */
export function plannerDomainFrom(name: string, state: DomainState, domainXml: string): PlannerDomain {
  const root = parseXml(domainXml).root;
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
    })),
    guestAgent: hasGuestAgentChannel(root),
  };
}

export async function readPlannerDomain(host: Host, domain: string): Promise<PlannerDomain> {
  const [state, xml] = await Promise.all([
    host.run(virshCommands.domainState(domain)).then((r) => parseDomState(r.stdout)),
    host.domainXml(domain),
  ]);
  return plannerDomainFrom(domain, state, xml);
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
  now: () => Math.floor(Date.now() / 1000),
};
