// When the connection under an interactive virsh drops (an SSH link cut, a daemon restarted, a
// keepalive timeout), virsh itself notices, says so on stderr, and reconnects on its own before
// the next command (measured on 9.0 over qemu+ssh):
//
//   error: Disconnected from qemu+ssh://…/system due to end of file        (or: due to keepalive timeout)
//   error: internal error: connection closed due to keepalive timeout     (the command in flight)
//   error: Reconnected to the hypervisor                                   (before the next command)
//
// The "Disconnected" and "Reconnected" lines are events, not the outcome of the command they
// happen to precede, so they are taken out of its stderr. A query that failed because the link
// dropped can be sent again; a command that changes the host never is, because it may have taken
// effect before the link went: the flow that sent it re-reads the host to find out.

import { VirshError } from './errors.js';

export type ConnectionEventKind = 'lost' | 'reconnected' | 'reconnect-failed';

export interface ConnectionEvent {
  kind: ConnectionEventKind;
  /** virsh's own line, without `error: `. */
  message: string;
  /** Epoch milliseconds when virtsnap saw it. */
  at: number;
}

export type ConnectionListener = (event: ConnectionEvent) => void;

const EVENT_LINES: [ConnectionEventKind, RegExp][] = [
  ['lost', /^error: Disconnected from .* due to .*$/],
  ['reconnected', /^error: Reconnected to the hypervisor$/],
  ['reconnect-failed', /^error: Failed to reconnect to the hypervisor$/],
];

/** libvirt's messages for a command that failed because the link under it went away. */
const LINK_FAILURES = [
  /connection closed due to keepalive timeout/,
  /End of file while reading data/,
  /client socket is closed/,
  /Cannot (?:recv|write) data/,
  /Connection reset by peer/,
  /Broken pipe/,
  /no valid connection/,
  /Failed to reconnect to the hypervisor/,
];

/** Takes virsh's connection event lines out of a command's stderr; `seenAt` says when each line arrived, where known. */
export function takeConnectionEvents(stderr: string, now = Date.now(), seenAt?: (line: string) => number | undefined): { stderr: string; events: ConnectionEvent[] } {
  const events: ConnectionEvent[] = [];
  const kept: string[] = [];
  for (const line of stderr.split('\n')) {
    const found = EVENT_LINES.find(([, pattern]) => pattern.test(line));
    if (found) events.push({ kind: found[0], message: line.slice('error: '.length), at: seenAt?.(line) ?? now });
    else kept.push(line);
  }
  return { stderr: kept.join('\n'), events };
}

/** Whether a failed command's message says the connection was lost under it. */
export function isLinkFailure(message: string): boolean {
  return LINK_FAILURES.some((pattern) => pattern.test(message));
}

/** How long to wait before sending a query again after the link dropped: 0.5 s, 1 s, 2 s, 4 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 4000);
}

/** Queries are sent again at most this many times after a dropped link. */
export const MAX_RESENDS_AFTER_LOSS = 4;

/** A command that changes the host was in flight when the connection dropped: it is never sent again. */
export class ConnectionLostError extends VirshError {
  override name = 'ConnectionLostError';
  /** The step that sent it stays in doubt in the journal: resume checks the host first. */
  readonly effectUnknown = true;
  constructor(
    args: readonly string[],
    readonly uri: string,
    readonly libvirtMessage: string,
  ) {
    super(
      `connection to ${uri} lost while '${args[0] ?? ''}' ran (${libvirtMessage}); it was not sent again: it may or may not have taken effect, and the journal flow re-reads the host to find out (virtsnap resume)`,
      args,
    );
  }
}

/** Seconds between keepalive probes, and probes missed before the link counts as dead: noticed in 4–6 s. */
export const KEEPALIVE_INTERVAL_S = 2;
export const KEEPALIVE_COUNT = 2;

/** virsh's keepalive options for a URI that reaches another machine (none for local sockets and the test driver). */
export function keepaliveArgs(uri: string): string[] {
  const match = /^([a-z0-9+.-]+):\/\/([^/?]*)/i.exec(uri);
  const remote = match !== null && (/\+(?:ssh|libssh2?|tcp|tls)$/i.test(match[1]!) || (match[2] !== '' && match[2] !== 'localhost'));
  return remote ? ['-k', String(KEEPALIVE_INTERVAL_S), '-K', String(KEEPALIVE_COUNT)] : [];
}

/**
 * One connection's link: takes the event lines out of each command's stderr, tells listeners,
 * and judges a failed command: a query the link dropped under is sent again (with backoff, a
 * few times); a command that changes the host fails with ConnectionLostError.
 */
export class LinkWatch {
  private readonly listeners = new Set<ConnectionListener>();
  private readonly resends = new WeakMap<object, number>();
  /** Every event seen, oldest first (the last 50). */
  readonly history: ConnectionEvent[] = [];

  on(listener: ConnectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** When each event line arrived (virsh prints a drop as it happens, not when the next command ends). */
  private readonly arrived = new Map<string, number>();

  /** Called with the stderr received so far: notes the arrival time of new event lines. */
  observe(stderr: string): void {
    if (!stderr.includes('error: ')) return;
    for (const line of stderr.split('\n')) {
      if (!this.arrived.has(line) && EVENT_LINES.some(([, pattern]) => pattern.test(line))) this.arrived.set(line, Date.now());
    }
  }

  /** The stderr without event lines; `dropped` when the link went away during (or just before) this command. */
  take(stderr: string): { stderr: string; dropped: boolean } {
    const { stderr: rest, events } = takeConnectionEvents(stderr, Date.now(), (line) => this.arrived.get(line));
    for (const event of events) this.arrived.delete(`error: ${event.message}`);
    for (const event of events) {
      this.history.push(event);
      if (this.history.length > 50) this.history.shift();
      for (const listener of this.listeners) listener(event);
    }
    return { stderr: rest, dropped: events.some((e) => e.kind !== 'reconnected') };
  }

  /**
   * What becomes of a failed command: null (its own failure), a delay before it is sent again,
   * or the error it fails with.
   */
  judge(job: { command: { args: readonly string[]; mutates: boolean } }, message: string, dropped: boolean, uri: string): null | { resendAfterMs: number } | ConnectionLostError {
    if (!isLinkFailure(message) && !dropped) return null;
    if (job.command.mutates) return new ConnectionLostError(job.command.args, uri, message);
    const attempt = this.resends.get(job) ?? 0;
    if (attempt >= MAX_RESENDS_AFTER_LOSS) return null;
    this.resends.set(job, attempt + 1);
    return { resendAfterMs: reconnectDelayMs(attempt) };
  }
}

/**
 * Tells `journal` of every drop and reconnection of the link under `runner` (a session's), until
 * the returned function is called: a flow that follows a job across a drop shows the gap.
 */
export function noteLinkGaps(runner: unknown, journal: { note(text: string): void }): () => void {
  const link = (runner as { link?: unknown } | null)?.link;
  if (!(link instanceof LinkWatch)) return () => {};
  let lostAt: number | null = null;
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  return link.on((event) => {
    if (event.kind === 'lost') {
      lostAt ??= event.at;
      journal.note(`connection lost at ${time(event.at)} UTC (${event.message}); the job goes on in libvirt`);
    } else if (event.kind === 'reconnected') {
      const gap = lostAt === null ? '' : ` after ${((event.at - lostAt) / 1000).toFixed(1)} s`;
      lostAt = null;
      journal.note(`reconnected at ${time(event.at)} UTC${gap}: following the job again`);
    } else journal.note(`reconnecting failed at ${time(event.at)} UTC; trying again`);
  });
}
