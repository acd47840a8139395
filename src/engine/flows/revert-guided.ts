// Reverting to an external snapshot where libvirt cannot (before 9.9: "revert to external
// snapshot not supported yet"), from parts libvirt 9.0 has:
//   1. stop the domain (virsh destroy) unless the safety snapshot already stopped it (--halt);
//   2. a new, empty qcow2 overlay on each of the snapshot's images (qemu-img create -b): those
//      images hold the snapshot's point in time and are never written again;
//   3. the snapshot's recorded definition, its disks on the new overlays, as the persistent
//      definition (virsh define);
//   4. with memory: `virsh restore MEMFILE --xml` with the same disks; else start it or leave it off;
//   5. the snapshot becomes current, so new snapshots branch from it.
// The measured sequences and their traps: docs/external-revert-delete-research.md, docs/revert.md.

import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { filesOf } from '../host-files.js';
import type { Host } from '../host.js';
import { parseDomState } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { diskSources, pointDisksAt, snapshotDefinition } from './revert-domain-xml.js';
import type { RevertFacts } from './revert-facts.js';
import { createOverlay, overlayCommand, readImage } from './revert-images.js';
import { plannedVirsh, type StepDefinition } from './step-machine.js';

export interface GuidedOverlay {
  target: string;
  /** The snapshot's image for this disk: its point in time, read-only from now on. */
  base: string;
  baseFormat: string;
  /** The new overlay the disk runs on after the revert. */
  file: string;
}

export interface GuidedParams {
  /** Where the XML files of the define/restore steps are written (and the definition it replaces, for undo). */
  workDir: string;
  /** The domain runs and nothing before stops it. */
  destroy: boolean;
  overlays: GuidedOverlay[];
  /** Disks the snapshot did not cover: they keep the image they use now. */
  kept: { target: string; source: string }[];
  definitionXml: string;
  memory: { file: string; restoreXml: string; state: 'running' | 'paused' } | null;
  /** Without memory: start after the define (running or paused), or null to leave the domain off. */
  start: 'running' | 'paused' | null;
  /** The current snapshot just before the `current` step (the safety snapshot when one is taken). */
  currentBefore: string | null;
}

export interface GuidedInput {
  facts: RevertFacts;
  workDir: string;
  /** The safety snapshot stops the domain (--halt). */
  stoppedBefore: boolean;
  /** Overlays the safety snapshot puts under each disk (what "the current image" is after it). */
  safetyOverlays: Record<string, string>;
  safetyName: string | null;
  after: 'snapshot' | 'running' | 'paused';
  /** The snapshot's memory file as a domain XML (save-image-dumpxml), when it has one. */
  memoryXml: string | null;
}

const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._+-]+/g, '_');

/** What the guided revert will do, or why it cannot. Reads nothing: the facts are read already. */
export async function planGuided(input: GuidedInput): Promise<{ params: GuidedParams | null; refusal: string | null; notes: string[]; warnings: string[] }> {
  const { facts } = input;
  const { detail, domain } = facts;
  const notes: string[] = [];
  const warnings: string[] = [];
  const fail = (refusal: string) => ({ params: null, refusal, notes, warnings });
  if (!facts.filesReadable) {
    return fail("this libvirt cannot revert to an external snapshot itself, and the guided revert creates image files with qemu-img where the images are: it needs a local connection (qemu:///system or qemu:///session) or qemu+ssh");
  }
  const definition = snapshotDefinition(facts.snapshotXml);
  if (definition === null) return fail(`snapshot “${detail.name}” records no domain definition, so there is nothing to revert the disks and configuration to`);

  const recorded = new Map(detail.domainDisks.map((d) => [d.target, d]));
  const overlays: GuidedOverlay[] = [];
  const used = new Set<string>();
  for (const spec of detail.disks) {
    if (spec.mode === 'no' || spec.mode === null) continue;
    if (spec.mode !== 'external') return fail(`disk ${spec.name} is ${spec.mode} in this external snapshot; the guided revert handles external disks only`);
    const base = recorded.get(spec.name)?.source ?? null;
    if (base === null) return fail(`the snapshot records no image for disk ${spec.name}`);
    const info = await facts.image(base);
    if (info === null) return fail(`cannot revert: the snapshot's image for ${spec.name}, ${base}, is missing or unreadable`);
    let file = '';
    for (let n = 1; ; n++) {
      file = join(dirname(base), `${fileSafe(domain)}-${fileSafe(spec.name)}.${fileSafe(detail.name)}-r${n}.qcow2`);
      if (!facts.fileExists(file) && !used.has(file)) break;
    }
    used.add(file);
    overlays.push({ target: spec.name, base, baseFormat: info.format, file });
    const now = facts.disks.find((d) => d.target === spec.name)?.source;
    if (now === base) {
      warnings.push(`${spec.name} runs on ${base} itself now, so that image has been written since “${detail.name}” was taken: the revert brings back what it holds now, not the snapshot's point in time.`);
    }
  }
  if (overlays.length === 0) return fail(`snapshot “${detail.name}” covers no disk externally`);
  if (detail.memory.mode === 'external') {
    if (!detail.memory.file || !facts.fileExists(detail.memory.file)) return fail(`cannot revert: the snapshot's memory file ${detail.memory.file ?? '(none recorded)'} is missing`);
  }

  const sources = new Map(overlays.map((o) => [o.target, o.file]));
  const kept: GuidedParams['kept'] = [];
  const definedTargets = diskSources(definition);
  for (const [target] of definedTargets) {
    if (sources.has(target)) continue;
    const now = input.safetyOverlays[target] ?? facts.disks.find((d) => d.target === target)?.source ?? null;
    if (now === null) {
      notes.push(`${target} was not in the snapshot and the domain has no such disk now: it keeps what the snapshot recorded.`);
      continue;
    }
    kept.push({ target, source: now });
    sources.set(target, now);
    notes.push(`${target} was not in the snapshot: it keeps its current image${input.safetyOverlays[target] ? ` (the safety snapshot's overlay ${now})` : ` (${now})`}, with the data it holds now.`);
  }
  let definitionXml: string;
  let memory: GuidedParams['memory'] = null;
  try {
    definitionXml = pointDisksAt(definition, sources);
    if (detail.memory.mode === 'external') {
      if (input.memoryXml === null) return fail(`cannot read the domain XML in the memory file ${detail.memory.file}`);
      const snapState = detail.state === 'paused' ? 'paused' : 'running';
      memory = {
        file: detail.memory.file!,
        restoreXml: pointDisksAt(input.memoryXml, sources),
        state: input.after === 'snapshot' ? snapState : input.after,
      };
    }
  } catch (error) {
    return fail(`cannot point the recorded definition at the new overlays: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    params: {
      workDir: input.workDir,
      destroy: facts.live && !input.stoppedBefore,
      overlays,
      kept,
      definitionXml,
      memory,
      start: memory ? null : input.after === 'snapshot' ? null : input.after,
      currentBefore: input.safetyName ?? facts.current,
    },
    refusal: null,
    notes,
    warnings,
  };
}

export interface GuidedContext {
  host: Host;
}

async function domainStateOf(host: Host, domain: string) {
  return parseDomState((await host.run(virshCommands.domainState(domain))).stdout).state;
}

async function sourcesInUse(host: Host, domain: string): Promise<Set<string>> {
  const used = new Set<string>();
  for (const inactive of [false, true]) {
    for (const disk of await host.disks(domain, { inactive })) for (const layer of disk.chain) used.add(layer.source);
  }
  return used;
}

/** The steps, from the params alone (so that a resumed flow rebuilds exactly these). */
export function guidedSteps<C extends GuidedContext>(domain: string, snapshot: string, params: GuidedParams): StepDefinition<C>[] {
  const steps: StepDefinition<C>[] = [];
  const definitionFile = join(params.workDir, 'definition.xml');
  const previousFile = join(params.workDir, 'previous-definition.xml');
  const restoreFile = join(params.workDir, 'restore.xml');
  const destroy = virshCommands.destroyDomain(domain);
  if (params.destroy) {
    steps.push({
      id: 'stop',
      title: `stop ${domain} (destroy: its memory is not kept)`,
      commands: [plannedVirsh(destroy)],
      leavesState: `${domain} is shut off; nothing else has changed yet`,
      run: async ({ host }, journal) => {
        if ((await domainStateOf(host, domain)) === 'shut off') {
          journal.note(`${domain} was shut off already`);
          return;
        }
        await host.run(destroy);
      },
      check: async ({ host }) => {
        const state = await domainStateOf(host, domain);
        return state === 'shut off' ? null : `${domain} is ${state}`;
      },
    });
  }
  for (const overlay of params.overlays) {
    const removeCommand = { program: 'rm', args: [overlay.file], mutates: true };
    steps.push({
      id: `overlay:${overlay.target}`,
      title: `new overlay for ${overlay.target} on the snapshot's image ${overlay.base}`,
      commands: [overlayCommand(overlay.base, overlay.baseFormat, overlay.file)],
      creates: [overlay.file],
      leavesState: `${domain} is shut off with its definition unchanged; new overlay files exist but nothing uses them`,
      // On the host where the images are: here, or over SSH.
      run: async ({ host }) => {
        await createOverlay(overlay.base, overlay.baseFormat, overlay.file, filesOf(host));
      },
      check: async ({ host }) => {
        if ((await filesOf(host).probe([overlay.file])).get(overlay.file)?.exists !== true) return `${overlay.file} does not exist`;
        const info = await readImage(overlay.file, filesOf(host));
        return info.backing === overlay.base ? null : `${overlay.file} is backed by ${info.backing ?? 'nothing'}, not ${overlay.base}`;
      },
      undo: {
        title: `remove ${overlay.file} (only while the domain does not use it)`,
        commands: [removeCommand],
        run: async ({ host }, journal) => {
          if ((await filesOf(host).probe([overlay.file])).get(overlay.file)?.exists === false) return;
          if ((await sourcesInUse(host, domain)).has(overlay.file)) {
            journal.note(`${overlay.file} is in use by ${domain}; it stays`);
            return;
          }
          await filesOf(host).remove([overlay.file]);
        },
      },
    });
  }
  const define = virshCommands.defineDomain(definitionFile);
  const definePrevious = virshCommands.defineDomain(previousFile);
  steps.push({
    id: 'define',
    title: `define ${domain} as “${snapshot}” recorded it, with its disks on the new overlays`,
    commands: [
      { program: 'virsh', args: virshCommands.domainXml(domain, true).args, mutates: false },
      plannedVirsh(define),
    ],
    creates: [],
    leavesState: `${domain} is defined on the new overlays and shut off; “${snapshot}” is not current yet`,
    run: async ({ host }, journal) => {
      await mkdir(params.workDir, { recursive: true });
      // The definition it replaces, for the undo: written before anything changes.
      await writeFile(previousFile, await host.domainXml(domain, { inactive: true }));
      await writeFile(definitionFile, params.definitionXml);
      journal.note(`the previous definition is saved in ${previousFile}`);
      await host.run(define);
    },
    check: async ({ host }) => {
      const defined = diskSources(await host.domainXml(domain, { inactive: true }));
      const wrong = params.overlays.filter((o) => defined.get(o.target) !== o.file);
      return wrong.length === 0 ? null : `the persistent definition does not use ${wrong.map((o) => o.file).join(', ')}`;
    },
    undo: {
      title: `define ${domain} again as it was before (${previousFile})`,
      commands: [plannedVirsh(definePrevious)],
      run: async ({ host }) => {
        if (!existsSync(previousFile)) throw new Error(`${previousFile} is gone: the previous definition cannot be restored`);
        await host.run(definePrevious);
      },
    },
  });
  if (params.memory) {
    const { memory } = params;
    const restore = virshCommands.restoreDomain(memory.file, { xml: restoreFile, running: memory.state === 'running', paused: memory.state === 'paused' });
    steps.push({
      id: 'restore',
      title: `restore ${domain} from the snapshot's memory (${memory.file}), ${memory.state}`,
      commands: [plannedVirsh(restore)],
      leavesState: `${domain} runs from “${snapshot}”'s memory on the new overlays; “${snapshot}” is not current yet`,
      run: async ({ host }) => {
        await mkdir(params.workDir, { recursive: true });
        await writeFile(restoreFile, memory.restoreXml);
        await host.run(restore);
      },
      check: async ({ host }) => {
        const state = await domainStateOf(host, domain);
        return state === memory.state ? null : `${domain} is ${state}, not ${memory.state}`;
      },
      undo: { title: `stop ${domain} again (destroy)`, commands: [plannedVirsh(destroy)], run: stopIfLive(domain) },
    });
  } else if (params.start) {
    const start = virshCommands.startDomain(domain, { paused: params.start === 'paused' });
    const expected = params.start;
    steps.push({
      id: 'start',
      title: `start ${domain}${expected === 'paused' ? ' paused' : ''} (it boots from the snapshot's disks)`,
      commands: [plannedVirsh(start)],
      leavesState: `${domain} runs on the new overlays; “${snapshot}” is not current yet`,
      run: async ({ host }) => {
        await host.run(start);
      },
      check: async ({ host }) => {
        const state = await domainStateOf(host, domain);
        return state === expected ? null : `${domain} is ${state}, not ${expected}`;
      },
      undo: { title: `stop ${domain} again (destroy)`, commands: [plannedVirsh(destroy)], run: stopIfLive(domain) },
    });
  }
  const setCurrent = virshCommands.setCurrentSnapshot(domain, snapshot);
  const setBack = params.currentBefore ? virshCommands.setCurrentSnapshot(domain, params.currentBefore) : null;
  steps.push({
    id: 'current',
    title: `make “${snapshot}” the current snapshot`,
    commands: [plannedVirsh(setCurrent)],
    run: async ({ host }) => {
      await host.run(setCurrent);
    },
    check: async ({ host }) => {
      const current = await host.currentSnapshotName(domain);
      return current === snapshot ? null : `the current snapshot is ${current ?? '(none)'}`;
    },
    ...(setBack
      ? {
          undo: {
            title: `make “${params.currentBefore}” current again`,
            commands: [plannedVirsh(setBack)],
            run: async ({ host }: C) => {
              await host.run(setBack);
            },
          },
        }
      : {}),
  });
  return steps;
}

function stopIfLive(domain: string) {
  return async ({ host }: GuidedContext) => {
    if ((await domainStateOf(host, domain)) !== 'shut off') await host.run(virshCommands.destroyDomain(domain));
  };
}
