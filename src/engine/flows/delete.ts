// Deleting a snapshot (optionally with its descendants). What libvirt does differs for
// internal and external snapshots, so the plan spells out which case this is.

import type { Host } from '../host.js';
import type { SnapshotDetail, SnapshotNode } from '../model.js';
import { virshCommands } from '../virsh/commands.js';
import type { DestructivePlan } from './destructive-plan.js';
import { plannedVirsh, StepMachine } from './step-machine.js';

export interface DeleteInput {
  host: Host;
  domain: string;
  snapshot: SnapshotNode;
  detail: SnapshotDetail | null;
  withDescendants: boolean;
}

export interface DeleteContext {
  host: Host;
}

function descendants(node: SnapshotNode): SnapshotNode[] {
  const out: SnapshotNode[] = [];
  const stack = [...node.children];
  while (stack.length) {
    const next = stack.pop()!;
    out.push(next);
    stack.push(...next.children);
  }
  return out;
}

export function planDelete(input: DeleteInput): DestructivePlan<DeleteContext> {
  const { domain, snapshot, detail, withDescendants } = input;
  const below = descendants(snapshot);
  const command = virshCommands.deleteSnapshot(domain, snapshot.name, { children: withDescendants && below.length > 0 });
  const consequences: string[] = [];
  const warnings: string[] = [];
  if (snapshot.location === 'internal') {
    consequences.push(`The state saved in “${snapshot.name}” is removed from the disk images; it cannot be reverted to again.`);
  } else {
    consequences.push(
      `libvirt merges the overlay “${snapshot.name}” created into the image below it (a block commit) and removes the overlay file; the snapshot's point in time is gone.`,
    );
    if (detail?.memory.file) warnings.push(`libvirt 9.0 leaves the memory file behind: ${detail.memory.file}`);
    warnings.push('libvirt deletes an external snapshot only while its overlay is in the disk’s active chain.');
  }
  if (withDescendants && below.length > 0) {
    consequences.push(`Its ${below.length} descendant${below.length === 1 ? '' : 's'} ${below.length === 1 ? 'is' : 'are'} deleted too: ${below.map((n) => `“${n.name}”`).join(', ')}.`);
    if ([snapshot, ...below].some((n) => n.location === 'external')) {
      warnings.push('libvirt 9.0 refuses to delete external snapshots together with their children; delete them one at a time, leaves first.');
    }
  } else if (snapshot.children.length > 0) {
    consequences.push(`Its children (${snapshot.children.map((c) => `“${c.name}”`).join(', ')}) are re-attached to ${snapshot.parent ? `“${snapshot.parent}”` : 'the root'}.`);
  }
  if (snapshot.current) consequences.push(`It is the current snapshot; its parent becomes current.`);
  const machine = new StepMachine<DeleteContext>('delete', [
    {
      id: 'delete',
      title: `delete “${snapshot.name}”${withDescendants && below.length ? ' and its descendants' : ''}`,
      commands: [plannedVirsh(command)],
      run: async ({ host }) => {
        await host.run(command);
      },
    },
  ]);
  return {
    title: `Delete “${snapshot.name}”${withDescendants && below.length ? ` and ${below.length} descendant${below.length === 1 ? '' : 's'}` : ''} of ${domain}`,
    machine,
    context: { host: input.host },
    consequences,
    downtime: snapshot.location === 'external' ? 'none; the guest keeps running while libvirt commits the overlay' : 'none',
    warnings,
    confirmation: { kind: 'type-name', text: snapshot.name },
  };
}
