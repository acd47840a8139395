import type { SnapshotForest, SnapshotNode, SnapshotSummary } from '../model.js';
import { sortByNameLikeVirsh } from './virsh-name-order.js';

/**
 * Links snapshot summaries into a forest ordered like `virsh snapshot-list --tree`:
 * roots, and each node's children, in virsh's name order.
 *
 * Tolerates inconsistent input without ever looping:
 * - a snapshot whose parent is not among the summaries (or is itself) becomes a root
 *   (virsh would leave it out of the tree altogether);
 * - in a parent cycle, the member first in name order becomes a root, which breaks it;
 * - of several summaries with the same name, the first is kept.
 * `current` decides every node's `current` flag, so the flags always agree with it.
 */
export function buildForest(domain: string, summaries: readonly SnapshotSummary[], current: string | null): SnapshotForest {
  const byName = new Map<string, SnapshotNode>();
  for (const summary of summaries) {
    if (byName.has(summary.name)) continue;
    const { name, parent, state, creationTime, location } = summary;
    byName.set(name, { name, parent, state, creationTime, current: name === current, location, children: [] });
  }
  // Summaries usually come in virsh's order already (a table's rows do): the sort only checks.
  const ordered = sortByNameLikeVirsh(byName.values(), (node) => node.name);

  const roots: SnapshotNode[] = [];
  const parentOf = new Map<SnapshotNode, SnapshotNode>();
  for (const node of ordered) {
    const parent = node.parent === null || node.parent === node.name ? undefined : byName.get(node.parent);
    if (parent) {
      parent.children.push(node);
      parentOf.set(node, parent);
    } else {
      roots.push(node);
    }
  }

  // Nodes not reachable from a root hang off a cycle; cut each cycle at its first
  // member in name order.
  const reached = new Set<SnapshotNode>();
  markSubtrees(roots, reached);
  for (const node of reached.size === ordered.length ? [] : ordered) {
    if (reached.has(node)) continue;
    const root = firstCycleMember(node, parentOf);
    const parent = parentOf.get(root);
    if (parent) parent.children.splice(parent.children.indexOf(root), 1);
    parentOf.delete(root);
    roots.push(root);
    markSubtrees([root], reached);
  }

  return {
    domain,
    roots: sortByNameLikeVirsh(roots, (node) => node.name),
    current,
    count: byName.size,
  };
}

function markSubtrees(starts: readonly SnapshotNode[], reached: Set<SnapshotNode>): void {
  const pending = [...starts];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (reached.has(node)) continue;
    reached.add(node);
    for (const child of node.children) pending.push(child);
  }
}

/** Follows parents from `start` until one repeats; returns that cycle's first member by name. */
function firstCycleMember(start: SnapshotNode, parentOf: Map<SnapshotNode, SnapshotNode>): SnapshotNode {
  const seen = new Set<SnapshotNode>();
  let node = start;
  while (!seen.has(node)) {
    seen.add(node);
    const parent = parentOf.get(node);
    if (!parent) return node;
    node = parent;
  }
  const cycle: SnapshotNode[] = [node];
  for (let member = parentOf.get(node); member && member !== node; member = parentOf.get(member)) cycle.push(member);
  return sortByNameLikeVirsh(cycle, (member) => member.name)[0] ?? node;
}
