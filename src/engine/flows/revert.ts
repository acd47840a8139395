// Reverting a domain to a snapshot: one libvirt call, but it throws away the domain's
// present state, so the plan says exactly what is lost and what libvirt will do.

import type { Host } from '../host.js';
import type { Disk, SnapshotDetail, SnapshotNode } from '../model.js';
import { virshCommands } from '../virsh/commands.js';
import type { DomainRow } from '../../commands/list.js';
import type { DestructivePlan } from './destructive-plan.js';
import { plannedVirsh, StepMachine } from './step-machine.js';

export interface RevertInput {
  host: Host;
  domain: DomainRow;
  snapshot: SnapshotNode;
  /** The snapshot's XML details, when loaded: memory mode and disks sharpen the plan. */
  detail: SnapshotDetail | null;
  /** The domain's disks now (live chain), when known. */
  disks: Disk[] | null;
  /** Start the domain running (or paused) afterwards whatever the snapshot's state. */
  after?: 'running' | 'paused';
}

export interface RevertContext {
  host: Host;
}

export function planRevert(input: RevertInput): DestructivePlan<RevertContext> {
  const { domain, snapshot, detail, disks } = input;
  const command = virshCommands.revertSnapshot(domain.name, snapshot.name, {
    running: input.after === 'running',
    paused: input.after === 'paused',
  });
  const live = domain.state.state === 'running' || domain.state.state === 'paused';
  const consequences = [
    live
      ? `The present state of ${domain.name} (its memory and every disk write since ${domain.currentSnapshot ? `snapshot “${domain.currentSnapshot}”` : 'it was last snapshotted'}) is discarded.`
      : `Disk changes made since ${domain.currentSnapshot ? `snapshot “${domain.currentSnapshot}”` : 'the last snapshot'} are discarded.`,
    `“${snapshot.name}” becomes the current snapshot; new snapshots branch from it.`,
  ];
  const withMemory = snapshot.state === 'running' || snapshot.state === 'paused';
  const downtime = live
    ? withMemory
      ? 'QEMU is stopped and started again from the snapshot’s memory: about 1–2 s without the guest'
      : 'the guest is stopped: the snapshot holds no memory, so the domain ends up shut off unless started'
    : withMemory
      ? 'none (the domain is off); it starts from the snapshot’s memory'
      : 'none (the domain stays off)';
  const warnings: string[] = [];
  if (snapshot.location === 'external') {
    warnings.push(
      'This is an external snapshot. libvirt before 9.9 refuses to revert to one (“revert to external snapshot not supported yet”); if this host refuses, nothing is changed.',
    );
  }
  const onOverlays = disks?.some((d) => d.chain.length > 1) ?? false;
  if (snapshot.location === 'internal' && onOverlays) {
    warnings.push(
      'The domain runs on external overlays. Reverting to an internal snapshot switches each disk back to the image holding it; the overlays drop out of the chain and later writes to that image invalidate them.',
    );
  }
  if (detail && detail.domainName === null) {
    warnings.push('The snapshot carries no domain definition; libvirt may ask for a forced revert.');
  }
  const machine = new StepMachine<RevertContext>('revert', [
    {
      id: 'revert',
      title: `revert ${domain.name} to “${snapshot.name}”`,
      commands: [plannedVirsh(command)],
      leavesState: `${domain.name} runs from “${snapshot.name}”`,
      run: async ({ host }) => {
        await host.run(command);
      },
    },
  ]);
  return {
    title: `Revert ${domain.name} to “${snapshot.name}”`,
    machine,
    context: { host: input.host },
    consequences,
    downtime,
    warnings,
    confirmation: { kind: 'choice' },
  };
}
