// One mutating flow per domain at a time, across virtsnap processes on this machine: a flow
// takes a lock file for (host URI, domain) before its first step and drops it after its last.
// A second process finds the holder's record (pid, flow, since) and refuses with it, so the
// operator knows who is changing the domain. Read-only views never take the lock.
//
// The lock is a file created with O_EXCL in $XDG_RUNTIME_DIR/virtsnap/locks (per user, cleared
// at logout and reboot), else in the journal's state dir. A lock whose process is gone (SIGKILL,
// power loss) is stale and is taken over. (proper-lockfile and the like track staleness by
// mtime and record no holder, which is what the refusal must name.) The test driver needs no
// lock: its domains live inside one connection.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { xdgRuntime } from 'xdg-basedir';
import { RequestRefusedError } from '../error-report.js';
import { defaultJournalDir } from './journal.js';

export interface LockHolder {
  pid: number;
  host: string;
  uri: string;
  domain: string;
  flow: string;
  title: string;
  since: string;
}

export class DomainBusyError extends RequestRefusedError {
  override name = 'DomainBusyError';
  constructor(readonly holder: LockHolder) {
    super(
      `${holder.domain} is being changed by another virtsnap (pid ${holder.pid} on ${holder.host}: ${holder.title}, since ${holder.since}); ` +
        'wait for it to finish, or check `virtsnap journal`',
    );
  }
}

export function defaultLockDir(): string {
  return xdgRuntime ? join(xdgRuntime, 'virtsnap', 'locks') : join(defaultJournalDir(), 'locks');
}

function lockPath(dir: string, uri: string, domain: string): string {
  const key = createHash('sha256').update(`${uri}\0${domain}`).digest('hex').slice(0, 32);
  return join(dir, `${key}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

export interface DomainLock {
  release(): void;
}

/**
 * Takes the lock for (uri, domain), or throws DomainBusyError naming the holder. The same
 * process may take it again (a flow that resumes another inside it is still one writer).
 */
export function lockDomain(
  fields: { uri: string; domain: string; flow: string; title: string },
  dir: string = defaultLockDir(),
): DomainLock {
  // The test driver keeps its domains inside each connection: no other process can reach them.
  if (fields.uri.startsWith('test://')) return { release() {} };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = lockPath(dir, fields.uri, fields.domain);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), ...fields };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder && holder.pid === process.pid) return { release() {} };
    // Stale: its process is gone (or the file is torn). Take it over and try again.
    if (!holder || (holder.host === me.host && !alive(holder.pid))) {
      rmSync(path, { force: true });
      continue;
    }
    throw new DomainBusyError(holder);
  }
  throw new Error(`could not take the lock ${path}`);
}
