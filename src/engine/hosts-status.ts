// Every host of the hosts file, asked at once whether it answers and what it runs: one
// `virsh version --daemon` each (a virsh of its own, with a timeout), a few at a time, so the
// time for the whole list is that of the slowest few hosts, not the sum.

import { formatVersion, parseDaemonVersion } from './daemon-version.js';
import { connectionUri, type HostEntry } from './hosts-file.js';
import { CommandLog } from './virsh/command-log.js';
import { virshCommands } from './virsh/commands.js';
import { OneShotRunner } from './virsh/one-shot.js';

export interface HostStatus {
  name: string;
  uri: string;
  readonly: boolean;
  identity: string | null;
  reachable: boolean;
  /** The daemon's libvirt version (`Running against daemon:`), when it answered. */
  libvirt: string | null;
  /** `QEMU 7.2.0` (`Running hypervisor:`), when it answered. */
  hypervisor: string | null;
  /** libvirt's whole message when it did not answer. */
  error: string | null;
  ms: number;
}

export const HOST_PROBE_TIMEOUT_MS = 15_000;
export const HOST_PROBE_PARALLEL = 8;

export async function probeHost(entry: HostEntry, timeoutMs = HOST_PROBE_TIMEOUT_MS): Promise<HostStatus> {
  const started = Date.now();
  const runner = new OneShotRunner({ uri: connectionUri(entry), readonly: true, log: new CommandLog() });
  const base = { name: entry.name, uri: entry.uri, readonly: entry.readonly, identity: entry.identity };
  try {
    const { stdout } = await runner.run(virshCommands.daemonVersion(), { timeoutMs });
    const daemon = parseDaemonVersion(stdout);
    const hypervisor = /^Running hypervisor:\s*(.+?)\s*$/m.exec(stdout)?.[1] ?? null;
    return { ...base, reachable: true, libvirt: daemon ? formatVersion(daemon) : null, hypervisor, error: null, ms: Date.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, reachable: false, libvirt: null, hypervisor: null, error: message, ms: Date.now() - started };
  } finally {
    await runner.close();
  }
}

/** Every host's status, in the file's order, at most `parallel` asked at a time. */
export async function probeHosts(entries: readonly HostEntry[], parallel = HOST_PROBE_PARALLEL, timeoutMs = HOST_PROBE_TIMEOUT_MS): Promise<HostStatus[]> {
  const results: HostStatus[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const i = next++;
      results[i] = await probeHost(entries[i]!, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, entries.length) }, worker));
  return results;
}
