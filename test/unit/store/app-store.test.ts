// The store on recorded virsh output (no virsh runs): navigation, selection kept by name across
// refreshes, reorders and filters, focus over the panes, collapse, refresh errors and backoff.

import { describe, expect, it } from 'vitest';
import { selectedDomain, selectedSnapshotName, selectedTree } from '../../../src/store/app-store.js';
import { argvKey } from './recorded-runner.js';
import { DEMO, recordedStore, settle } from './helpers.js';

const LIST = ['list', '--all', '--uuid', '--name'];

async function loaded() {
  const t = recordedStore();
  await t.store.getState().refresh();
  await settle(t.store);
  return t;
}

describe('store on the recorded demo host', () => {
  it('reads every domain and forest in one refresh, and notes when', async () => {
    const { store, runner } = await loaded();
    const state = store.getState();
    expect(state.domains!.map((d) => d.name)).toEqual(['web-01', 'db-primary', 'win11-lab', 'mail-relay', 'build-runner', 'dev-sandbox']);
    expect(state.forests['web-01']!.count).toBe(7);
    expect(state.lastRefresh).toBeGreaterThan(0);
    expect(state.refreshError).toBeNull();
    expect(runner.ran.filter((a) => argvKey(a) === argvKey(LIST))).toHaveLength(1);
  });

  it('keeps the selected domain and snapshot when a refresh reorders the list', async () => {
    const { store, runner, press } = await loaded();
    press('j'); // db-primary
    press('tab', 'j', 'j');
    const domain = selectedDomain(store.getState())!.name;
    const snapshot = selectedSnapshotName(store.getState());
    expect(domain).toBe('db-primary');
    expect(snapshot).not.toBeNull();
    // After a revert virsh lists running domains first: db-primary moves from row 2 to row 5.
    const recorded = DEMO.answers[argvKey(LIST)]![0]!;
    const lines = recorded.stdout.trim().split('\n');
    runner.answer(LIST, { stdout: `${[...lines.slice(2), ...lines.slice(0, 2)].join('\n')}\n`, stderr: '' });
    await store.getState().refresh({ background: true });
    await settle(store);
    expect(store.getState().domains!.map((d) => d.name).indexOf('db-primary')).toBe(5);
    expect(selectedDomain(store.getState())!.name).toBe('db-primary');
    expect(selectedSnapshotName(store.getState())).toBe(snapshot);
  });

  it('keeps the domain chosen through a filter once the filter is cleared', async () => {
    const { store, press, type } = await loaded();
    press('/');
    type('b');
    expect(store.getState().inputMode).toBe('search');
    press('return', 'G');
    expect(selectedDomain(store.getState())!.name).toBe('dev-sandbox');
    press('escape');
    expect(store.getState().domainFilter).toBe('');
    expect(selectedDomain(store.getState())!.name).toBe('dev-sandbox');
    expect(store.getState().domainIndex).toBe(5);
  });

  it('keeps the selected domain while the filter still matches it', async () => {
    const { store, press, type } = await loaded();
    press('j', 'j'); // win11-lab
    press('/');
    type('l');
    // web-01, win11-lab, mail-relay, dev-sandbox match: win11-lab stays selected
    expect(selectedDomain(store.getState())!.name).toBe('win11-lab');
    type('ab');
    expect(selectedDomain(store.getState())!.name).toBe('win11-lab');
  });

  it('Tab visits the panes shown, the log only while it is open; h and Esc go back', async () => {
    const { store, press } = await loaded();
    const focus = () => store.getState().focus;
    press('tab');
    expect(focus()).toBe('snapshots');
    press('tab');
    expect(focus()).toBe('details');
    press('tab');
    expect(focus()).toBe('domains');
    press('L', 'shift-tab');
    expect(focus()).toBe('log');
    press('escape');
    expect(focus()).toBe('domains');
    press('tab', 'tab', 'h');
    expect(focus()).toBe('snapshots');
    press('left');
    expect(focus()).toBe('domains');
    press('l');
    expect(focus()).toBe('snapshots');
    press('escape');
    expect(focus()).toBe('domains');
  });

  it('collapses and expands a subtree, and jumps to the current snapshot', async () => {
    const { store, press } = await loaded();
    press('tab', 'j', 'j');
    expect(selectedSnapshotName(store.getState())).toBe('before upgrade');
    const all = selectedTree(store.getState()).length;
    press('z');
    const lines = selectedTree(store.getState());
    expect(lines.length).toBeLessThan(all);
    expect(lines.find((l) => l.node.name === 'before upgrade')!.hidden).toBe(all - lines.length);
    expect(lines.some((l) => l.node.name === 'tls-renewal')).toBe(false);
    // the current snapshot (tls-renewal) is under the collapsed one: * opens the way to it
    press('g', '*');
    expect(selectedSnapshotName(store.getState())).toBe('tls-renewal');
    expect(selectedTree(store.getState())).toHaveLength(all);
    press('g', 'j', 'j', 'z', 'Z');
    expect(selectedTree(store.getState())).toHaveLength(all);
    expect(selectedSnapshotName(store.getState())).toBe('before upgrade');
  });

  it('a refresh that fails keeps the whole libvirt message, holds off automatic retries, and r retries', async () => {
    const t = recordedStore();
    const stderr = `I/O warning : failed to load external entity "/nonexistent.xml"\nerror: failed to connect to the hypervisor\nerror: XML error: failed to parse xml document '/nonexistent.xml'\n`;
    t.runner.answer(LIST, { stdout: '', stderr, died: { exitCode: 1 } });
    await t.store.getState().refresh();
    const state = t.store.getState();
    expect(state.domains).toBeNull();
    expect(state.refreshError).toContain("failed to parse xml document '/nonexistent.xml'");
    expect(state.refreshError).toContain('failed to connect to the hypervisor');
    expect(state.busy).toBe(false);
    const tries = () => t.runner.ran.filter((a) => argvKey(a) === argvKey(LIST)).length;
    expect(tries()).toBe(1);
    // the automatic refresh waits; a manual one (r) does not
    await t.store.getState().refresh({ background: true });
    expect(tries()).toBe(1);
    t.runner.answer(LIST, DEMO.answers[argvKey(LIST)]![0]!);
    t.press('r');
    await settle(t.store, () => t.store.getState().domains !== null, 'the retry');
    expect(t.store.getState().refreshError).toBeNull();
    expect(t.store.getState().message?.text).toMatch(/^refreshed: 6 domains/);
  });

  it('a refresh while one runs is answered by the running one', async () => {
    const { store, runner } = await loaded();
    const before = runner.ran.length;
    await Promise.all([store.getState().refresh(), store.getState().refresh(), store.getState().refresh()]);
    expect(runner.ran.filter((a, i) => i >= before && argvKey(a) === argvKey(LIST))).toHaveLength(1);
  });
});
