// The fault matrix's shared parts: the built CLI with a journal of its own, the checks that a
// domain is consistent after a fault (libvirt's view against the image files, every snapshot's
// files, the snapshot tree, no job left behind), data regions written with qemu-io patterns and
// read back through the domain's chain, and the record of each fault for the summary
// (`npm run faults`, scripts/faults.mjs). Nothing here goes through virtsnap's engine: one-shot
// virsh, qemu-img and qemu-io only.

import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Lab } from './lab.js';
import { readsPattern } from './qemu-checks.js';

/**
 * The built CLI, copied once per test file into dist/.faults-PID/: a rebuild while the matrix runs
 * replaces dist/virtsnap and its chunks, and a process started before would then fail to load the
 * ones it imports late. The copy stays under dist/, so the package root (fixtures/) is still found
 * by walking up.
 */
function privateBin(): string {
  const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
  const copy = join(dist, `.faults-${process.pid}`);
  for (let attempt = 0; ; attempt++) {
    try {
      rmSync(copy, { recursive: true, force: true });
      cpSync(join(dist, 'virtsnap'), join(copy, 'virtsnap'), { recursive: true });
      break;
    } catch (error) {
      // a rebuild renamed the directory under the copy: copy the new one
      if (attempt >= 5) throw error;
    }
  }
  privateCopies.push(copy);
  process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
  return join(copy, 'virtsnap', 'bin.js');
}
const privateCopies: string[] = [];

export const BIN = privateBin();

// ---------------------------------------------------------------------------- the CLI

export interface CliRun {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/** The built CLI with its own journal (XDG_STATE_HOME=state); env adds the kill hooks. */
export async function virtsnap(state: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliRun> {
  const r = await execa('node', [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { XDG_STATE_HOME: state, XDG_RUNTIME_DIR: join(state, 'run'), NO_COLOR: '1', ...env },
    timeout: timeoutMs,
  });
  return { exitCode: r.exitCode, signal: r.signal ?? undefined, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export interface PlanJsonLine {
  type?: string;
  refusal: string | null;
  steps: { id: string; title: string }[];
}

/** The step ids of a flow, from its `--dry-run --json` plan. */
export async function planSteps(state: string, args: string[]): Promise<string[]> {
  const r = await virtsnap(state, [...args, '--dry-run', '--json']);
  const plan = JSON.parse(r.stdout.split('\n')[0] ?? '{}') as PlanJsonLine;
  if (r.exitCode !== 0 || plan.refusal) throw new Error(`the plan of ${args.join(' ')} is refused: ${plan.refusal ?? r.stderr}`);
  return plan.steps.map((s) => s.id);
}

export interface FlowListing {
  id: string;
  status: string;
  kind: string;
  done: string[];
  remaining: string[];
  inDoubt: string | null;
}

export async function journalFlows(state: string): Promise<FlowListing[]> {
  const r = await virtsnap(state, ['journal', '--all', '--json']);
  if (r.exitCode !== 0) throw new Error(`virtsnap journal: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { flows: FlowListing[] }).flows;
}

const stateDirs: string[] = [];
/** A fresh journal (XDG_STATE_HOME) for one flow's processes. */
export function freshState(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vs-fault-state-'));
  stateDirs.push(dir);
  return dir;
}
/** After a test file: its journals, and its copy of the CLI. */
export function removeStates(): void {
  for (const d of [...stateDirs.splice(0), ...privateCopies.splice(0)]) rmSync(d, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------- consistency

const attr = (tag: string, name: string) => new RegExp(`\\b${name}='([^']*)'`).exec(tag)?.[1] ?? null;
const unescape = (s: string) => s.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Each `<disk device='disk'>` of a domain XML: target and file chain (source, then backingStore sources), top first. */
export function diskChainsOfXml(xml: string): { target: string; chain: string[]; backingKnown: boolean }[] {
  const out: { target: string; chain: string[]; backingKnown: boolean }[] = [];
  for (const m of xml.matchAll(/<disk\b[^>]*device='disk'[^>]*>([\s\S]*?)<\/disk>/g)) {
    const body = m[1]!;
    const target = attr(/<target\b[^>]*>/.exec(body)?.[0] ?? '', 'dev') ?? '?';
    const chain = [...body.matchAll(/<source\b[^>]*\bfile='([^']*)'/g)].map((s) => unescape(s[1]!));
    // live XML ends a chain with an empty <backingStore/>; without one libvirt did not say
    out.push({ target, chain, backingKnown: /<backingStore\/>/.test(body) || /<backingStore\b/.test(body) });
  }
  return out;
}

export async function qemuImgChain(file: string): Promise<string[] | string> {
  const r = await execa('qemu-img', ['info', '-U', '--backing-chain', '--output=json', file], { reject: false, stdin: 'ignore', timeout: 30_000 });
  if (r.exitCode !== 0) return String(r.stderr).trim() || `qemu-img info exited ${String(r.exitCode)}`;
  return (JSON.parse(String(r.stdout)) as { filename: string }[]).map((i) => i.filename);
}

export interface ConsistencyOptions {
  /** The domain states accepted (default: running). */
  states?: string[];
}

/**
 * What is inconsistent about `domain` now, in words (empty: nothing): its state, each disk's chain
 * in libvirt's XML against qemu-img's view of the files, every snapshot's files, the snapshot
 * tree, a block job left running.
 */
export async function inconsistencies(lab: Lab, domain: string, options: ConsistencyOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const state = (await lab.virsh('domstate', domain)).stdout.trim();
  const states = options.states ?? ['running'];
  if (!states.includes(state)) problems.push(`domain is ${state || '(unknown)'}, expected ${states.join(' or ')}`);
  const live = state === 'running' || state === 'paused';
  const xml = (await lab.virsh('dumpxml', domain, ...(live ? [] : ['--inactive']))).stdout;
  for (const disk of diskChainsOfXml(xml)) {
    const top = disk.chain[0];
    if (!top) continue;
    if (!existsSync(top)) {
      problems.push(`${disk.target}: its source ${top} does not exist`);
      continue;
    }
    const files = await qemuImgChain(top);
    if (typeof files === 'string') {
      problems.push(`${disk.target}: qemu-img cannot read its chain: ${files}`);
      continue;
    }
    // libvirt's chain (live XML) must be the files' own chain
    if (live && disk.chain.length > 0 && JSON.stringify(disk.chain) !== JSON.stringify(files)) {
      problems.push(`${disk.target}: libvirt's chain ${disk.chain.join(' <- ')} is not the images' chain ${files.join(' <- ')}`);
    }
    if (live) {
      const job = await lab.virsh('blockjob', domain, disk.target, '--raw');
      if (/type=/.test(job.stdout)) problems.push(`${disk.target}: a block job is still there: ${job.stdout.trim().replace(/\s+/g, ' ')}`);
    }
  }

  const names = (await lab.virsh('snapshot-list', domain, '--name')).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const parents = await lab.virsh('snapshot-list', domain, '--parent');
  for (const line of parents.stdout.split('\n').filter((l) => l.trim())) {
    const cells = line.trim().split(/\s{2,}/);
    const parent = cells[3];
    if (parent && !names.includes(parent)) problems.push(`snapshot ${cells[0]} names a parent ${parent} that does not exist`);
  }
  if ((await lab.virsh('snapshot-list', domain, '--tree')).exitCode !== 0) problems.push('snapshot-list --tree fails');
  for (const name of names) {
    const sx = (await lab.virsh('snapshot-dumpxml', domain, name)).stdout;
    const files = new Set<string>();
    for (const m of sx.matchAll(/<source\b[^>]*\bfile='([^']*)'/g)) files.add(unescape(m[1]!));
    const memory = /<memory\b[^>]*snapshot='external'[^>]*>/.exec(sx)?.[0];
    if (memory) files.add(unescape(attr(memory, 'file') ?? ''));
    for (const f of files) if (f && !existsSync(f)) problems.push(`snapshot ${name} names ${f}, which does not exist`);
  }
  return problems;
}

// ---------------------------------------------------------------------------- data

export interface Region {
  pattern: string;
  /** MiB offset and length. */
  offsetMiB: number;
  lengthMiB: number;
}

export const MiB = 1024 * 1024;

export interface DataCheck {
  bytesVerified: number;
  bytesLost: number;
  problems: string[];
}

/** Reads each region's pattern through `image`'s chain; a region that does not read is lost. */
export async function checkRegions(image: string, regions: Region[], what = image): Promise<DataCheck> {
  const out: DataCheck = { bytesVerified: 0, bytesLost: 0, problems: [] };
  for (const r of regions) {
    const ok = existsSync(image) && (await readsPattern(image, r.pattern, `${r.offsetMiB}M`, `${r.lengthMiB}M`));
    if (ok) out.bytesVerified += r.lengthMiB * MiB;
    else {
      out.bytesLost += r.lengthMiB * MiB;
      out.problems.push(`${what}: ${r.lengthMiB} MiB of ${r.pattern} at ${r.offsetMiB} MiB do not read back`);
    }
  }
  return out;
}

export function addChecks(...checks: DataCheck[]): DataCheck {
  return {
    bytesVerified: checks.reduce((s, c) => s + c.bytesVerified, 0),
    bytesLost: checks.reduce((s, c) => s + c.bytesLost, 0),
    problems: checks.flatMap((c) => c.problems),
  };
}

// ---------------------------------------------------------------------------- the record

export type FaultKind = 'sigkill' | 'libvirtd-restart' | 'full-filesystem' | 'chain-loop' | 'chain-missing' | 'qemu-crash' | 'hung-process';

export interface FaultRecord {
  fault: FaultKind;
  flow: string;
  /** The step after (or during) which the fault hit, where it applies. */
  step?: string;
  /** How it was picked up: resumed, rolled back, refused (a clear error), finished (the job re-attached). */
  outcome: 'resumed' | 'rolled-back' | 'refused' | 'finished' | 'failed';
  /** A rollback that stopped at a step with no undo (the flow was then resumed): its first line. */
  rollbackRefused?: string;
  consistent: boolean;
  bytesVerified: number;
  bytesLost: number;
  problems: string[];
  ms?: number;
}

/**
 * Appends the record to $VIRTSNAP_FAULTS_LOG (JSON lines; scripts/faults.mjs sums them), when set.
 * Returns the record, for the test's own assertions.
 */
export function recordFault(record: FaultRecord): FaultRecord {
  const log = process.env.VIRTSNAP_FAULTS_LOG;
  if (log) appendFileSync(log, `${JSON.stringify(record)}\n`);
  return record;
}
