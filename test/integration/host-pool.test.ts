// Several hosts side by side on libvirt's test driver: connected when opened, a few at a time,
// each with its own status; a failed host keeps libvirt's whole message and is tried again with
// backoff (and connects once it can); one host lost does not touch the others.

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { demoUri, openHost } from '../../src/engine/connect.js';
import { HostPool, type HostConnection } from '../../src/engine/host-pool.js';
import type { HostEntry } from '../../src/engine/hosts-file.js';
import { listDomainsWithSnapshots } from '../../src/engine/domain-listing.js';

const entry = (name: string, uri: string): HostEntry => ({ name, uri, identity: null, readonly: true });

function waitFor(pool: HostPool, name: string, kind: HostConnection['kind'], timeoutMs = 10_000): Promise<HostConnection> {
  return new Promise((resolve, reject) => {
    if (pool.status(name).kind === kind) return resolve(pool.status(name));
    const timer = setTimeout(() => reject(new Error(`${name} still ${pool.status(name).kind}`)), timeoutMs);
    const stop = pool.onChange((changed, status) => {
      if (changed !== name || status.kind !== kind) return;
      clearTimeout(timer);
      stop();
      resolve(status);
    });
  });
}

describe('HostPool', () => {
  it('connects hosts when opened, at most N at a time; a failed one says why, retries with backoff and connects once it can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vs-pool-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const missing = join(dir, 'later.xml');
    const entries = [...Array.from({ length: 5 }, (_, i) => entry(`demo-${i}`, demoUri())), entry('later', `test://${missing}`)];
    let active = 0;
    let maxActive = 0;
    const pool = new HostPool(entries, {
      parallel: 2,
      retryBaseMs: 200,
      open: (e) => {
        maxActive = Math.max(maxActive, ++active);
        return openHost({ uri: e.uri, readonly: e.readonly });
      },
    });
    const changes: string[] = [];
    pool.onChange((name, status) => {
      changes.push(`${name}:${status.kind}`);
      if (status.kind === 'connected' || status.kind === 'failed') active--;
    });
    try {
      expect(pool.names().map((n) => pool.status(n).kind)).toEqual(Array(6).fill('idle'));
      // nothing connects before it is opened
      expect(changes).toEqual([]);
      const results = await Promise.allSettled(pool.names().map((n) => pool.connect(n)));
      expect(maxActive).toBe(2);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      expect(pool.status('demo-3')).toEqual({ kind: 'connected', libvirt: '9.0.0', hypervisor: 'TEST 0.0.2' });
      const failed = pool.status('later');
      expect(failed.kind).toBe('failed');
      // libvirt's whole message, every line
      expect(failed.kind === 'failed' && failed.message).toMatch(/failed to connect to the hypervisor[\s\S]*later\.xml/);
      expect(pool.host('later')).toBeNull();
      // the others work while one is down
      expect((await listDomainsWithSnapshots(pool.host('demo-1')!)).rows.length).toBeGreaterThan(0);

      // the file appears: the next retry connects by itself
      copyFileSync(demoUri().slice('test://'.length), missing);
      const connected = await waitFor(pool, 'later', 'connected');
      expect(connected).toMatchObject({ kind: 'connected', libvirt: '9.0.0' });
      expect(changes.filter((c) => c.startsWith('later:'))).toEqual(expect.arrayContaining(['later:connecting', 'later:failed', 'later:connected']));

      // a host lost after connecting is connected again, and no other host notices
      const before = pool.names().filter((n) => n !== 'demo-0').map((n) => pool.status(n));
      pool.lost('demo-0', 'error: Disconnected from test:///… due to end of file');
      expect(pool.status('demo-0')).toMatchObject({ kind: 'failed', message: expect.stringContaining('Disconnected') });
      await waitFor(pool, 'demo-0', 'connected');
      expect(pool.names().filter((n) => n !== 'demo-0').map((n) => pool.status(n))).toEqual(before);
    } finally {
      await pool.close();
    }
  });

  it('backs off: 1×, 2×, 4× the base delay between attempts, up to the maximum', async () => {
    const pool = new HostPool([entry('gone', 'test:///nonexistent.xml')], { retryBaseMs: 100, retryMaxMs: 300 });
    const delays: number[] = [];
    pool.onChange((_, status) => {
      if (status.kind === 'failed') delays.push(Math.round((status.retryAt - Date.now()) / 100) * 100);
    });
    try {
      await pool.connect('gone').catch(() => {});
      for (let attempt = 2; attempt <= 4; attempt++) {
        await waitFor(pool, 'gone', 'connecting', 2000);
        await waitFor(pool, 'gone', 'failed', 2000);
      }
      expect(delays).toEqual([100, 200, 300, 300]);
    } finally {
      await pool.close();
    }
  });
});
