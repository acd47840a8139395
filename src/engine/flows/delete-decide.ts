// Deciding a delete, snapshot by snapshot, from the survey alone (pure): which snapshots go, in
// which order (leaves first), and for each one whether libvirt 9.0's own `snapshot-delete` does
// it safely or virtsnap forgets it instead. The decision is made on a model of the host that
// each decided step updates (chains, backing files, the tree, the current mark), so that the
// second deletion of a `--children` run is judged on the host as the first one leaves it.
//
// Measured on libvirt 9.0 (docs/delete.md): an external snapshot is merged by libvirt only when
// its overlay is in the chain the domain uses, directly above the file holding its state; it
// does not look for other images built on either file, so it would change or orphan another
// branch's data without a word. Where libvirt refuses, or would do that, virtsnap removes only
// the metadata (`snapshot-delete --metadata`), redefines the children as they were (that
// command rewrites their recorded state files as if a merge had happened), and leaves every
// image as it is; the files no one uses any more are listed, and removed with --delete-files.

import type { DomainState, SnapshotLocation } from '../model.js';
import type { DeleteSurvey, SurveySnapshot } from './delete-survey.js';
import { isLive } from './delete-survey.js';

export type DeleteScope = 'single' | 'children' | 'children-only';

export interface DeleteRequest {
  domain: string;
  snapshot: string;
  /** single (default): its children move up; children: with its descendants; children-only: only those. */
  scope?: DeleteScope;
  /** Forget libvirt's record only; images and files stay as they are. */
  metadataOnly?: boolean;
  /** Remove the memory files and overlays the delete leaves behind, when nothing uses them any more. */
  deleteFiles?: boolean;
}

/** libvirt 9.0's own messages for the cases it refuses (measured; see docs/delete.md). */
export const LIBVIRT_REFUSES = {
  notInChain: 'invalid argument: could not find base disk source in disk source chain',
  externalChildren: 'unsupported configuration: deletion of external children disk snapshots not supported',
  mixedChildren: 'unsupported configuration: deletion of external and internal children disk snapshots not supported',
  internalParent: 'Operation not supported: deleting external snapshot that has internal snapshot as parent not supported',
  internalImage: (disk: string, name: string) =>
    `Operation not supported: disk image '${disk}' for internal snapshot '${name}' is not the same as disk image currently used by VM`,
};

export interface ChildRedefine {
  name: string;
  /** Its XML as it was, with <parent> set to the deleted snapshot's parent. */
  xml: string;
  /** Its XML exactly as libvirt printed it before the delete (the undo). */
  originalXml: string;
  current: boolean;
  /** Disk → the file holding its state: what it must still say after the redefine. */
  states: Record<string, string>;
}

export type DeleteAction =
  | {
      /** `virsh snapshot-delete`: libvirt does it (for an external snapshot: merges and removes the overlay). */
      kind: 'libvirt';
      snapshot: string;
      location: SnapshotLocation;
      parent: string | null;
      children: string[];
      /** Disk → overlay libvirt merges down and removes (external). */
      overlays: Record<string, string>;
      /** Disk → the file receiving the merge (external). */
      into: Record<string, string>;
      /** Test driver only: no storage, and it refuses --metadata. */
      testDriver?: boolean;
    }
  | {
      /** `snapshot-delete --metadata`, then the children redefined as they were under the parent. */
      kind: 'forget';
      snapshot: string;
      location: SnapshotLocation;
      parent: string | null;
      wasCurrent: boolean;
      /** The snapshot's XML, to redefine it on undo. */
      xml: string;
      children: ChildRedefine[];
      /** Why libvirt's own delete is not used (null: --metadata was asked for). */
      why: string | null;
    }
  | {
      /**
       * A block job merging an external snapshot's overlay into the file below it while the
       * domain runs, where libvirt's own delete refuses but the merge is safe: `blockcommit
       * --top O --base S` (or `--active` and a pivot when O is the active layer).
       */
      kind: 'block-commit';
      snapshot: string;
      disk: string;
      overlay: string;
      into: string;
      active: boolean;
    }
  | {
      /**
       * The same merge with the domain off, where libvirt's own delete refuses but the merge is
       * safe: `qemu-img commit -b S O`, the image above O rebased onto S (`rebase -u`, only its
       * backing name changes), and the persistent definition pointed at S when O was the top.
       */
      kind: 'offline-commit';
      snapshot: string;
      disk: string;
      overlay: string;
      into: string;
      /** The image built on the overlay (its backing file becomes `into`); null when none. */
      above: string | null;
      /** The overlay is the disk's top image in the persistent definition. */
      top: boolean;
    }
  | {
      kind: 'delete-files';
      files: string[];
    };

export interface DeleteDecision {
  /** Snapshots deleted, in order (leaves first). */
  order: string[];
  actions: DeleteAction[];
  consequences: string[];
  warnings: string[];
  refusal: string | null;
  filesLeft: string[];
  downtime: string;
  currentBefore: string | null;
  currentAfter: string | null;
}

/** The model of the host the decisions update as they go. */
class Model {
  readonly snaps = new Map<string, SurveySnapshot>();
  current: string | null;
  readonly chains: Record<string, string[]>;
  readonly backing: Record<string, string | null>;
  readonly definitionFiles: Set<string>;

  constructor(survey: DeleteSurvey) {
    for (const s of survey.snapshots) this.snaps.set(s.name, { ...s, overlays: { ...s.overlays }, states: { ...s.states } });
    this.current = survey.snapshots.find((s) => s.current)?.name ?? null;
    this.chains = Object.fromEntries(Object.entries(survey.chains).map(([d, c]) => [d, [...c]]));
    this.backing = { ...survey.backing };
    this.definitionFiles = new Set(survey.definitionFiles);
  }

  children(name: string): SurveySnapshot[] {
    return [...this.snaps.values()].filter((s) => s.parent === name).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Images whose backing file is `file`. */
  deps(file: string): string[] {
    return Object.entries(this.backing)
      .filter(([, b]) => b === file)
      .map(([f]) => f);
  }

  /** The snapshot goes; its children move up to its parent, and so does the current mark. */
  remove(name: string): void {
    const snap = this.snaps.get(name)!;
    for (const c of this.children(name)) c.parent = snap.parent;
    if (this.current === name) this.current = snap.parent;
    this.snaps.delete(name);
  }

  /** libvirt's merge of `overlay` into `state` (the file below it) on `disk`, and the overlay's removal. */
  merge(disk: string, overlay: string, state: string): void {
    const chain = this.chains[disk];
    if (chain) {
      const at = chain.indexOf(overlay);
      if (at >= 0) chain.splice(at, 1);
    }
    for (const f of this.deps(overlay)) this.backing[f] = state;
    delete this.backing[overlay];
    this.definitionFiles.delete(overlay);
    for (const s of this.snaps.values()) if (s.states[disk] === overlay) s.states[disk] = state;
  }

  /** Whether anything left still needs the file: a chain, a snapshot, an image built on it. */
  used(file: string): boolean {
    if (this.definitionFiles.has(file)) return true;
    if (Object.values(this.chains).some((c) => c.includes(file))) return true;
    for (const s of this.snaps.values()) {
      if (s.memoryFile === file || Object.values(s.overlays).includes(file) || Object.values(s.states).includes(file)) return true;
    }
    return this.deps(file).length > 0;
  }
}

/** Descendants of `name`, every node after all of its own descendants; siblings in name order. */
export function leafFirst(snapshots: readonly { name: string; parent: string | null }[], name: string): string[] {
  const out: string[] = [];
  const visit = (n: string) => {
    for (const child of snapshots.filter((s) => s.parent === n).map((s) => s.name).sort((a, b) => a.localeCompare(b))) {
      visit(child);
      out.push(child);
    }
  };
  visit(name);
  return out;
}

const quote = (name: string) => `“${name}”`;
const list = (names: readonly string[]) => names.map(quote).join(', ');

/** Why libvirt's own delete of the external snapshot `x` is refused or unsafe now; null when it is safe. */
function nativeExternalProblem(model: Model, x: SurveySnapshot): string | null {
  const disks = Object.keys(x.overlays);
  if (disks.length === 0) return 'its XML names no overlay file, so there is nothing libvirt could merge';
  const children = model.children(x.name);
  if (children.length > 1) {
    return `it has ${children.length} children (${list(children.map((c) => c.name))}): libvirt 9.0 does not refuse this, but its merge serves one branch and changes or orphans the other's files`;
  }
  for (const disk of disks) {
    const overlay = x.overlays[disk]!;
    const state = x.states[disk];
    if (!state) return `its embedded domain names no state file for ${disk}, so libvirt cannot find where to merge ${overlay}`;
    const chain = model.chains[disk] ?? [];
    const at = chain.indexOf(overlay);
    if (at < 0) {
      return `its overlay ${overlay} is not in ${disk}'s chain now (${chain.join(' ← ') || 'none'}); libvirt 9.0 refuses: “${LIBVIRT_REFUSES.notInChain}”`;
    }
    if (chain[at + 1] !== state) {
      return `below ${overlay} in ${disk}'s chain is ${chain[at + 1] ?? 'nothing'} (the definition has no backing chain there), not its state ${state}; libvirt 9.0 refuses: “${LIBVIRT_REFUSES.notInChain}”`;
    }
    const otherOnState = model.deps(state).filter((f) => f !== overlay);
    if (otherOnState.length > 0) {
      return `its state ${state} also backs ${otherOnState.join(', ')}: libvirt 9.0 would merge ${overlay} into it without checking, and those images would read changed data`;
    }
    const above = at > 0 ? chain[at - 1]! : null;
    const otherOnOverlay = model.deps(overlay).filter((f) => f !== above);
    if (otherOnOverlay.length > 0) {
      return `${overlay} also backs ${otherOnOverlay.join(', ')} outside the chain: libvirt 9.0 would remove it after the merge and leave them without their backing file`;
    }
    const tagged = [...model.snaps.values()].filter((s) => s.name !== x.name && s.internalDisks.includes(disk) && s.states[disk] === overlay);
    if (tagged.length > 0) {
      return `the internal snapshot${tagged.length > 1 ? 's' : ''} ${list(tagged.map((s) => s.name))} ${tagged.length > 1 ? 'are' : 'is'} stored inside ${overlay}, which libvirt 9.0 removes after the merge`;
    }
  }
  const child = children[0];
  if (child) {
    for (const disk of disks) {
      if (child.states[disk] !== undefined && child.states[disk] !== x.overlays[disk]) {
        return `its child ${quote(child.name)} records its ${disk} state in ${child.states[disk]}, not in ${x.overlays[disk]}, so libvirt's rewrite of the child's metadata would be wrong`;
      }
    }
  }
  return null;
}

/**
 * Why libvirt refuses to delete the internal snapshot `x` now; null when it can. Only a running
 * QEMU is a problem: it holds the image with the tag read-only as a backing file, so libvirt
 * refuses. With the domain off libvirt removes the tag with qemu-img wherever it is (measured).
 */
function internalProblem(model: Model, x: SurveySnapshot, live: boolean): string | null {
  if (!live) return null;
  for (const disk of x.internalDisks) {
    const state = x.states[disk];
    const top = model.chains[disk]?.[0];
    if (state && top && state !== top) {
      return `its ${disk} state is a qcow2 tag inside ${state}, but ${disk} now runs on ${top}; libvirt 9.0 refuses: “${LIBVIRT_REFUSES.internalImage(disk, x.name)}”`;
    }
  }
  return null;
}

/** The children as they must be redefined; `moved` renames the files holding their state (a merge). */
function childRedefines(model: Model, x: SurveySnapshot, reparent: DecideOptions['reparent'], moved: Record<string, string> = {}): ChildRedefine[] {
  return model.children(x.name).map((c) => ({
    name: c.name,
    xml: reparent(c.xml, x.parent, moved),
    originalXml: c.xml,
    current: c.current,
    states: Object.fromEntries(Object.entries(c.states).map(([d, f]) => [d, moved[f] ?? f])),
  }));
}

/** libvirt refuses an external snapshot whose parent is internal, however safe the merge is (measured on 9.0). */
function libvirtRefusesParent(model: Model, x: SurveySnapshot): string | null {
  const parent = x.parent ? model.snaps.get(x.parent) : undefined;
  return parent && parent.location === 'internal' ? `its parent ${quote(parent.name)} is internal; libvirt 9.0 refuses: “${LIBVIRT_REFUSES.internalParent}”` : null;
}

export interface DecideOptions {
  /**
   * Sets <parent> in a snapshot's XML and renames the disk sources in its embedded domain
   * definitions (old → new, their <backingStore> dropped so libvirt probes the chain again).
   * The lossless XML layer does it; injected to keep this module free of parsing.
   */
  reparent: (xml: string, parent: string | null, sources?: Readonly<Record<string, string>>) => string;
}

export function decideDelete(request: Required<DeleteRequest>, survey: DeleteSurvey, options: DecideOptions): DeleteDecision {
  const model = new Model(survey);
  const target = model.snaps.get(request.snapshot);
  if (!target) throw new Error(`domain ${request.domain} has no snapshot named ${request.snapshot}`);
  const { scope, metadataOnly } = request;
  const currentBefore = model.current;
  const below = leafFirst(survey.snapshots, request.snapshot);
  const order = [...(scope === 'single' ? [] : below), ...(scope === 'children-only' ? [] : [request.snapshot])];
  const actions: DeleteAction[] = [];
  const consequences: string[] = [];
  const warnings: string[] = [];
  const refusals: string[] = [];
  const candidates: string[] = [];
  const live = isLive(survey.domainState);
  let mergesOffline = 0;
  let mergesLive = 0;

  if (order.length === 0) refusals.push(`${quote(request.snapshot)} has no descendants: there is nothing to delete`);
  const externalInScope = order.some((n) => model.snaps.get(n)!.location === 'external');
  if (scope !== 'single' && externalInScope && !metadataOnly && !survey.testDriver) {
    const internalToo = order.some((n) => model.snaps.get(n)!.location === 'internal');
    warnings.push(
      `libvirt 9.0 refuses this in one command (“${internalToo ? LIBVIRT_REFUSES.mixedChildren : LIBVIRT_REFUSES.externalChildren}”), so virtsnap deletes one snapshot per step, leaves first.`,
    );
  }
  if (survey.testDriver) {
    warnings.push('test driver: it has no disk data and refuses --metadata, so every step is a plain `snapshot-delete` of the metadata it keeps.');
  }

  for (const name of order) {
    const x = model.snaps.get(name)!;
    const children = model.children(name).map((c) => c.name);
    if (survey.testDriver) {
      actions.push({ kind: 'libvirt', snapshot: name, location: x.location, parent: x.parent, children, overlays: {}, into: {}, testDriver: true });
      model.remove(name);
      continue;
    }
    if (metadataOnly) {
      actions.push({ kind: 'forget', snapshot: name, location: x.location, parent: x.parent, wasCurrent: model.current === name, xml: x.xml, children: childRedefines(model, x, options.reparent), why: null });
      if (x.memoryFile) candidates.push(x.memoryFile);
      candidates.push(...Object.values(x.overlays));
      model.remove(name);
      continue;
    }
    if (x.location === 'internal') {
      const problem = internalProblem(model, x, live);
      if (problem) {
        refusals.push(
          `${quote(name)} cannot be deleted: ${problem}. While the domain runs, QEMU holds that image read-only and virtsnap has no safe way to remove the tag; shut the domain off (libvirt then removes it with qemu-img), or use \`--metadata\` to forget the snapshot and leave its data in the image.`,
        );
        model.remove(name);
        continue;
      }
      actions.push({ kind: 'libvirt', snapshot: name, location: 'internal', parent: x.parent, children, overlays: {}, into: {} });
      model.remove(name);
      continue;
    }
    const problem = nativeExternalProblem(model, x);
    const refused = problem === null ? libvirtRefusesParent(model, x) : null;
    if (problem === null && refused !== null) {
      // The merge itself is safe; only libvirt's bookkeeping refuses. Running: merge with block
      // jobs, then forget the metadata and redefine the children on the merged files.
      if (!live) {
        // qemu-img runs where the images are: this machine, or the host over SSH
        if (!(survey.imagesRead ?? survey.local)) {
          refusals.push(`${quote(name)} cannot be deleted while the domain is off: ${refused}. The safe equivalent merges with qemu-img on the host's files, which cannot be reached over this connection; start the domain (virtsnap then merges with a block job), or use \`--metadata\`.`);
          model.remove(name);
          continue;
        }
        const movedOff: Record<string, string> = {};
        for (const [disk, overlay] of Object.entries(x.overlays)) {
          const into = x.states[disk]!;
          const above = model.deps(overlay)[0] ?? null;
          actions.push({ kind: 'offline-commit', snapshot: name, disk, overlay, into, above, top: model.chains[disk]?.[0] === overlay });
          movedOff[overlay] = into;
        }
        warnings.push(`${quote(name)}: ${refused}. The merge is safe here and the domain is off, so virtsnap merges with qemu-img, points the definition at the merged files, then forgets the metadata and redefines the children on them.`);
        actions.push({ kind: 'forget', snapshot: name, location: 'external', parent: x.parent, wasCurrent: model.current === name, xml: x.xml, children: childRedefines(model, x, options.reparent, movedOff), why: refused });
        if (x.memoryFile) candidates.push(x.memoryFile);
        for (const [disk, overlay] of Object.entries(x.overlays)) {
          candidates.push(overlay);
          model.merge(disk, overlay, x.states[disk]!);
        }
        model.remove(name);
        continue;
      }
      const moved: Record<string, string> = {};
      for (const [disk, overlay] of Object.entries(x.overlays)) {
        const into = x.states[disk]!;
        actions.push({ kind: 'block-commit', snapshot: name, disk, overlay, into, active: model.chains[disk]![0] === overlay });
        moved[overlay] = into;
      }
      warnings.push(`${quote(name)}: ${refused}. The merge is safe here, so virtsnap does it with block jobs (blockcommit), then forgets the metadata and redefines the children on the merged files.`);
      actions.push({ kind: 'forget', snapshot: name, location: 'external', parent: x.parent, wasCurrent: model.current === name, xml: x.xml, children: childRedefines(model, x, options.reparent, moved), why: refused });
      if (x.memoryFile) candidates.push(x.memoryFile);
      for (const [disk, overlay] of Object.entries(x.overlays)) {
        candidates.push(overlay);
        model.merge(disk, overlay, x.states[disk]!);
      }
      mergesLive++;
      model.remove(name);
      continue;
    }
    if (problem === null) {
      const into = Object.fromEntries(Object.keys(x.overlays).map((d) => [d, x.states[d]!]));
      actions.push({ kind: 'libvirt', snapshot: name, location: 'external', parent: x.parent, children, overlays: { ...x.overlays }, into });
      if (x.memoryFile) candidates.push(x.memoryFile);
      for (const [disk, overlay] of Object.entries(x.overlays)) model.merge(disk, overlay, into[disk]!);
      if (live) mergesLive++;
      else mergesOffline++;
      model.remove(name);
      continue;
    }
    if (!(survey.imagesRead ?? survey.local)) {
      refusals.push(`${quote(name)}: ${problem}; the safe way (forget the metadata, keep every image) needs the images' backing files read with qemu-img, which this connection cannot do (a remote host reached without SSH)`);
      model.remove(name);
      continue;
    }
    warnings.push(`${quote(name)}: ${problem}. virtsnap forgets its metadata instead (snapshot-delete --metadata) and changes no image${children.length ? `; its children are redefined under ${x.parent ? quote(x.parent) : 'no parent'} with the files that really hold their state` : ''}.`);
    actions.push({ kind: 'forget', snapshot: name, location: 'external', parent: x.parent, wasCurrent: model.current === name, xml: x.xml, children: childRedefines(model, x, options.reparent), why: problem });
    if (x.memoryFile) candidates.push(x.memoryFile);
    candidates.push(...Object.values(x.overlays));
    model.remove(name);
  }

  const filesLeft = [...new Set(candidates)].filter((f) => !model.used(f));
  if (request.deleteFiles && filesLeft.length > 0) {
    if (!survey.local) refusals.push('--delete-files needs a local connection: the files are on another host');
    actions.push({ kind: 'delete-files', files: filesLeft });
  }

  // What happens, in words.
  for (const action of actions) {
    if (action.kind === 'libvirt') {
      const moved = action.children.length ? ` Its children (${list(action.children)}) move up to ${action.parent ? quote(action.parent) : 'the root'}.` : '';
      if (action.testDriver) consequences.push(`${quote(action.snapshot)} is deleted.${moved}`);
      else if (action.location === 'internal') consequences.push(`${quote(action.snapshot)}: libvirt removes its state (the qcow2 tag) from the images; it cannot be reverted to again.${moved}`);
      else {
        const merges = Object.entries(action.overlays).map(([d, o]) => `${o} into ${action.into[d]} (${d})`);
        consequences.push(`${quote(action.snapshot)}: libvirt merges ${merges.join(', ')} and removes the overlay${merges.length > 1 ? 's' : ''}; its point in time is gone.${moved}`);
      }
    } else if (action.kind === 'forget') {
      const moved = action.children.length ? ` Its children (${list(action.children.map((c) => c.name))}) are redefined under ${action.parent ? quote(action.parent) : 'no parent'}, still naming the files that hold their state.` : '';
      consequences.push(
        actions.some((a) => (a.kind === 'block-commit' || a.kind === 'offline-commit') && a.snapshot === action.snapshot)
          ? `${quote(action.snapshot)}: then libvirt forgets it (snapshot-delete --metadata).${moved}`
          : `${quote(action.snapshot)}: libvirt forgets it (snapshot-delete --metadata); no image is changed${action.location === 'internal' ? ` and its qcow2 tag stays in the image` : ''}.${moved}`,
      );
    } else if (action.kind === 'offline-commit') {
      consequences.push(
        `${quote(action.snapshot)}: qemu-img merges ${action.overlay} into ${action.into} (${action.disk})${action.above ? `, ${action.above} is rebased onto ${action.into}` : ''}${action.top ? `, and ${action.disk} is defined on ${action.into}` : ''}; the overlay file stays until nothing uses it.`,
      );
    } else if (action.kind === 'block-commit') {
      consequences.push(`${quote(action.snapshot)}: a block job merges ${action.overlay} into ${action.into} (${action.disk})${action.active ? ' and switches the disk to it' : ''}; the overlay file stays until nothing uses it.`);
    } else {
      consequences.push(`Files no chain or snapshot uses any more are removed: ${action.files.join(', ')}.`);
    }
  }
  const currentAfter = model.current;
  if (currentBefore !== currentAfter) {
    consequences.push(`The current snapshot ${quote(currentBefore ?? '')} is deleted; ${currentAfter ? `${quote(currentAfter)} becomes current` : 'no snapshot is current afterwards'}.`);
  }
  if (filesLeft.length > 0 && !request.deleteFiles) {
    consequences.push(`${filesLeft.length} file${filesLeft.length === 1 ? '' : 's'} no chain or snapshot uses any more ${filesLeft.length === 1 ? 'is' : 'are'} left behind (listed below); --delete-files removes them.`);
  }
  const downtime =
    mergesOffline > 0
      ? `none (the domain is off; libvirt starts QEMU paused for each merge, about 1–2 s each: ${mergesOffline})`
      : mergesLive > 0
        ? 'none; the guest keeps running while libvirt merges'
        : 'none';
  return {
    order,
    actions,
    consequences,
    warnings,
    refusal: refusals.length > 0 ? refusals.join(' ') : null,
    filesLeft,
    downtime,
    currentBefore,
    currentAfter,
  };
}

export type { DomainState };
