// Keys through components/dispatch.ts into the store on recorded virsh output: disabled keys say
// why, text inputs edit as readline does, dialogs scroll, the create form moves both ways.

import { describe, expect, it } from 'vitest';
import { selectedDomain, selectedSnapshotName } from '../../../src/store/app-store.js';
import { focusedField } from '../../../src/store/create-form.js';
import { recordedStore, settle } from './helpers.js';

async function loaded(options: { readonly?: boolean } = {}) {
  const t = recordedStore(options);
  await t.store.getState().refresh();
  await settle(t.store);
  return t;
}

describe('dispatch on the recorded demo host', () => {
  it('a disabled key says why in the status line', async () => {
    const { store, press } = await loaded({ readonly: true });
    for (const key of ['c', 'e', 'D', 's']) {
      store.setState({ message: null });
      press(key);
      expect(store.getState().message?.text, key).toMatch(new RegExp(`^${key}: the connection is read-only`));
      expect(store.getState().inputMode).toBe('normal');
    }
  });

  it('v and D on a domain without snapshots say so', async () => {
    const { store, press } = await loaded();
    press('j', 'j', 'j');
    expect(selectedDomain(store.getState())!.name).toBe('mail-relay');
    press('v');
    expect(store.getState().message?.text).toBe('v: mail-relay has no snapshots');
    press('tab', 'D');
    expect(store.getState().message?.text).toBe('D: mail-relay has no snapshots');
    expect(store.getState().confirm).toBeNull();
  });

  it('in the domain pane, v says to select a snapshot first', async () => {
    const { store, press } = await loaded();
    press('v');
    expect(store.getState().message?.text).toMatch(/^v: select a snapshot first/);
  });

  it('Ctrl keys are keys, never letters: Ctrl-A outside a text field does not abort a job', async () => {
    const { store, press } = await loaded();
    press('ctrl-a', 'ctrl-w', 'ctrl-u');
    expect(store.getState().confirm).toBeNull();
    expect(store.getState().message).toBeNull();
  });

  it('the rename prompt edits as readline does, and an empty name is said to be empty', async () => {
    const { store, press, type } = await loaded();
    press('tab', 'j');
    expect(selectedSnapshotName(store.getState())).toBe('nginx configured');
    press('R');
    const prompt = () => store.getState().prompt!;
    expect(prompt().value).toBe('nginx configured');
    expect(prompt().cursor).toBe('nginx configured'.length);
    press('ctrl-a');
    expect(prompt().cursor).toBe(0);
    type('my ');
    expect(prompt().value).toBe('my nginx configured');
    press('ctrl-e', 'ctrl-w');
    expect(prompt().value).toBe('my nginx ');
    press('left', 'left', 'backspace');
    expect(prompt().value).toBe('my ngix ');
    press('home', 'delete');
    expect(prompt().value).toBe('y ngix ');
    press('right', 'ctrl-k');
    expect(prompt().value).toBe('y');
    press('end', 'ctrl-b', 'ctrl-f', 'ctrl-h');
    expect(prompt().value).toBe('');
    press('return');
    await settle(store, () => store.getState().message !== null, 'the message');
    expect(store.getState().message!.text).toMatch(/the new name is empty/);
    expect(store.getState().prompt).not.toBeNull();
    expect(store.getState().inputMode).toBe('prompt');
    type('x');
    press('ctrl-u');
    expect(prompt().value).toBe('');
    press('escape');
    expect(store.getState().prompt).toBeNull();
  });

  it('the search box edits at the cursor', async () => {
    const { store, press, type } = await loaded();
    press('tab', '/');
    type('php');
    press('left', 'left', 'backspace');
    expect(store.getState().treeSearch).toBe('hp');
    press('ctrl-e');
    type('x');
    expect(store.getState().treeSearch).toBe('hpx');
    press('ctrl-u');
    type('php one');
    press('meta-b', 'ctrl-k');
    expect(store.getState().treeSearch).toBe('php ');
    press('ctrl-w');
    type('rollback');
    press('return');
    expect(selectedSnapshotName(store.getState())).toBe('php rollback point');
  });

  it('help scrolls with the arrows and PgDn, and ? closes it', async () => {
    const { store, press } = await loaded();
    press('?');
    expect(store.getState().helpOpen).toBe(true);
    store.getState().helpLayout(12);
    press('down');
    expect(store.getState().helpScroll).toBe(1);
    press('pagedown', 'pagedown');
    expect(store.getState().helpScroll).toBe(12);
    press('up', 'pageup');
    expect(store.getState().helpScroll).toBe(1);
    press('?');
    expect(store.getState().helpOpen).toBe(false);
  });

  it('the create form: Shift-Tab moves back, ←→ move the cursor in a text field, Enter in it creates', async () => {
    const { store, press, type } = await loaded();
    press('c');
    await settle(store, () => store.getState().create !== null, 'the create form');
    const form = () => store.getState().create!.form;
    expect(focusedField(form()).id).toBe('name');
    press('tab', 'tab');
    expect(focusedField(form()).id).toBe('memory');
    press('shift-tab');
    expect(focusedField(form()).id).toBe('description');
    press('shift-tab');
    type('abc');
    press('left', 'left', 'ctrl-k');
    expect(form().name).toBe('a');
    press('right');
    expect(form().memory).toBe('default');
    expect(store.getState().create!.plan.verdict).toBe('ok');
    press('return');
    // The create flow ran: its first command is not in the recording, so it fails there,
    // which is how this test knows that Enter in the name field submitted the form.
    await settle(store, () => store.getState().create?.phase === 'failed', 'the create to run');
    expect(store.getState().create!.error).toMatch(/snapshot-create/);
  });
});
