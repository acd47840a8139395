// Several hosts in the TUI (libvirt's test driver): hosts are the top level of the left pane,
// each connects when it is opened or selected, and one that cannot be reached shows libvirt's
// message on its own row and details only.

import { afterEach, describe, expect, it } from 'vitest';
import { demoUri } from '../../../src/engine/connect.js';
import { selectedSnapshotName } from '../../../src/store/app-store.js';
import { cleanups, fits, hostsFile, startHosts } from './render-hosts.js';

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('hosts in the TUI (test driver)', () => {
  it('a bad URI shows its error on its own row and details; the other hosts work, and a revert acts on the host it was chosen on', async () => {
    const entries = hostsFile([
      { name: 'alpha', uri: demoUri() },
      { name: 'beta', uri: demoUri() },
      { name: 'broken', uri: 'test:///nonexistent-virtsnap-hosts.xml' },
    ]);
    const { store, pool, frame, wait, press, toHost } = startHosts(entries, { retryBaseMs: 60_000 });
    // The first frame is drawn before the terminal's size is set.
    await wait(() => frame().includes('alpha') && frame().includes('beta') && frame().includes('broken') && fits(frame()), 'three host rows at 80×24');

    // The broken host, opened: failed, libvirt's whole message in the details, never loading… forever.
    await toHost('broken');
    await press('\r', () => store.getState().hosts[2]!.connection.kind === 'failed', 'broken host failed');
    const failed = store.getState().hosts[2]!.connection;
    expect(failed.kind === 'failed' && failed.message).toMatch(/nonexistent-virtsnap-hosts\.xml/);
    await wait(() => frame().includes('failed; next attempt in') && frame().includes('r retries now') && frame().includes('failed to load external entity'), 'failure in the details');
    expect(frame()).not.toContain('loading…');
    expect(fits(frame())).toBe(true);

    // beta, opened: its domains, a domain selected, a snapshot reverted through the dialog.
    await toHost('beta');
    await press('\r', () => store.getState().domains !== null, 'beta connected and read');
    expect(store.getState().hosts[1]!.connection.kind).toBe('connected');
    expect(store.getState().hosts[2]!.connection.kind).toBe('failed');
    await press('j', () => !store.getState().onHostRow && store.getState().hosts[store.getState().hostIndex]!.name === 'beta', 'first domain of beta');
    await wait(() => frame().includes('fresh-install'), 'the web-01 tree');
    expect(fits(frame())).toBe(true);
    await press('\t');
    await press('j', () => selectedSnapshotName(store.getState()) === 'nginx configured', 'nginx configured');
    await press('v', () => frame().includes('Revert web-01 to “nginx configured”'), 'revert dialog');
    await press('\u001b[C', () => store.getState().confirm?.focus === 'confirm', 'focus on Proceed');
    await press('\r', () => store.getState().domains!.find((d) => d.name === 'web-01')?.currentSnapshot === 'nginx configured', 'reverted on beta');
    await wait(() => store.getState().confirm === null || store.getState().confirm !== null, 'settled');

    // Checked on each host's own connection: beta reverted, alpha untouched (not even connected).
    const beta = pool.host('beta')!;
    expect((await beta.forest('web-01')).current).toBe('nginx configured');
    const alpha = await pool.connect('alpha');
    expect((await alpha.forest('web-01')).current).toBe('tls-renewal');
    expect(store.getState().hosts[2]!.connection.kind).toBe('failed');
  });

  it('20 collapsed hosts: the commands at start do not grow with the number of hosts', async () => {
    const count = async (n: number) => {
      const entries = hostsFile(Array.from({ length: n }, (_, i) => ({ name: `h${String(i).padStart(2, '0')}`, uri: demoUri() })));
      const { store, log, frame, wait } = startHosts(entries);
      await wait(() => store.getState().lastRefresh !== null, 'first host read');
      await new Promise((r) => setTimeout(r, 300));
      expect(fits(frame())).toBe(true);
      const commands = log.list().length;
      await store.getState().refresh();
      return { start: commands, refresh: log.list().length - commands };
    };
    const two = await count(2);
    const twenty = await count(20);
    expect(twenty.start).toBeGreaterThan(0);
    expect(twenty.start).toBe(two.start);
    expect(twenty.refresh).toBe(two.refresh);
  });
});
