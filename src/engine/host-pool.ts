// Several hosts at once, for a UI that shows them side by side: each host of the hosts file is
// connected when it is opened (not before), at most `parallel` connect at the same time, and each
// has a status: idle, connecting, connected (with the daemon's versions), or failed (libvirt's
// whole message, and when it is tried again: 1 s, 2 s, 4 s … 60 s). Every host has its own
// session, so one host being down or slow affects nothing else.

import { openHost } from './connect.js';
import { formatVersion, parseDaemonVersion } from './daemon-version.js';
import type { Host } from './host.js';
import { connectionUri, type HostEntry } from './hosts-file.js';
import { virshCommands } from './virsh/commands.js';

export type HostConnection =
  | { kind: 'idle' }
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; libvirt: string | null; hypervisor: string | null }
  | { kind: 'failed'; message: string; attempt: number; retryAt: number };

export interface HostPoolOptions {
  /** Hosts connecting at the same time (default 4). */
  parallel?: number;
  /** First retry delay after a failure, doubled each time (default 1000 ms). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How a host is opened (default: openHost with the entry's URI and read-only flag). */
  open?: (entry: HostEntry) => Host;
  /** Milliseconds a connection attempt may take (default 20 s). */
  connectTimeoutMs?: number;
}

interface Slot {
  entry: HostEntry;
  status: HostConnection;
  host: Host | null;
  attempt: number;
  pending: Promise<Host> | null;
  retryTimer: NodeJS.Timeout | null;
}

export class HostPool {
  private readonly slots = new Map<string, Slot>();
  private readonly listeners = new Set<(name: string, status: HostConnection) => void>();
  private readonly waiting: (() => void)[] = [];
  private connecting = 0;
  private closed = false;
  private readonly parallel: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly connectTimeoutMs: number;
  private readonly open: (entry: HostEntry) => Host;

  constructor(entries: readonly HostEntry[], options: HostPoolOptions = {}) {
    for (const entry of entries) this.slots.set(entry.name, { entry, status: { kind: 'idle' }, host: null, attempt: 0, pending: null, retryTimer: null });
    this.parallel = options.parallel ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.retryMaxMs = options.retryMaxMs ?? 60_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.open = options.open ?? ((entry) => openHost({ uri: connectionUri(entry), readonly: entry.readonly }));
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  status(name: string): HostConnection {
    return this.slot(name).status;
  }

  /** The connected host, or null while it is not connected. */
  host(name: string): Host | null {
    const slot = this.slot(name);
    return slot.status.kind === 'connected' ? slot.host : null;
  }

  /** Called on every status change. */
  onChange(listener: (name: string, status: HostConnection) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Connects the host (once; a second call while it connects shares the attempt). A failure
   * rejects with libvirt's message and schedules the next attempt with backoff.
   */
  connect(name: string): Promise<Host> {
    const slot = this.slot(name);
    if (slot.status.kind === 'connected' && slot.host) return Promise.resolve(slot.host);
    if (slot.pending) return slot.pending;
    if (slot.retryTimer) {
      clearTimeout(slot.retryTimer);
      slot.retryTimer = null;
    }
    slot.pending = this.attempt(slot).finally(() => (slot.pending = null));
    return slot.pending;
  }

  /**
   * A connected host stopped answering (a refresh failed with a connection error): it is marked
   * failed with that message and connected again with backoff. Other hosts are not touched.
   */
  lost(name: string, message: string): void {
    const slot = this.slot(name);
    if (slot.status.kind !== 'connected') return;
    const host = slot.host;
    slot.host = null;
    void host?.close().catch(() => {});
    slot.attempt = Math.max(slot.attempt, 1);
    this.failed(slot, message);
  }

  /** Stops retrying, closes every host. */
  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots.values()) if (slot.retryTimer) clearTimeout(slot.retryTimer);
    for (const resolve of this.waiting.splice(0)) resolve();
    await Promise.all([...this.slots.values()].map((slot) => slot.host?.close()));
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`no host named ${name}`);
    return slot;
  }

  private set(slot: Slot, status: HostConnection): void {
    slot.status = status;
    for (const listener of this.listeners) listener(slot.entry.name, status);
  }

  private failed(slot: Slot, message: string): void {
    const delay = Math.min(this.retryBaseMs * 2 ** (slot.attempt - 1), this.retryMaxMs);
    this.set(slot, { kind: 'failed', message, attempt: slot.attempt, retryAt: Date.now() + delay });
    if (this.closed) return;
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = null;
      this.connect(slot.entry.name).catch(() => {});
    }, delay);
    // A pending retry must not keep the program alive.
    slot.retryTimer.unref();
  }

  private async take(): Promise<void> {
    while (this.connecting >= this.parallel && !this.closed) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.connecting++;
  }

  private release(): void {
    this.connecting--;
    this.waiting.shift()?.();
  }

  private async attempt(slot: Slot): Promise<Host> {
    slot.attempt++;
    this.set(slot, { kind: 'connecting', attempt: slot.attempt });
    await this.take();
    const host = this.open(slot.entry);
    try {
      if (this.closed) throw new Error('closed');
      // The first command connects: the daemon's versions are what the status shows.
      const { stdout } = await host.run(virshCommands.daemonVersion(), { timeoutMs: this.connectTimeoutMs });
      const daemon = parseDaemonVersion(stdout);
      slot.host = host;
      slot.attempt = 0;
      this.set(slot, { kind: 'connected', libvirt: daemon ? formatVersion(daemon) : null, hypervisor: /^Running hypervisor:\s*(.+?)\s*$/m.exec(stdout)?.[1] ?? null });
      return host;
    } catch (error) {
      await host.close().catch(() => {});
      this.failed(slot, error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      this.release();
    }
  }
}
