import { describe, expect, it } from 'vitest';
import type { SnapshotNode, SnapshotSummary } from '../../../src/engine/model.js';
import { buildForest } from '../../../src/engine/parse/snapshot-forest.js';

const summary = (name: string, parent: string | null = null): SnapshotSummary => ({
  name,
  parent,
  state: 'running',
  creationTime: 1700000000,
  current: false,
  location: 'internal',
});

/** `name(child, child)` outline of a forest, for compact assertions. */
function outline(nodes: readonly SnapshotNode[]): string {
  return nodes.map((node) => (node.children.length ? `${node.name}(${outline(node.children)})` : node.name)).join(', ');
}

describe('buildForest', () => {
  it('links children to parents and sorts like virsh (case-insensitive, bytewise)', () => {
    const forest = buildForest(
      'demo',
      [summary('s1'), summary('b', 's1'), summary('A', 's1'), summary('C', 's1'), summary('снимок', 's1'), summary('Z')],
      null,
    );
    expect(outline(forest.roots)).toBe('s1(A, b, C, снимок), Z');
    expect(forest).toMatchObject({ domain: 'demo', current: null, count: 6 });
  });

  it('breaks ties between names differing only in case by byte order', () => {
    expect(outline(buildForest('d', [summary('snap'), summary('Snap')], null).roots)).toBe('Snap, snap');
  });

  it('marks the current snapshot from the argument', () => {
    const forest = buildForest('d', [summary('a'), { ...summary('b', 'a'), current: true }], 'a');
    expect(forest.current).toBe('a');
    expect(forest.roots[0]?.current).toBe(true);
    expect(forest.roots[0]?.children[0]?.current).toBe(false);
  });

  it('treats a snapshot whose parent is missing, or itself, as a root', () => {
    const forest = buildForest('d', [summary('b', 'gone'), summary('a'), summary('c', 'c')], null);
    expect(outline(forest.roots)).toBe('a, b, c');
    expect(forest.roots[1]?.parent).toBe('gone');
  });

  it('cuts a parent cycle at its first member in name order', () => {
    const forest = buildForest(
      'd',
      [summary('c', 'b'), summary('b', 'a'), summary('a', 'c'), summary('0', 'b'), summary('root')],
      null,
    );
    expect(outline(forest.roots)).toBe('a(b(0, c)), root');
    expect(forest.count).toBe(5);
  });

  it('keeps the first of several summaries with the same name', () => {
    const forest = buildForest('d', [summary('a'), summary('a', 'x'), summary('b', 'a')], null);
    expect(outline(forest.roots)).toBe('a(b)');
    expect(forest.count).toBe(2);
  });

  it('handles a 30 000-deep chain without recursion', () => {
    const depth = 30_000;
    const chain = Array.from({ length: depth }, (_, i) => summary(`s${i + 1}`, i === 0 ? null : `s${i}`));
    const forest = buildForest('d', chain, `s${depth}`);
    let node = forest.roots[0];
    let seen = 0;
    while (node) {
      seen += 1;
      node = node.children[0];
    }
    expect(seen).toBe(depth);
  });
});
