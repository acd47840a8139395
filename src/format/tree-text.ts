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

/**
 * Depth-first lines in display order. The tree indents only where it branches: an only
 * child stands in its parent's column, so a long linear history reads top to bottom
 * instead of drifting off the right edge.
 */
export function treeLines(forest: SnapshotForest): TreeLine[] {
  const lines: TreeLine[] = [];
  // `stem` is what stands left of a node's children: bars for ancestors with later siblings.
  type Frame = { node: SnapshotNode; depth: number; prefix: string; stem: string };
  const stack: Frame[] = [];
  // Siblings always get connectors, roots included when there are several.
  const pushSiblings = (nodes: SnapshotNode[], depth: number, stem: string) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const last = i === nodes.length - 1;
      stack.push({ node: nodes[i]!, depth, prefix: stem + (last ? '└─ ' : '├─ '), stem: stem + (last ? '   ' : '│  ') });
    }
  };
  if (forest.roots.length === 1) stack.push({ node: forest.roots[0]!, depth: 0, prefix: '', stem: '' });
  else pushSiblings(forest.roots, 0, '');
  while (stack.length > 0) {
    const { node, depth, prefix, stem } = stack.pop()!;
    lines.push({ prefix, node, depth });
    if (node.children.length === 1) stack.push({ node: node.children[0]!, depth: depth + 1, prefix: stem, stem });
    else pushSiblings(node.children, depth + 1, stem);
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
