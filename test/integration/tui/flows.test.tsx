// Revert and delete in the TUI, the unfinished flows shown at start, and the journal view: the
// real engine plans on the demo host (the test driver), keys in, frames out, at 80×24.

import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectFits, KEY, openDemoHost, renderDemoApp, until } from './demo-app.js';
import { demoUri } from '../../../src/engine/connect.js';
import { planDelete } from '../../../src/engine/flows/delete.js';
import type { FlowPlan } from '../../../src/engine/flows/flow-plan.js';
import { runFlow } from '../../../src/engine/flows/flow-run.js';
import { Journal } from '../../../src/engine/flows/journal.js';
import { planLines } from '../../../src/engine/flows/plan-print.js';
import { planRevert } from '../../../src/engine/flows/revert.js';
import { virshCommands } from '../../../src/engine/virsh/commands.js';
import { selectedSnapshotName } from '../../../src/store/app-store.js';

/** A frame as running text: borders dropped, wrapped lines joined. */
const flat = (frame: string) => frame.replace(/[║│]/g, ' ').replace(/\s+/g, ' ');

const newJournal = () => new Journal(mkdtempSync(join(tmpdir(), 'vs-tui-flows-')));

async function startApp(journal: Journal = newJournal()) {
  const { app, store, host, frame, frames, press } = await renderDemoApp({ journal });
  const dialog = () => store.getState().confirm!;
  /** The whole plan as the dialog shows it, page by page from the top (the body scrolls). */
  const wholePlan = async (): Promise<string> => {
    while (dialog().scroll > 0) {
      const from = dialog().scroll;
      await press(KEY.pageUp, () => dialog().scroll < from, 'scrolled up');
    }
    const pages: string[] = [];
    for (;;) {
      const { scroll, maxScroll } = dialog();
      await until(() => maxScroll === 0 || frame().includes(`plan ${scroll + 1}–`), `page at ${scroll}`);
      pages.push(frame());
      if (scroll >= maxScroll) break;
      await press(KEY.pageDown, () => dialog().scroll > scroll, 'scrolled down');
    }
    // lines wrap at the dialog's width: read the pages as running text
    return flat(pages.join('\n'));
  };
  /** Waits for the dialog's plan to be made again after an option change. */
  const replanned = (check: (plan: FlowPlan) => boolean, what: string) =>
    until(() => !!store.getState().confirm && !dialog().replanning && check(dialog().plan), what);
  return { app, store, frame, frames, press, host, journal, dialog, wholePlan, replanned };
}

async function openTree(t: Awaited<ReturnType<typeof startApp>>, snapshot: string) {
  await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'tree');
  await t.press('\t', () => t.store.getState().focus === 'snapshots', 'snapshot pane');
  for (let i = 0; i < 10 && selectedSnapshotName(t.store.getState()) !== snapshot; i++) {
    const before = t.store.getState().snapshotIndex;
    await t.press('j', () => t.store.getState().snapshotIndex !== before);
  }
  expect(selectedSnapshotName(t.store.getState())).toBe(snapshot);
}

/**
 * A revert that fails after its first step changed the host: the safety snapshot is taken, then
 * the target is gone (deleted in the same test-driver session) so the revert itself fails.
 */
async function seedUnfinishedRevert(journal: Journal): Promise<string> {
  const host = openDemoHost();
  const plan = await planRevert(host, { domain: 'web-01', snapshot: 'after upgrade' });
  expect(plan.machine.plan().map((s) => s.id)).toEqual(['safety-snapshot', 'revert']);
  await host.run(virshCommands.deleteSnapshot('web-01', 'after upgrade'));
  const outcome = await runFlow(plan, { journal });
  expect(outcome.status).toBe('failed');
  expect(outcome.unfinished).toBe(true);
  return outcome.flowId;
}

describe('flows in the TUI at 80×24', () => {
  it('revert: the end state and the safety snapshot are options, and each change plans again', async () => {
    const t = await startApp();
    await openTree(t, 'nginx configured');
    await t.press('v', (f) => f.includes('Revert web-01 to “nginx configured”'), 'revert dialog');
    expect(t.dialog().field).toBe('confirmation');
    expect(t.dialog().focus).toBe('cancel');
    expect(t.frame()).toContain('[as the snapshot was]');
    expect(t.frame()).toContain('[x] safety snapshot');
    let plan = await t.wholePlan();
    expect(plan).toContain('keep the present state as');
    expect(plan).toContain('snapshot-revert --domain=web-01');
    expect(plan).not.toContain('--running');

    // up from the confirmation: the plan, then the options from the last one
    for (const field of ['plan', 'force', 'safetySnapshot', 'after']) await t.press(KEY.shiftTab, () => t.dialog().field === field, field);
    const beforeChange = t.host.runner.log.lastSeq();
    await t.press(KEY.right, (f) => f.includes('[running]'), 'running chosen');
    await t.replanned((p) => planLines(p).join('\n').includes('--running'), 'plan with --running');
    // planned again from what the host said when the dialog opened: none of its reads is repeated
    const asked = t.host.runner.log.since(beforeChange).map((entry) => entry.args[0]);
    for (const read of ['domstate', 'snapshot-dumpxml', 'dumpxml', 'checkpoint-list', 'version', 'list']) expect(asked).not.toContain(read);
    plan = await t.wholePlan();
    expect(plan).toMatch(/snapshot-revert --domain=web-01 '--snapshotname=nginx configured' --running/);

    await t.press(KEY.down, () => t.dialog().field === 'safetySnapshot', 'safety option');
    await t.press(' ', (f) => f.includes('[ ] safety snapshot'), 'safety unchecked');
    await t.replanned((p) => !p.machine.plan().some((s) => s.id === 'safety-snapshot'), 'plan without the safety step');
    plan = await t.wholePlan();
    expect(plan).not.toContain('keep the present state as');
    expect(plan).toContain('lost for good');
    await t.press(' ', (f) => f.includes('[x] safety snapshot'), 'safety checked again');
    await t.replanned((p) => p.machine.plan()[0]!.id === 'safety-snapshot', 'the safety step back');

    // Enter on an option goes to the confirmation, whose focus is still Cancel: a second Enter cancels
    await t.press('\r', () => t.dialog().field === 'confirmation', 'to the confirmation');
    expect(t.dialog().focus).toBe('cancel');
    await t.press('\r', () => t.store.getState().confirm === null, 'cancelled');
    expect(t.store.getState().domains!.find((d) => d.name === 'web-01')!.currentSnapshot).toBe('tls-renewal');
    for (const f of t.frames) expectFits(f);
  });

  it('delete: D is the snapshot alone, X with descendants; scope and metadata-only plan again; the typed name runs it', async () => {
    const t = await startApp();
    await openTree(t, 'before upgrade');
    await t.press('D', (f) => f.includes('Delete “before upgrade” of web-01'), 'delete dialog');
    expect(t.frame()).toContain('[it (children move up)]');
    await t.press(KEY.escape, () => t.store.getState().confirm === null, 'closed');
    await t.press('X', (f) => f.includes('[it and descendants]'), 'delete with descendants');
    expect(t.dialog().plan.title).toMatch(/Delete “before upgrade” and 4 descendants of web-01/);
    expect(t.dialog().plan.confirmation).toEqual({ kind: 'type-name', text: 'before upgrade' });

    for (const field of ['plan', 'deleteFiles', 'metadataOnly', 'scope']) await t.press(KEY.shiftTab, () => t.dialog().field === field, field);
    await t.press(KEY.right, (f) => f.includes('[only descendants]'), 'children-only chosen');
    await t.replanned((p) => p.title.startsWith('Delete the 4 descendants of “before upgrade”'), 'children-only plan');
    expect(t.frame()).toContain('Delete the 4 descendants of “before upgrade”');
    await t.press(KEY.down, () => t.dialog().field === 'metadataOnly');
    await t.press(' ', (f) => f.includes('[x] metadata only'), 'metadata only');
    await t.replanned((p) => p.title.endsWith('(metadata only)'), 'metadata-only plan');
    await t.press(KEY.down, () => t.dialog().field === 'deleteFiles');
    await t.press(' ', (f) => f.includes('[x] also delete the files'), 'delete files');
    await t.replanned(() => (t.dialog().options?.request as { deleteFiles?: boolean } | undefined)?.deleteFiles === true, 'delete-files plan');
    const plan = await t.wholePlan();
    for (const name of ['tls-renewal', 'after upgrade', 'php rollback point', 'php 8.3 experiment']) expect(plan).toContain(`delete “${name}”`);

    // typing goes to the name field wherever the focus is
    await t.press('before upgrade', (f) => f.includes('> before upgrade') && t.dialog().typed === 'before upgrade', 'name typed');
    await t.press('\r', () => t.store.getState().confirm === null, 'ran');
    await until(() => t.store.getState().forests['web-01']?.count === 3, 'the descendants gone from the tree');
    // checked on the host, in the session the TUI uses (the test driver keeps its state per connection)
    const { stdout } = await t.host.run(virshCommands.snapshotNames('web-01'));
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(['before upgrade', 'fresh-install', 'nginx configured']);
    expect(t.journal.flows().at(-1)!.end?.status).toBe('done');
    for (const f of t.frames) expectFits(f);
  });

  it('a refused plan shows why, and Enter on Proceed says why instead of running it', async () => {
    const t = await startApp();
    await openTree(t, 'tls-renewal');
    await t.press('v', (f) => f.includes('Revert web-01 to “tls-renewal”'), 'revert dialog');
    const refusal = t.dialog().plan.refusal;
    expect(refusal).toBeTruthy();
    expect(t.frame()).toContain('Refused:');
    const mark = t.host.runner.log.lastSeq();
    await t.press(KEY.right, () => t.dialog().focus === 'confirm', 'Proceed focused');
    await t.press('\r', (f) => f.includes('it cannot run'), 'the reason');
    expect(t.dialog().hint).toContain(refusal!.slice(0, 40));
    expect(t.dialog().phase).toBe('confirming');
    expect(t.host.runner.log.since(mark).filter((e) => /^snapshot-(revert|create)/.test(e.args[0] ?? ''))).toEqual([]);
    expect(t.journal.flows()).toEqual([]);
    for (const f of t.frames) expectFits(f);
  });

  it('a flow that fails part-way shows libvirt’s message, the state left, and that it is unfinished', async () => {
    const t = await startApp();
    await openTree(t, 'after upgrade');
    await t.press('v', (f) => f.includes('Revert web-01 to “after upgrade”'), 'revert dialog');
    // the target disappears between planning and running: the safety snapshot is taken, the revert fails
    await t.host.run(virshCommands.deleteSnapshot('web-01', 'after upgrade'));
    await t.press(KEY.right, () => t.dialog().focus === 'confirm');
    await t.press('\r', () => t.dialog()?.phase === 'failed', 'failed');
    const outcome = t.dialog().outcome!;
    expect(outcome.unfinished).toBe(true);
    await until(() => flat(t.frame()).includes(`journal id ${outcome.flowId}`), 'the flow id');
    const text = flat(t.frame());
    expect(text).toMatch(/Failed: Domain snapshot not found: no domain snapshot with matching name 'after upgrade'/);
    expect(text).toContain('The flow is unfinished');
    expect(text).toContain('The host is left as: the present state is kept in');
    // the plan above it shows each step's status
    while (!t.frame().includes('✓ 1. keep the present state') && (t.dialog().follow || t.dialog().scroll > 0)) {
      const from = t.dialog().follow ? t.dialog().maxScroll : t.dialog().scroll;
      await t.press(KEY.pageUp, () => t.dialog().scroll < from, 'scrolled up');
    }
    await until(() => t.frame().includes('✓ 1. keep the present state'), 'the done step');
    expect(t.frames.some((f) => f.includes('✗ 2. revert web-01 to “after upgrade”'))).toBe(true);
    expect(t.journal.unfinished(t.host.uri).map((f) => f.id)).toEqual([outcome.flowId]);
    await t.press('\r', () => t.store.getState().confirm === null, 'closed');
    for (const f of t.frames) expectFits(f);
  });

  it('shows unfinished flows at start with Later focused; mark resolved closes the flow', async () => {
    const journal = newJournal();
    const id = await seedUnfinishedRevert(journal);
    const t = await startApp(journal);
    await until(() => t.frame().includes('Unfinished flows on this host (1)'), 'the unfinished flows dialog');
    expect(t.store.getState().unfinished!.focus).toBe('later');
    expect(t.frame()).toContain('revert web-01: Revert web-01 to “after upgrade” — 1/2 done');
    expect(t.frame()).toContain('✓ 1. keep the present state');
    expect(t.frame()).toContain('>Later');
    expect(flat(t.frame())).toMatch(/Failed: revert: Domain snapshot not found: .*'after upgrade'/);
    await t.press(KEY.left, () => t.store.getState().unfinished!.focus === 'resolve', 'mark resolved focused');
    await t.press('\r', () => t.store.getState().unfinished === null, 'closed');
    expect(t.store.getState().inputMode).toBe('normal');
    expect(journal.unfinished(demoUri())).toEqual([]);
    expect(journal.find(id)!.end!.status).toBe('resolved');
    for (const f of t.frames) expectFits(f);
  });

  it('continues an unfinished flow from the dialog: the remaining steps run with live progress', async () => {
    const journal = newJournal();
    const id = await seedUnfinishedRevert(journal);
    const t = await startApp(journal);
    await until(() => t.store.getState().unfinished !== null && !t.store.getState().busy, 'dialog');
    for (const focus of ['resolve', 'rollback', 'continue']) await t.press(KEY.left, () => t.store.getState().unfinished!.focus === focus, focus);
    await t.press('\r', () => t.store.getState().unfinished === null, 'continued and closed');
    expect(journal.find(id)!.end!.status).toBe('done');
    // the safety snapshot was done before; only the revert ran, in this session
    await until(() => t.store.getState().domains?.find((d) => d.name === 'web-01')?.currentSnapshot === 'after upgrade', 'reverted');
    const run = t.host.runner.log.list().map((e) => e.args[0]);
    expect(run).toContain('snapshot-revert');
    expect(run).not.toContain('snapshot-create-as');
    for (const f of t.frames) expectFits(f);
  });

  it('a roll back that fails shows the failure and the flow stays unfinished', async () => {
    const journal = newJournal();
    const id = await seedUnfinishedRevert(journal);
    const t = await startApp(journal);
    await until(() => t.store.getState().unfinished !== null, 'dialog');
    for (const focus of ['resolve', 'rollback']) await t.press(KEY.left, () => t.store.getState().unfinished!.focus === focus, focus);
    // the safety snapshot was taken in another test-driver session: this one has none to revert to
    await t.press('\r', () => t.store.getState().unfinished?.phase === 'failed', 'rollback failed');
    await until(() => /Failed: Domain snapshot not found: .*'pre-revert-/.test(flat(t.frame())), 'the failure in the dialog');
    expect(flat(t.frame())).toContain('The host is left as: the present state is kept in');
    expect(journal.find(id)!.end).toBeNull();
    await t.press('\r', () => t.store.getState().unfinished?.phase === 'choosing', 'back to the choices');
    expect(t.store.getState().unfinished!.focus).toBe('later');
    await t.press(KEY.escape, () => t.store.getState().unfinished === null, 'later');
    expect(journal.unfinished(demoUri()).map((f) => f.id)).toEqual([id]);
    for (const f of t.frames) expectFits(f);
  });

  it('the journal view lists flows newest first, and resolves an unfinished one', async () => {
    const journal = newJournal();
    const id = await seedUnfinishedRevert(journal);
    // a finished flow after it
    const host = openDemoHost();
    const done = await runFlow(await planDelete(host, { domain: 'web-01', snapshot: 'php rollback point' }), { journal });
    expect(done.status).toBe('done');

    const t = await startApp(journal);
    await until(() => t.store.getState().unfinished !== null, 'dialog at start');
    await t.press(KEY.escape, () => t.store.getState().unfinished === null, 'later');
    await t.press('H', (f) => f.includes('Journal of flows, newest first (2)'), 'journal view');
    const rows = t.frame().split('\n');
    const deleteRow = rows.findIndex((l) => /delete +web-01 +done +1\/1/.test(l));
    const revertRow = rows.findIndex((l) => /revert +web-01 +UNFINISHED +1\/2/.test(l));
    expect(deleteRow).toBeGreaterThan(0);
    expect(revertRow).toBeGreaterThan(deleteRow);
    await t.press('\r', (f) => f.includes('this flow ended (done)'), 'a finished flow has no actions');
    await t.press('j', () => t.store.getState().journalView!.index === 1);
    await t.press('\r', (f) => f.includes('Unfinished flow') && f.includes('>Later'), 'actions on the unfinished flow');
    await t.press(KEY.left, () => t.store.getState().unfinished!.focus === 'resolve');
    await t.press('\r', (f) => /revert +web-01 +resolved/.test(f), 'back in the journal, resolved');
    expect(t.store.getState().inputMode).toBe('journal');
    expect(journal.find(id)!.end!.status).toBe('resolved');
    await t.press(KEY.escape, () => t.store.getState().journalView === null, 'closed');
    for (const f of t.frames) expectFits(f);
  });
});
