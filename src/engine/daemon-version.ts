// Which libvirt does the work: the daemon's version, from `virsh version --daemon`. What a host
// can do (reverting to external snapshots needs libvirt 9.9) is decided by the daemon, never by
// the client library virsh links against: a 9.0 virsh can talk to an 11.3 daemon and the other
// way round.

import type { Host } from './host.js';
import { virshCommands } from './virsh/commands.js';

export interface LibvirtVersion {
  major: number;
  minor: number;
  micro: number;
}

/** libvirt's first release whose snapshot-revert handles external snapshots. */
export const EXTERNAL_REVERT_SINCE: LibvirtVersion = { major: 9, minor: 9, micro: 0 };

/**
 * The `Running against daemon: X.Y.Z` line of `virsh version --daemon`; null when it is
 * missing (virsh without --daemon, or a driver without a daemon). The `Using library:` and
 * `Using API:` lines are the client side and are never read.
 */
export function parseDaemonVersion(output: string): LibvirtVersion | null {
  const match = /^Running against daemon:\s*(\d+)\.(\d+)\.(\d+)\s*$/m.exec(output);
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), micro: Number(match[3]) };
}

export function compareVersions(a: LibvirtVersion, b: LibvirtVersion): number {
  return a.major - b.major || a.minor - b.minor || a.micro - b.micro;
}

export function formatVersion(v: LibvirtVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}

/** Whether `snapshot-revert` itself reverts to external snapshots on this daemon (unknown: no). */
export function revertsExternalNatively(daemon: LibvirtVersion | null): boolean {
  return daemon !== null && compareVersions(daemon, EXTERNAL_REVERT_SINCE) >= 0;
}

/** The daemon's version: 1 command. */
export async function daemonVersion(host: Host): Promise<LibvirtVersion | null> {
  return parseDaemonVersion((await host.run(virshCommands.daemonVersion())).stdout);
}
