// A store on the recorded demo host: every action runs against replayed virsh output.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../../src/engine/host.js';
import { Journal } from '../../../src/engine/flows/journal.js';
import { createAppStore, type AppStore } from '../../../src/store/app-store.js';
import { dispatchKey } from '../../../components/dispatch.js';
import { loadRecording, RecordedRunner } from './recorded-runner.js';

export const DEMO = loadRecording(new URL('./fixtures/demo-host.json', import.meta.url));

export function recordedStore(options: { readonly?: boolean } = {}) {
  const runner = new RecordedRunner(DEMO, options.readonly ?? false);
  const host = new Host(runner);
  const store = createAppStore(host, { journal: new Journal(mkdtempSync(join(tmpdir(), 'vs-store-journal-'))) });
  const quit = { called: false };
  /** One key, as the App passes it: a name (`up`, `ctrl-a`, `return`) or a character. */
  const press = (...keys: string[]) => {
    for (const key of keys) {
      const input = [...key].length === 1 ? key : '';
      dispatchKey(key, input, { state: store.getState(), quit: () => void (quit.called = true), handoff: { suspend: async () => {}, resume: () => {} } });
    }
  };
  /** Text typed as a run (a paste, or fast typing). */
  const type = (text: string) => dispatchKey(text, text, { state: store.getState(), quit: () => {}, handoff: { suspend: async () => {}, resume: () => {} } });
  return { store, runner, host, press, type, quit };
}

/** Lets the replayed commands (each a tick) and the store's follow-ups run. */
export async function settle(store: AppStore, check: () => boolean = () => !store.getState().busy, what = 'the store to settle'): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}
