// Records what virsh answers on the demo host for everything the store's unit tests do:
// `npm run build && node test/unit/store/capture-demo.mjs` rewrites fixtures/demo-host.json.
// The store is driven through its own actions, so the recording holds exactly its commands.

import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoUri, openHost } from '../../../dist/src/engine/connect.js';
import { Host } from '../../../dist/src/engine/host.js';
import { Journal } from '../../../dist/src/engine/flows/journal.js';
import { createAppStore, selectedTree } from '../../../dist/src/store/app-store.js';

const real = openHost({ uri: demoUri() });
const answers = {};
const record = (args, answer) => {
  const key = args.join('\u0000');
  const list = (answers[key] ??= []);
  if (!list.some((a) => JSON.stringify(a) === JSON.stringify(answer))) list.push(answer);
};
const runner = {
  uri: real.runner.uri,
  readonly: false,
  log: real.runner.log,
  async run(command, options) {
    try {
      const result = await real.runner.run(command, options);
      record(command.args, { stdout: result.stdout, stderr: result.warnings.join('\n') });
      return result;
    } catch (error) {
      if (error.errorLines) record(command.args, { stdout: '', stderr: error.errorLines.map((l) => `error: ${l}`).join('\n') });
      throw error;
    }
  },
  close: () => real.runner.close(),
};
const store = createAppStore(new Host(runner), { journal: new Journal(mkdtempSync(join(tmpdir(), 'vs-capture-'))) });
const settle = () => new Promise((r) => setTimeout(r, 150));
await store.getState().refresh();
for (let d = 0; d < store.getState().domains.length; d++) {
  store.setState({ domainIndex: d, focus: 'domains' });
  store.getState().moveSelection(0);
  store.getState().focusSnapshots();
  for (let i = 0; i < selectedTree(store.getState()).length; i++) {
    store.getState().moveSelection(i === 0 ? 0 : 1);
    await settle();
  }
  store.getState().setView('disks');
  await settle();
  store.getState().setView('details');
  await store.getState().openCreate().catch(() => {});
  store.getState().createCancel();
}
await settle();
store.getState().stopFollowingJobs();
await runner.close();
const uri = 'test:///recorded/demo-host.xml';
writeFileSync(new URL('./fixtures/demo-host.json', import.meta.url), `${JSON.stringify({ uri, answers }, null, 1)}\n`);
console.log(`recorded ${Object.keys(answers).length} commands`);
