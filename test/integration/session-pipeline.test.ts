// Queries written to virsh back to back come back to the right callers, in order; a change is
// written alone, so queries asked after it see its effect and queries asked before it do not.

import { afterEach, expect, it } from 'vitest';
import { writeChainHost } from '../../bench/chain-host.js';
import { openHost } from '../../src/engine/connect.js';
import type { Host } from '../../src/engine/host.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';

let host: Host | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

it('answers 60 queries asked at once exactly as one at a time', async () => {
  host = openHost({ uri: `test://${writeChainHost('chain', 30)}` });
  const h = host;
  const commands = Array.from({ length: 60 }, (_, i) =>
    i % 3 === 0 ? virshCommands.snapshotXml('chain', `snap-${i % 30}`) : i % 3 === 1 ? virshCommands.snapshotNames('chain') : virshCommands.snapshotTable('chain'),
  );
  const one: string[] = [];
  for (const command of commands) one.push((await h.run(command)).stdout);
  const atOnce = await Promise.all(commands.map((command) => h.run(command).then((r) => r.stdout)));
  expect(atOnce).toEqual(one);
  expect(atOnce[3]).toContain('<name>snap-3</name>');
});

it('a failing query among others fails alone', async () => {
  host = openHost({ uri: `test://${writeChainHost('chain', 5)}` });
  const h = host;
  const results = await Promise.allSettled([
    h.run(virshCommands.snapshotXml('chain', 'snap-1')),
    h.run(virshCommands.snapshotXml('chain', 'no-such-snapshot')),
    h.run(virshCommands.snapshotXml('chain', 'snap-2')),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((results[2] as PromiseFulfilledResult<{ stdout: string }>).value.stdout).toContain('<name>snap-2</name>');
});

it('a change is written alone: queries before it do not see it, queries after it do', async () => {
  host = openHost({ uri: `test://${writeChainHost('chain', 5)}` });
  const h = host;
  const names = () => h.run(virshCommands.snapshotNames('chain')).then((r) => r.stdout.trim().split('\n'));
  const [before, , after] = await Promise.all([names(), h.createSnapshotAs('chain', { name: 'between' }), names()]);
  expect(before).not.toContain('between');
  expect(after).toContain('between');
  const entries = h.runner.log.list();
  const create = entries.find((e) => e.mutates)!;
  expect(create.outcome).toBe('ok');
});
