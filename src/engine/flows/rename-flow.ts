// The rename itself, as a flow whose step order keeps every stop point safe: the old name is
// forgotten only after the new name exists and every child points at it. Wherever it stops,
// every snapshot is still known to libvirt with a parent that exists, the journal says which
// steps ran, and `virtsnap resume` continues it or takes it back.
//
//   1. redefine NEW (full XML, same creationTime; --current if OLD was current)
//        stop here: OLD and NEW both exist; children still under OLD
//   2. redefine each child with <parent>NEW</parent> (--current for the current one)
//        stop here: some children under NEW, the rest under OLD
//   3. forget OLD: snapshot-delete --metadata (no child left to re-parent, not current)
//   4. verify from libvirt's own listing
//
// Each step checks its effect on the host (so a resumed flow never runs a step twice), and
// each has an undo: forget NEW, point the child back at OLD, define OLD again from its XML.

import { rm } from 'node:fs/promises';
import type { Host } from '../host.js';
import { virshCommands, type VirshCommand } from '../virsh/commands.js';
import { setCurrentSnapshot } from './edit-operations.js';
import { writeFlowFile } from './edit-redefine.js';
import type { FlowPlan } from './flow-plan.js';
import { outlineRename, RenameError, renameFiles, type RenameFiles, type RenameParams, type RenameRequest } from './rename-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';

/** A rename's plan, with its params and scratch file names typed. */
export interface RenameFlow extends FlowPlan<Host> {
  params: RenameParams;
  files: RenameFiles;
}

async function parentsAndCurrent(host: Host, domain: string) {
  const snapshots = await host.listSnapshots(domain);
  return {
    parents: new Map(snapshots.map((s) => [s.name, s.parent])),
    current: snapshots.find((s) => s.current)?.name ?? null,
  };
}

function steps(params: RenameParams, files: RenameFiles): StepDefinition<Host>[] {
  const { domain, from, to } = params.request;
  const newCurrent = params.wasCurrent || params.request.makeCurrent;
  // Who gets the current mark back when the new name is taken away again.
  const restoreCurrent = params.wasCurrent ? from : params.request.makeCurrent ? params.previousCurrent : null;
  const redefineNew = virshCommands.createSnapshotFromFile(domain, files.new, { redefine: true, current: newCurrent });
  const forgetCommand = (name: string): VirshCommand =>
    params.forgetMode === 'metadata' ? virshCommands.deleteSnapshot(domain, name, { metadata: true }) : virshCommands.deleteSnapshot(domain, name);
  const forgetOld = forgetCommand(from);
  const forgetNew = forgetCommand(to);
  const redefineOld = virshCommands.createSnapshotFromFile(domain, files.original, { redefine: true });

  const list: StepDefinition<Host>[] = [
    {
      id: 'redefine-new',
      title: `define '${to}' with the XML of '${from}'${newCurrent ? ' and make it current' : ''}`,
      commands: [plannedVirsh(redefineNew)],
      leavesState: `both '${from}' and '${to}' exist; the children still hang under '${from}'`,
      run: async (host) => {
        await writeFlowFile(params.workDir, files.original, params.originalXml);
        await writeFlowFile(params.workDir, files.new, params.newXml);
        await host.run(redefineNew);
      },
      check: async (host) => {
        const { parents, current } = await parentsAndCurrent(host, domain);
        if (!parents.has(to)) return `'${to}' does not exist`;
        if (newCurrent && current !== to) return `the current snapshot is '${current ?? '(none)'}', not '${to}'`;
        return null;
      },
      undo: {
        title: `forget '${to}' again (metadata only)${restoreCurrent ? `, giving the current mark back to '${restoreCurrent}'` : ''}`,
        commands: [...(restoreCurrent ? [plannedVirsh(virshCommands.setCurrentSnapshot(domain, restoreCurrent))] : []), plannedVirsh(forgetNew)],
        run: async (host, journal) => {
          const { parents } = await parentsAndCurrent(host, domain);
          if (restoreCurrent && parents.has(restoreCurrent)) await setCurrentSnapshot(host, domain, restoreCurrent);
          if (parents.has(to)) await host.run(forgetNew);
          else journal.note(`'${to}' is not there: nothing to forget`);
          await rm(params.workDir, { recursive: true, force: true });
        },
      },
    },
  ];
  params.children.forEach((child, index) => {
    const childFiles = files.children[index]!;
    const command = virshCommands.createSnapshotFromFile(domain, childFiles.new, { redefine: true, current: child.current });
    const back = virshCommands.createSnapshotFromFile(domain, childFiles.original, { redefine: true, current: child.current });
    list.push({
      id: `repoint-child:${child.name}`,
      title: `make '${to}' the parent of '${child.name}'`,
      commands: [plannedVirsh(command)],
      leavesState: `both '${from}' and '${to}' exist; ${index + 1} of ${params.children.length} children re-pointed to '${to}'`,
      run: async (host) => {
        await writeFlowFile(params.workDir, childFiles.new, child.xml);
        await host.run(command);
      },
      check: async (host) => {
        const parent = (await parentsAndCurrent(host, domain)).parents.get(child.name);
        return parent === to ? null : `'${child.name}' has parent '${parent ?? '(none)'}'`;
      },
      undo: {
        title: `make '${from}' the parent of '${child.name}' again`,
        commands: [plannedVirsh(back)],
        run: async (host) => {
          await writeFlowFile(params.workDir, childFiles.original, child.originalXml);
          await host.run(back);
        },
      },
    });
  });
  list.push(
    {
      id: 'forget-old',
      title:
        params.forgetMode === 'metadata'
          ? `remove the metadata of '${from}' (its data stays, now under '${to}')`
          : `remove '${from}' (test driver: it has no storage, and refuses --metadata)`,
      commands: [plannedVirsh(forgetOld)],
      leavesState: `renamed; only the verification did not run`,
      run: async (host) => {
        await host.run(forgetOld);
      },
      check: async (host) => ((await parentsAndCurrent(host, domain)).parents.has(from) ? `'${from}' still exists` : null),
      undo: {
        title: `define '${from}' again from its original XML`,
        commands: [plannedVirsh(redefineOld)],
        run: async (host) => {
          await writeFlowFile(params.workDir, files.original, params.originalXml);
          await host.run(redefineOld);
        },
      },
    },
    {
      id: 'verify',
      title: `check libvirt's listing: '${to}' under ${params.parent ? `'${params.parent}'` : 'no parent'}, children under '${to}', current mark kept`,
      commands: [plannedVirsh(virshCommands.snapshotTable(domain)), plannedVirsh(virshCommands.currentSnapshotName(domain))],
      run: async (host, journal) => {
        const problems = await verifyRename(host, params);
        if (problems.length > 0) throw new RenameError(`after the rename: ${problems.join('; ')}`);
        journal.note(`'${to}' has parent ${params.parent ?? '(none)'} and ${params.children.length} children`);
      },
    },
  );
  return list;
}

/** What differs from the intended result, in words; empty when the rename is complete. */
export async function verifyRename(host: Host, params: RenameParams): Promise<string[]> {
  const { domain, from, to } = params.request;
  const snapshots = await host.listSnapshots(domain);
  const byName = new Map(snapshots.map((s) => [s.name, s]));
  const problems: string[] = [];
  const renamed = byName.get(to);
  if (!renamed) problems.push(`'${to}' does not exist`);
  else if (renamed.parent !== params.parent) problems.push(`'${to}' has parent '${renamed.parent ?? ''}', expected '${params.parent ?? ''}'`);
  if (byName.has(from)) problems.push(`'${from}' still exists`);
  for (const child of params.children) {
    const found = byName.get(child.name);
    if (!found) problems.push(`child '${child.name}' is gone`);
    else if (found.parent !== to) problems.push(`child '${child.name}' has parent '${found.parent ?? ''}'`);
  }
  const currentWanted = params.wasCurrent || params.request.makeCurrent ? to : (params.children.find((c) => c.current)?.name ?? null);
  const current = snapshots.find((s) => s.current)?.name ?? null;
  if (currentWanted !== null && current !== currentWanted) problems.push(`the current snapshot is '${current ?? '(none)'}', expected '${currentWanted}'`);
  return problems;
}

/** The rename's plan from its params alone: the same steps and file names every time (resume). */
export function renamePlan(host: Host, params: RenameParams): RenameFlow {
  const { domain, from, to } = params.request;
  const files = renameFiles(params);
  const children = params.children.map((c) => `“${c.name}”`);
  const consequences = [
    `libvirt gets “${to}” with the XML of “${from}”${params.request.description !== undefined ? ' (with the new description)' : ''}${params.wasCurrent ? '; it stays the current snapshot' : params.request.makeCurrent ? '; it becomes the current snapshot' : ''}.`,
    children.length ? `Its children (${children.join(', ')}) are re-attached to “${to}”.` : 'It has no children.',
    `“${from}” is then forgotten (metadata only: no image data is touched).`,
  ];
  return {
    kind: 'rename',
    title: `Rename “${from}” to “${to}” in ${domain}`,
    uri: host.uri,
    domain,
    params,
    files,
    machine: new StepMachine<Host>('rename', steps(params, files)),
    context: host,
    consequences,
    downtime: 'none (only libvirt’s snapshot metadata changes)',
    warnings: params.warnings,
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: [],
    afterDone: () => rm(params.workDir, { recursive: true, force: true }),
  };
}

/** Reads the host and builds the plan; nothing changes on the host, and no file is written. */
export async function planRename(host: Host, request: RenameRequest): Promise<RenameFlow> {
  return renamePlan(host, await outlineRename(host, request));
}

/** Removes a rename's scratch files (a plan that will not run, or one that stopped and is given up). */
export async function discardRename(flow: { params: Pick<RenameParams, 'workDir'> }): Promise<void> {
  await rm(flow.params.workDir, { recursive: true, force: true });
}
