// The rename itself, as steps whose order keeps every stop point safe: the old name is
// forgotten only after the new name exists and every child points at it. Wherever it
// stops, every snapshot is still known to libvirt with a parent that exists, and the
// journal (also in the work folder's journal.jsonl) says which steps ran.
//
//   1. redefine NEW (full XML, same creationTime; --current if OLD was current)
//        stop here: OLD and NEW both exist; children still under OLD
//   2. redefine each child with <parent>NEW</parent> (--current for the current one)
//        stop here: some children under NEW, the rest under OLD
//   3. forget OLD: snapshot-delete --metadata (no child left to re-parent, not current)
//   4. verify from libvirt's own listing

import { rm } from 'node:fs/promises';
import type { Host } from '../host.js';
import { virshCommands } from '../virsh/commands.js';
import { type FlowResult, plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';
import { outlineRename, RenameError, type RenameOutline, type RenameRequest } from './rename-plan.js';

export interface RenameFlow {
  outline: RenameOutline;
  machine: StepMachine<Host>;
}

function steps(outline: RenameOutline): StepDefinition<Host>[] {
  const { domain, from, to } = outline.request;
  const redefineNew = virshCommands.createSnapshotFromFile(domain, outline.newFile, { redefine: true, current: outline.wasCurrent });
  const forget =
    outline.forgetMode === 'metadata'
      ? virshCommands.deleteSnapshot(domain, from, { metadata: true })
      : virshCommands.deleteSnapshot(domain, from);
  const list: StepDefinition<Host>[] = [
    {
      id: 'redefine-new',
      title: `define '${to}' with the XML of '${from}'${outline.wasCurrent ? ' and make it current' : ''}`,
      commands: [plannedVirsh(redefineNew)],
      leavesState: `both '${from}' and '${to}' exist; the children still hang under '${from}'. To undo: virsh snapshot-delete ${domain} '${to}' --metadata`,
      run: async (host) => {
        await host.run(redefineNew);
      },
    },
  ];
  outline.children.forEach((child, index) => {
    const command = virshCommands.createSnapshotFromFile(domain, child.file, { redefine: true, current: child.current });
    list.push({
      id: `repoint-child:${child.name}`,
      title: `make '${to}' the parent of '${child.name}'`,
      commands: [plannedVirsh(command)],
      leavesState: `both '${from}' and '${to}' exist; ${index + 1} of ${outline.children.length} children re-pointed to '${to}'`,
      run: async (host) => {
        await host.run(command);
      },
    });
  });
  list.push(
    {
      id: 'forget-old',
      title:
        outline.forgetMode === 'metadata'
          ? `remove the metadata of '${from}' (its data stays, now under '${to}')`
          : `remove '${from}' (test driver: it has no storage, and refuses --metadata)`,
      commands: [plannedVirsh(forget)],
      leavesState: `renamed; only the verification did not run`,
      run: async (host) => {
        await host.run(forget);
      },
    },
    {
      id: 'verify',
      title: `check libvirt's listing: '${to}' under ${outline.parent ? `'${outline.parent}'` : 'no parent'}, children under '${to}', current mark kept`,
      commands: [plannedVirsh(virshCommands.snapshotTable(domain)), plannedVirsh(virshCommands.currentSnapshotName(domain))],
      run: async (host, journal) => {
        const problems = await verifyRename(host, outline);
        if (problems.length > 0) throw new RenameError(`after the rename: ${problems.join('; ')}`);
        journal.note(`'${to}' has parent ${outline.parent ?? '(none)'} and ${outline.children.length} children`);
      },
    },
  );
  return list;
}

/** What differs from the intended result, in words; empty when the rename is complete. */
export async function verifyRename(host: Host, outline: RenameOutline): Promise<string[]> {
  const { domain, from, to } = outline.request;
  const snapshots = await host.listSnapshots(domain);
  const byName = new Map(snapshots.map((s) => [s.name, s]));
  const problems: string[] = [];
  const renamed = byName.get(to);
  if (!renamed) problems.push(`'${to}' does not exist`);
  else if (renamed.parent !== outline.parent) problems.push(`'${to}' has parent '${renamed.parent ?? ''}', expected '${outline.parent ?? ''}'`);
  if (byName.has(from)) problems.push(`'${from}' still exists`);
  for (const child of outline.children) {
    const found = byName.get(child.name);
    if (!found) problems.push(`child '${child.name}' is gone`);
    else if (found.parent !== to) problems.push(`child '${child.name}' has parent '${found.parent ?? ''}'`);
  }
  const currentWanted = outline.wasCurrent ? to : (outline.children.find((c) => c.current)?.name ?? null);
  const current = snapshots.find((s) => s.current)?.name ?? null;
  if (currentWanted !== null && current !== currentWanted) problems.push(`the current snapshot is '${current ?? '(none)'}', expected '${currentWanted}'`);
  return problems;
}

/** Reads, prepares files and builds the steps; nothing changes on the host yet. */
export async function planRename(host: Host, request: RenameRequest): Promise<RenameFlow> {
  const outline = await outlineRename(host, request);
  const machine = new StepMachine<Host>('rename', steps(outline));
  return { outline, machine };
}

export interface RenameResult extends FlowResult {
  /** Kept (with the original XML and the journal) when the rename did not complete. */
  workDir: string | null;
}

/** Runs a planned rename. Refused renames throw before anything runs. */
export async function runRename(host: Host, flow: RenameFlow, options: { signal?: AbortSignal } = {}): Promise<RenameResult> {
  if (flow.outline.refusal) throw new RenameError(flow.outline.refusal);
  const result = await flow.machine.run(host, options);
  if (result.status === 'done') {
    await discardRename(flow);
    return { ...result, workDir: null };
  }
  return { ...result, workDir: flow.outline.workDir };
}

/** Removes the prepared files of a rename that will not run (or that completed). */
export async function discardRename(flow: RenameFlow): Promise<void> {
  await rm(flow.outline.workDir, { recursive: true, force: true });
}
