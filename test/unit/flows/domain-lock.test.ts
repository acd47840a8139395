// One writer per domain across processes: a second virsh process is refused with the holder's
// name; a lock whose process died is taken over; the test driver needs none.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainBusyError, lockDomain } from '../../../src/engine/flows/domain-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vs-lock-'));
  dirs.push(d);
  return d;
}
const fields = { uri: 'qemu:///system', domain: 'web', flow: 'revert', title: 'Revert web to “a”' };

/** Puts a holder record in place of the lock file, as another process would have written it. */
function plantHolder(dir: string, pid: number): void {
  const probe = lockDomain(fields, dir);
  const [file] = readdirSync(dir);
  probe.release();
  writeFileSync(join(dir, file!), JSON.stringify({ ...fields, pid, host: hostname(), since: '2026-11-30T03:00:00.000Z', title: 'Delete “x” of web' }));
}

describe('lockDomain', () => {
  it('refuses a second writer while the holder lives, naming it', () => {
    const dir = tempDir();
    plantHolder(dir, 1); // PID 1 is always alive
    let error: unknown;
    try {
      lockDomain(fields, dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainBusyError);
    expect((error as Error).message).toMatch(/pid 1 on .*Delete “x” of web, since 2026-11-30T03:00:00/);
    // another domain is not blocked
    lockDomain({ ...fields, domain: 'db' }, dir).release();
  });

  it('takes over a lock whose process is gone', () => {
    const dir = tempDir();
    const dead = spawnSync('true').pid!;
    plantHolder(dir, dead);
    const lock = lockDomain(fields, dir);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is released, and can be taken again; the test driver takes no lock at all', () => {
    const dir = tempDir();
    lockDomain(fields, dir).release();
    lockDomain(fields, dir).release();
    lockDomain({ ...fields, uri: 'test:///x.xml' }, dir);
    expect(readdirSync(dir)).toEqual([]);
  });
});
