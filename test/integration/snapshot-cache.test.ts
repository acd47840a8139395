// The refresh cache on the test driver: an unchanged domain costs the two cheap questions and
// gives back the same forest; new names, another current snapshot, a change made through this
// connection, or a table older than the set age read everything again.

import { afterEach, describe, expect, it } from 'vitest';
import { writeChainHost } from '../../bench/chain-host.js';
import { demoUri, openHost } from '../../src/engine/connect.js';
import type { Host } from '../../src/engine/host.js';
import { SnapshotCache } from '../../src/engine/snapshot-cache.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';
import { listDomainsWithSnapshots } from '../../src/engine/domain-listing.js';

let host: Host | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

function open(count: number): Host {
  host = openHost({ uri: `test://${writeChainHost('chain', count)}` });
  return host;
}

/** The virsh commands `fn` runs, by their first two words. */
async function commandsOf(h: Host, fn: () => Promise<unknown>): Promise<string[]> {
  const mark = h.runner.log.lastSeq();
  await fn();
  return h.runner.log.since(mark).map((e) => e.args.slice(0, 2).join(' ') + (e.args.includes('--parent') ? ' --parent' : ''));
}

describe('SnapshotCache', () => {
  it('reads the table once, then only the names and the current snapshot while they stay the same', async () => {
    const h = open(30);
    const cache = new SnapshotCache(h);
    let first: Awaited<ReturnType<SnapshotCache['get']>> | undefined;
    const full = await commandsOf(h, async () => (first = await cache.get('chain')));
    expect(full).toHaveLength(4);
    expect(full).toContain('snapshot-list --domain=chain --parent');
    expect(first!.fetched).toBe('full');
    expect(first!.forest.count).toBe(30);
    expect(first!.current).toBe('snap-29');

    let second: typeof first;
    const cheap = await commandsOf(h, async () => (second = await cache.get('chain')));
    expect(cheap).toHaveLength(2);
    expect(cheap.some((c) => c.endsWith('--parent'))).toBe(false);
    expect(second!.fetched).toBe('unchanged');
    expect(second!.forest).toBe(first!.forest);

    // full: every command again, whatever the answers
    expect(await commandsOf(h, () => cache.get('chain', { full: true }))).toHaveLength(4);
  });

  it('a change through this connection makes it read everything, and the result shows it', async () => {
    const h = open(5);
    const cache = new SnapshotCache(h);
    await cache.get('chain');
    await h.createSnapshotAs('chain', { name: 'added' });
    const after = await cache.get('chain');
    expect(after.fetched).toBe('full');
    expect(after.forest.count).toBe(6);
    expect(after.current).toBe('added');
    expect(after.summaries.find((s) => s.name === 'added')?.parent).toBe('snap-4');
  });

  it('a change it did not see (new current snapshot, other names) is found by the cheap questions', async () => {
    const h = open(5);
    const cache = new SnapshotCache(h);
    await cache.get('chain');
    // As another client would: the same virsh session, but not marked as a change, so the
    // cache hears nothing of it and must find it by asking.
    await h.run({ ...virshCommands.setCurrentSnapshot('chain', 'snap-1'), mutates: false });
    const moved = await cache.get('chain');
    expect(moved.fetched).toBe('full');
    expect(moved.current).toBe('snap-1');
    expect(moved.forest.current).toBe('snap-1');

    await h.run({ ...virshCommands.createSnapshotAs('chain', { name: 'other' }), mutates: false });
    const grown = await cache.get('chain');
    expect(grown.fetched).toBe('full');
    expect(grown.forest.count).toBe(6);
  });

  it('a table older than the set age is read again even when nothing seems to change', async () => {
    const h = open(5);
    let clock = 1_000;
    const cache = new SnapshotCache(h, { maxAgeMs: 10_000, now: () => clock });
    await cache.get('chain');
    clock += 9_000;
    expect((await cache.get('chain')).fetched).toBe('unchanged');
    clock += 2_000;
    expect((await cache.get('chain')).fetched).toBe('full');
  });

  it('a cached domain listing runs no table for an unchanged domain; an uncached one reads it', async () => {
    const h = open(50);
    const first = await listDomainsWithSnapshots(h, { cached: true });
    expect(first.rows[0]).toMatchObject({ name: 'chain', snapshotCount: 50, currentSnapshot: 'snap-49' });
    const again = await commandsOf(h, () => listDomainsWithSnapshots(h, { cached: true }));
    expect(again.some((c) => c.endsWith('--parent'))).toBe(false);
    const second = await listDomainsWithSnapshots(h, { cached: true });
    expect(second.forests.get('chain')).toBe(first.forests.get('chain'));
    const forced = await commandsOf(h, () => listDomainsWithSnapshots(h));
    expect(forced.filter((c) => c.endsWith('--parent'))).toHaveLength(1);
  });

  it('a full read without the names listing gives exactly what the listing gives, odd names included', async () => {
    const h = open(2);
    // `trail ` has a child and `trail` none: the table's name column shows both as `trail`.
    const make = async (name: string, from?: string) => {
      if (from) await h.run(virshCommands.setCurrentSnapshot('chain', from));
      await h.createSnapshotAs('chain', { name });
    };
    await make('trail ');
    await make('kid');
    await make('trail', 'snap-1');
    await make(' lead ', 'snap-0');
    await make('trail  ');
    await make('x\\xy 日本語 <&>');
    const viaNames = async () => ({ names: await h.snapshotNames('chain'), summaries: await h.listSnapshots('chain') });
    const expected = await viaNames();
    const read = await commandsOf(h, async () => {
      const got = await h.readSnapshots('chain');
      expect(got.names).toEqual(expected.names);
      expect(got.summaries).toEqual(expected.summaries);
    });
    // the table, the leaves, the external ones, the current one
    expect(read).toHaveLength(4);
    expect(read).toContain('snapshot-list --domain=chain --parent');

    // A character virsh shows as \xff: the table cannot tell, and the names are asked for.
    await make('odd\u0378');
    const after = await viaNames();
    const fallback = await commandsOf(h, async () => {
      const got = await h.readSnapshots('chain');
      expect(got.names).toEqual(after.names);
      expect(got.summaries).toEqual(after.summaries);
    });
    expect(fallback).toHaveLength(5);
  });

  it('the demo host reads the same without the names listing', async () => {
    host = openHost({ uri: demoUri() });
    const h = host;
    for (const { name: domain } of await h.listDomains()) {
      const got = await h.readSnapshots(domain);
      expect(got.names).toEqual(await h.snapshotNames(domain));
      expect(got.summaries).toEqual(await h.listSnapshots(domain));
    }
  });
});
