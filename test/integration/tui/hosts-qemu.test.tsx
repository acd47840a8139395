// Two real libvirt daemons side by side in the TUI: stopping one shows its error on that host
// only, and the other keeps working (its domains read again, a snapshot created on it).

import { afterEach, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from '../lab.js';
import { cleanups, fits, hostsFile, startHosts } from './render-hosts.js';

const labs: Lab[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all(labs.splice(0).map((lab) => lab.stop()));
});

describeLab('two lab hosts in the TUI', () => {
  it('stopping one shows its error on that host only; the other keeps working', async () => {
    const [one, two] = await Promise.all([startLab(), startLab()]);
    labs.push(one!, two!);
    const [d1, d2] = await Promise.all([one!.newDomain({ running: false }), two!.newDomain({ running: false })]);
    const entries = hostsFile([
      { name: 'lab-one', uri: one!.uri },
      { name: 'lab-two', uri: two!.uri },
    ]);
    const { store, frame, wait, press, toHost } = startHosts(entries, { retryBaseMs: 60_000 });
    const row = (name: string) => store.getState().hosts.find((h) => h.name === name)!;

    // Both opened: each lists its own domain.
    await toHost('lab-one');
    await press('\r', () => row('lab-one').connection.kind === 'connected' && (store.getState().domains?.length ?? 0) > 0, 'lab-one read');
    expect(store.getState().domains!.map((d) => d.name)).toEqual([d1.name]);
    const connected = row('lab-one').connection;
    expect(connected.kind === 'connected' && connected.libvirt).toMatch(/^9\./);
    await toHost('lab-two');
    await press('\r', () => row('lab-two').connection.kind === 'connected' && (store.getState().domains?.length ?? 0) > 0, 'lab-two read');
    expect(store.getState().domains!.map((d) => d.name)).toEqual([d2.name]);
    await wait(() => frame().includes(d1.name) && frame().includes(d2.name) && fits(frame()), 'both hosts open, at 80×24');

    // lab-one's daemon stops: its refresh fails, and the failure is on its row and in its details.
    await one!.stop();
    labs.splice(labs.indexOf(one!), 1);
    await toHost('lab-one');
    await press('r', () => row('lab-one').connection.kind === 'failed' || store.getState().refreshError !== null, 'lab-one failed', );
    await wait(() => /lab-one failed/.test(frame()) && fits(frame()), 'lab-one failed on its row', 30_000);
    expect(frame()).not.toMatch(/lab-two failed/);
    const lost = row('lab-one').connection;
    // libvirt's whole message, on that host only
    expect(lost.kind === 'failed' && lost.message).toMatch(/Failed to connect socket to '.*libvirt-sock'/);

    // lab-two still works: read again, a snapshot created on it through its own connection.
    await toHost('lab-two');
    await press('j', () => !store.getState().onHostRow, 'lab-two domain');
    await store.getState().refresh({ announce: true });
    expect(store.getState().refreshError).toBeNull();
    expect(row('lab-two').connection.kind).toBe('connected');
    expect(store.getState().domains!.map((d) => d.name)).toEqual([d2.name]);
    const made = await two!.virsh('snapshot-create-as', '--domain', d2.name, '--name', 'after-one-stopped', '--disk-only', '--atomic');
    expect(made.exitCode).toBe(0);
    await store.getState().refresh();
    await wait(() => store.getState().domains!.find((d) => d.name === d2.name)?.snapshotCount === 1, 'lab-two sees the new snapshot');
    expect(row('lab-one').connection.kind, frame()).toBe('failed');
    await toHost('lab-one');
    await wait(() => /lab-one failed/.test(frame()) && /lab-two connected/.test(frame()) && fits(frame()), 'lab-one still failed, lab-two connected');
  }, 240_000);
});
