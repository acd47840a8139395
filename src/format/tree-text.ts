// The snapshot forest as indented text with tree lines, for `virtsnap tree`.
// Iterative, because chains hundreds of snapshots deep are real.

import type { SnapshotForest, SnapshotNode } from '../engine/model.js';
import { formatTime } from './time.js';

export interface TreeLine {
  /** Tree-drawing prefix, e.g. `│  ├─ `. */
  prefix: string;
  node: SnapshotNode;
  depth: number;
}

/** Depth-first lines in display order. */
export function treeLines(forest: SnapshotForest): TreeLine[] {
  const lines: TreeLine[] = [];
  type Frame = { node: SnapshotNode; depth: number; ancestorsLast: boolean[]; isLast: boolean; isRoot: boolean };
  const stack: Frame[] = [];
  for (let i = forest.roots.length - 1; i >= 0; i--) {
    stack.push({ node: forest.roots[i]!, depth: 0, ancestorsLast: [], isLast: i === forest.roots.length - 1, isRoot: true });
  }
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const prefix = frame.isRoot
      ? ''
      : frame.ancestorsLast.map((last) => (last ? '   ' : '│  ')).join('') + (frame.isLast ? '└─ ' : '├─ ');
    lines.push({ prefix, node: frame.node, depth: frame.depth });
    const children = frame.node.children;
    const nextAncestors = frame.isRoot ? [] : [...frame.ancestorsLast, frame.isLast];
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ node: children[i]!, depth: frame.depth + 1, ancestorsLast: nextAncestors, isLast: i === children.length - 1, isRoot: false });
    }
  }
  return lines;
}

export function formatTreeText(forest: SnapshotForest): string {
  if (forest.count === 0) return `${forest.domain}: no snapshots\n`;
  const out = treeLines(forest).map(({ prefix, node }) => {
    const mark = node.current ? ' *current*' : '';
    return `${prefix}${node.name}${mark}  [${node.state}, ${node.location}, ${formatTime(node.creationTime)}]`;
  });
  return `${out.join('\n')}\n`;
}

/** JSON form: nested nodes, each with its own fields and its children. */
export function forestToJson(forest: SnapshotForest) {
  return { domain: forest.domain, current: forest.current, count: forest.count, roots: forest.roots };
}
