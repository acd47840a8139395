// What a script gets from `virtsnap tree --json` stays proportional to the tree: one line of
// JSON when stdout is a pipe (indentation would grow with the depth of a long chain).

import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { writeChainHost } from '../../bench/chain-host.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

it('tree --json of a 1000-snapshot chain through a pipe is one line of well under 1 MB', async () => {
  const uri = `test://${writeChainHost('chain', 1000)}`;
  const result = await execa('node', [BIN, 'tree', 'chain', '-c', uri, '--json'], { stdin: 'ignore' });
  expect(result.stdout.split('\n')).toHaveLength(1);
  expect(result.stdout.length).toBeLessThan(400_000);
  const tree = JSON.parse(result.stdout) as { count: number; roots: { name: string; children: unknown[] }[] };
  expect(tree.count).toBe(1000);
  expect(tree.roots[0]!.name).toBe('snap-0');
});
