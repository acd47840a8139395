import type { SnapshotForest, SnapshotNode } from '../model.js';

interface Frame {
  node: SnapshotNode;
  isRoot: boolean;
  isLastSibling: boolean;
  /** Index of the next child to print; -1 before the node's own line is printed. */
  nextChild: number;
}

/**
 * Prints the forest exactly as `virsh -q snapshot-list DOM --tree` does (vshTreePrint
 * in tools/vsh.c), trailing spaces included. Each root's block follows the previous
 * one; without `-q` virsh adds one more empty line at the very end.
 *
 * Iterative, so a chain thousands of snapshots deep does not exhaust the stack; a
 * node met twice (a malformed forest) is printed once.
 */
export function renderTree(forest: SnapshotForest): string {
  const out: string[] = [];
  const printed = new Set<SnapshotNode>();
  for (const root of forest.roots) {
    let indent = '';
    const stack: Frame[] = [{ node: root, isRoot: true, isLastSibling: true, nextChild: -1 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      const { node, isRoot, isLastSibling } = frame;
      const children = node.children;

      if (frame.nextChild === -1) {
        if (printed.has(node)) {
          stack.pop();
          continue;
        }
        printed.add(node);
        out.push(`${indent}${isRoot ? '' : '+- '}${node.name}\n`);
        // Below a non-root node, its own column shows `|` while later siblings follow.
        if (!isRoot) indent += isLastSibling ? '  ' : '| ';
        if (children.length > 0) out.push(`${indent}  |\n`);
        indent += '  ';
        frame.nextChild = 0;
      }

      const child = children[frame.nextChild];
      if (child !== undefined) {
        frame.nextChild += 1;
        stack.push({ node: child, isRoot: false, isLastSibling: frame.nextChild === children.length, nextChild: -1 });
        continue;
      }

      indent = indent.slice(0, -2);
      // A leaf that ends its sibling list is followed by a line of bare indentation.
      if (children.length === 0 && isLastSibling) out.push(`${indent}\n`);
      if (!isRoot) indent = indent.slice(0, -2);
      stack.pop();
    }
  }
  return out.join('');
}
