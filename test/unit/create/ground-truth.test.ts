// The planner against what libvirt 9.0 actually did: every case of the creation matrix probed
// on a real lab (fixtures/creation-matrix-libvirt-9.0.json, written by scripts/creation-matrix.mjs)
// is planned here with the same domain, request and files, and the plan must agree with libvirt
// on the verdict, the resolved modes, the method, the snapshot state, the domain's state
// afterwards and the files created.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planSnapshot } from '../../../src/engine/create/planner.js';
import type { CreateRequest, CreateRequestFlags, PlannerDomain, PlannerEnvironment } from '../../../src/engine/create/types.js';
import type { DiskSnapshotMode } from '../../../src/engine/model.js';

interface MatrixCase {
  id: string;
  domainState: 'running' | 'paused' | 'shutoff';
  variant: 'qcow2' | 'raw-vdb';
  memory: 'omit' | 'no' | 'internal' | 'external';
  disks: { vda: string; vdb: string };
  diskOnly: boolean;
  flags: string[];
  name: string | null;
  xml: string;
  explicitFiles: { memory: boolean; disks: boolean };
  setup: { existingOverlay?: string; existingSnapshot?: string; previousMemorySnapshot?: boolean };
  accepted: boolean;
  error: string | null;
  result: null | {
    memory: { mode: string; file: string | null } | null;
    disks: Record<string, { mode: string; file: string | null }> | null;
    state: string | null;
    domainStateAfter: string;
    files: string[];
    method: string;
  };
}

const MATRIX_URL = new URL('../../../fixtures/creation-matrix-libvirt-9.0.json', import.meta.url);
const cases = JSON.parse(readFileSync(MATRIX_URL, 'utf8')) as MatrixCase[];

const IMG = '/lab/img';
const DOM = 'd1';
const SNAP = 'c1';
const NOW = 1_790_000_000;

/** The lab's two-disk guest, as the prober built it for the case's variant. */
function labDomain(c: MatrixCase): PlannerDomain {
  const vdbRaw = c.variant === 'raw-vdb';
  return {
    name: DOM,
    state: c.domainState,
    guestAgent: false,
    snapshotNames: c.setup.existingSnapshot ? [c.setup.existingSnapshot] : [],
    // The prober's earlier external memory snapshot left a paused domain in that state.
    pausedSinceMemorySnapshot: c.setup.previousMemorySnapshot === true && c.domainState === 'paused',
    disks: [
      { target: 'vda', device: 'disk', type: 'file', format: 'qcow2', source: `${IMG}/${DOM}-vda.qcow2`, readonly: false },
      {
        target: 'vdb',
        device: 'disk',
        type: 'file',
        format: vdbRaw ? 'raw' : 'qcow2',
        source: `${IMG}/${DOM}-vdb.${vdbRaw ? 'raw' : 'qcow2'}`,
        readonly: false,
      },
    ],
  };
}

const unescapeXml = (text: string) =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** The name the prober submitted (its XML is the record): @SNAP@ is a generated one, none is none. */
function caseName(c: MatrixCase): string | undefined {
  const match = /<name>(.*)<\/name>/.exec(c.xml);
  if (!match) return undefined;
  return match[1] === '@SNAP@' ? SNAP : unescapeXml(match[1] as string);
}
/** The prober's explicit file names: IMG/DOM.TAG.mem, IMG/DOM.TAG.vda.qcow2. */
const tagOf = (name: string | undefined) => (name ?? 'noname').replace(/[^A-Za-z0-9_-]/g, '_');

function requestFor(c: MatrixCase): CreateRequest {
  const name = caseName(c);
  const tag = tagOf(name);
  const flags: CreateRequestFlags = { diskOnly: c.diskOnly };
  for (const flag of c.flags) {
    const key = flag.slice(2).replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase()) as keyof CreateRequestFlags;
    flags[key] = true;
  }
  const request: CreateRequest = { disks: [], flags };
  if (name !== undefined) request.name = name;
  if (c.memory !== 'omit') {
    request.memory =
      c.memory === 'external' && c.explicitFiles.memory
        ? { mode: 'external', file: `${IMG}/${DOM}.${tag}.mem` }
        : { mode: c.memory };
  }
  for (const target of ['vda', 'vdb'] as const) {
    const mode = c.disks[target];
    if (mode === 'omit') continue;
    request.disks.push(
      mode === 'external' && c.explicitFiles.disks
        ? { target, mode: 'external', file: `${IMG}/${DOM}.${tag}.${target}.qcow2` }
        : { target, mode: mode as DiskSnapshotMode },
    );
  }
  return request;
}

function envFor(c: MatrixCase): PlannerEnvironment {
  const existing = new Set<string>();
  if (c.setup.existingOverlay) existing.add(`${IMG}/${DOM}.${tagOf(caseName(c))}.${c.setup.existingOverlay}.qcow2`);
  return {
    fileExists: (path) => existing.has(path),
    fileSize: (path) => (existing.has(path) ? 196_624 : null),
    now: () => NOW,
  };
}

/** `/lab/img/d1.c1.vda.qcow2` → `@DOM@.@SNAP@.vda.qcow2`, the prober's notation. */
function labRelative(path: string, name: string | undefined): string {
  let rel = path.startsWith(`${IMG}/`) ? path.slice(IMG.length + 1) : path;
  rel = rel.split(DOM).join('@DOM@');
  if (name === SNAP) rel = rel.split(`.${SNAP}`).join('.@SNAP@');
  return rel.split(`.${NOW}`).join('.@EPOCH@');
}
const proberFile = (file: string) => file.replace(/\.c\d+(?=\.|$)/g, '.@SNAP@');

/** `running (unpaused)` → `running`, `shut off (from snapshot)` → `shutoff`. */
const stateWord = (domstate: string) => domstate.replace(/ \(.*\)$/, '').replace('shut off', 'shutoff');

/** libvirt's message without its category prefix (`unsupported configuration: `…). */
const libvirtMessage = (error: string) =>
  error
    .replace(/^(unsupported configuration|Operation not supported|XML error|argument unsupported|operation failed|invalid argument|internal error): /, '')
    .replace(/^unable to execute QEMU command '[^']*': /, '')
    .replace(/\/tmp\/[^/]+\/img\/d\d+\.c\d+/, '')
    .replace(/\/tmp\/[^/]+\/img\/d\d+-vda\.c\d+/, '')
    .replace(/: No such file or directory$/, '');

describe('the planner agrees with libvirt 9.0 on every probed case', () => {
  it('has the probed cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const name = caseName(c);
    const plan = planSnapshot(labDomain(c), requestFor(c), envFor(c));
    expect(plan.verdict === 'ok', `verdict ${plan.verdict}: ${plan.reason}; libvirt: ${c.error ?? 'accepted'}`).toBe(c.accepted);
    if (!c.accepted) {
      const message = libvirtMessage(c.error as string);
      const core = message.split(': ')[0] as string;
      expect(plan.reason).toContain(core.replace(/ for disk vda$/, ''));
      return;
    }
    const result = c.result!;
    expect(plan.method).toBe(result.method);
    expect(plan.domainStateAfter).toBe(stateWord(result.domainStateAfter));
    if (result.memory && result.disks) {
      expect(plan.resolved?.memory.mode).toBe(result.memory.mode);
      expect(Object.fromEntries(plan.resolved!.disks.map((d) => [d.target, d.mode]))).toEqual(
        Object.fromEntries(Object.entries(result.disks).map(([t, d]) => [t, d.mode])),
      );
      expect(plan.resolved?.state).toBe(result.state);
    }
    // The files libvirt created are exactly the planned files that did not exist before.
    const created = plan.files.filter((f) => !f.exists).map((f) => labRelative(f.path, name));
    expect(created.sort()).toEqual(result.files.map(proberFile).sort());
  });
});
