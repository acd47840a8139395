import type { DomainState, DomainStateName } from '../model.js';

// libvirt's virDomainState values, in enum order, named as virsh prints them
// (virshDomainState in tools/virsh-domain-monitor.c).
export const DOMAIN_STATE_NAMES: readonly DomainStateName[] = [
  'no state',
  'running',
  'idle',
  'paused',
  'in shutdown',
  'shut off',
  'crashed',
  'pmsuspended',
];

// Per-state reason enums (virDomainRunningReason, virDomainPausedReason, …), in enum
// order, with virsh's texts (virshDomain*Reason in tools/virsh-domain-monitor.c,
// libvirt 10.7). Index 0 is always "unknown".
const REASONS: Record<DomainStateName, readonly string[]> = {
  'no state': ['unknown'],
  running: [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from snapshot',
    'unpaused',
    'migration canceled',
    'save canceled',
    'event wakeup',
    'crashed',
    'post-copy',
    'post-copy failed',
  ],
  idle: ['unknown'],
  paused: [
    'unknown',
    'user',
    'migrating',
    'saving',
    'dumping',
    'I/O error',
    'watchdog',
    'from snapshot',
    'shutting down',
    'creating snapshot',
    'crashed',
    'starting up',
    'post-copy',
    'post-copy failed',
    'api error',
  ],
  'in shutdown': ['unknown', 'user'],
  'shut off': [
    'unknown',
    'shutdown',
    'destroyed',
    'crashed',
    'migrated',
    'saved',
    'failed',
    'from snapshot',
    'daemon',
  ],
  crashed: ['unknown', 'panicked'],
  pmsuspended: ['unknown'],
};

export function isDomainStateName(text: string): text is DomainStateName {
  return (DOMAIN_STATE_NAMES as readonly string[]).includes(text);
}

/**
 * Turns libvirt's numeric state and reason into what `virsh domstate --reason` prints.
 * Like virsh, an out-of-range state reads as `no state`. The reason is null where
 * virsh would print `unknown` (reason 0, or a reason newer than this table).
 */
export function domainStateFromCodes(state: number, reason: number): DomainState {
  const name = DOMAIN_STATE_NAMES[state] ?? 'no state';
  const reasonText = reason > 0 ? REASONS[name][reason] : undefined;
  return { state: name, reason: reasonText ?? null };
}
