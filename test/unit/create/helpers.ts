// Shared domains, environments and requests for the planner's unit tests.

import { planSnapshot } from '../../../src/engine/create/planner.js';
import type {
  CreateRequest,
  Plan,
  PlannerDisk,
  PlannerDomain,
  PlannerEnvironment,
} from '../../../src/engine/create/types.js';

export const NOW = 1_790_000_000;
export const IMG = '/var/lib/libvirt/images';

export function qcow2Disk(target: string, overrides: Partial<PlannerDisk> = {}): PlannerDisk {
  return {
    target,
    device: 'disk',
    type: 'file',
    format: 'qcow2',
    source: `${IMG}/demo-${target}.qcow2`,
    readonly: false,
    ...overrides,
  };
}

/** The lab's guest: two qcow2 disks, no guest agent. */
export function twoDiskDomain(state: PlannerDomain['state'], overrides: Partial<PlannerDomain> = {}): PlannerDomain {
  return { name: 'demo', state, guestAgent: false, disks: [qcow2Disk('vda'), qcow2Disk('vdb')], ...overrides };
}

/** A file system holding `files` (path → size in bytes) and a fixed clock. */
export function environment(files: Record<string, number> = {}): PlannerEnvironment {
  return {
    fileExists: (path) => path in files,
    fileSize: (path) => files[path] ?? null,
    now: () => NOW,
  };
}

export function request(partial: Partial<CreateRequest> = {}): CreateRequest {
  return { disks: [], flags: {}, ...partial };
}

export function plan(domain: PlannerDomain, req: Partial<CreateRequest> = {}, env = environment()): Plan {
  return planSnapshot(domain, request(req), env);
}

/** target → mode, for compact assertions. */
export function diskModes(p: Plan): Record<string, string> {
  return Object.fromEntries((p.resolved?.disks ?? []).map((d) => [d.target, d.mode]));
}
