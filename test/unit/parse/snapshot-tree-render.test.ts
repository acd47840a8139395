import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SnapshotSummary } from '../../../src/engine/model.js';
import { parseNameList } from '../../../src/engine/parse/name-list.js';
import { buildForest } from '../../../src/engine/parse/snapshot-forest.js';
import { parseSnapshotTable } from '../../../src/engine/parse/snapshot-table.js';
import { renderTree } from '../../../src/engine/parse/snapshot-tree-render.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

function summariesFrom(table: string, names: readonly string[]): SnapshotSummary[] {
  return parseSnapshotTable(table, names).map((row) => ({
    name: row.name,
    parent: row.parent,
    state: row.state,
    creationTime: row.creationTime,
    current: false,
    location: 'internal',
  }));
}

function treeFromCaptures(prefix: string, tableLocale = ''): string {
  const names = parseNameList(fixture(`outputs/${prefix}.snapshot-list-name.txt`));
  const table = fixture(`outputs/${prefix}.snapshot-list-parent${tableLocale}.txt`);
  return renderTree(buildForest('test', summariesFrom(table, names), null));
}

/** The output of one command inside an interactive virsh session transcript (up to the next prompt). */
function sessionOutput(transcript: string, command: string): string {
  const start = transcript.indexOf(`virsh # ${command}\n`) + `virsh # ${command}\n`.length;
  return transcript.slice(start, transcript.indexOf('virsh # ', start));
}

describe('renderTree', () => {
  it('reproduces the fixture driver tree', () => {
    expect(treeFromCaptures('fixture')).toBe(fixture('outputs/fixture.snapshot-list-tree.txt'));
  });

  it('reproduces the branching tree of the format notes', () => {
    const expected = fixture('outputs/branching.snapshot-list-tree.txt');
    expect(treeFromCaptures('branching')).toBe(expected);
    expect(expected).toContain('  |         \n  +- s7\n');
    expect(expected.endsWith('\n        \n')).toBe(true);
  });

  it('reproduces the 200-deep chain byte for byte', () => {
    const rendered = treeFromCaptures('chain200');
    expect(rendered).toBe(fixture('outputs/chain200.snapshot-list-tree.txt'));
    expect(rendered).toBe(fixture('samples/test-driver-200-chain-tree.txt'));
  });

  it.each(['.C', '.C.UTF-8'])('reproduces the tree of awkward names (table printed under LC_ALL=%s)', (locale) => {
    expect(treeFromCaptures('odd-names', locale)).toBe(fixture(`outputs/odd-names.snapshot-list-tree${locale}.txt`));
  });

  it('reproduces the tree of the interactive session sample (output without -q)', () => {
    const transcript = fixture('samples/test-driver-default-session.txt');
    const table = sessionOutput(transcript, 'snapshot-list test --parent');
    const tree = sessionOutput(transcript, 'snapshot-list test --tree');
    const forest = buildForest('test', summariesFrom(table, ['t1', 't2', 't4', 'tx']), 't4');
    // Without -q, virsh ends the command with one more empty line.
    expect(`${renderTree(forest)}\n`).toBe(tree);
  });

  it('prints a childless root as its name and an empty line', () => {
    const forest = buildForest('d', summariesFrom(' a   2023-11-14 22:13:20 +0000   running   \n', ['a']), null);
    expect(renderTree(forest)).toBe('a\n\n');
  });

  it('prints nothing for an empty forest', () => {
    expect(renderTree(buildForest('d', [], null))).toBe('');
  });

  it('prints a node listed twice in a hand-made forest only once', () => {
    const leaf = { ...buildForest('d', summariesFrom(' b   2023-11-14 22:13:20 +0000   running   \n', ['b']), null).roots[0]! };
    const forest = buildForest('d', summariesFrom(' a   2023-11-14 22:13:20 +0000   running   \n', ['a']), null);
    forest.roots[0]!.children.push(leaf, leaf);
    expect(renderTree(forest)).toBe('a\n  |\n  +- b\n');
  });

  it('renders a 2000-deep chain iteratively', () => {
    const depth = 2000;
    const chain: SnapshotSummary[] = Array.from({ length: depth }, (_, i) => ({
      name: `s${i + 1}`,
      parent: i === 0 ? null : `s${i}`,
      state: 'running',
      creationTime: 0,
      current: false,
      location: 'internal',
    }));
    const lines = renderTree(buildForest('d', chain, null)).split('\n');
    expect(lines).toHaveLength(2 * depth + 1);
    expect(lines[2 * depth - 2]).toBe(`${' '.repeat(4 * (depth - 2) + 2)}+- s${depth}`);
  });
});
