import { describe, expect, it } from 'vitest';
import { buildForest } from '../../../src/engine/parse/index.js';
import type { SnapshotSummary } from '../../../src/engine/model.js';
import { formatTreeText, treeLines } from '../../../src/format/tree-text.js';

const snap = (name: string, parent: string | null, current = false): SnapshotSummary => ({
  name,
  parent,
  state: 'running',
  creationTime: 1_700_000_000,
  current,
  location: 'internal',
});

const draw = (summaries: SnapshotSummary[]) =>
  treeLines(buildForest('d', summaries, summaries.find((s) => s.current)?.name ?? null)).map((l) => l.prefix + l.node.name);

describe('treeLines', () => {
  it('keeps a linear chain in one column', () => {
    expect(draw([snap('a', null), snap('b', 'a'), snap('c', 'b')])).toEqual(['a', 'b', 'c']);
  });

  it('draws connectors where the tree branches, and continues only children in place', () => {
    const lines = draw([snap('root', null), snap('x', 'root'), snap('x2', 'x'), snap('y', 'root'), snap('y2', 'y'), snap('z', 'x')]);
    expect(lines).toEqual(['root', '├─ x', '│  ├─ x2', '│  └─ z', '└─ y', '   y2']);
  });

  it('gives several roots connectors so that a second root never looks like a child', () => {
    expect(draw([snap('a', null), snap('b', null), snap('b1', 'b')])).toEqual(['├─ a', '└─ b', '   b1']);
  });

  it('handles a chain thousands deep without recursion', () => {
    const chain = Array.from({ length: 5000 }, (_, i) => snap(`s${i}`, i === 0 ? null : `s${i - 1}`));
    const lines = treeLines(buildForest('d', chain, null));
    expect(lines).toHaveLength(5000);
    expect(lines.at(-1)!.depth).toBe(4999);
    expect(lines.every((l) => l.prefix === '')).toBe(true);
  });

  it('marks the current snapshot in text output', () => {
    const text = formatTreeText(buildForest('d', [snap('a', null), snap('b', 'a', true)], 'b'));
    expect(text).toMatch(/^b \*current\* {2}\[running, internal, 2023-11-14 22:13:20\]$/m);
  });
});
