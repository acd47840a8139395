// Shared by the revert tests: writing data patterns into a shut-off domain's images, hashing
// images to prove they were not written, and running a revert plan journaled like the CLI does.

import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { runFlow } from '../../src/engine/flows/flow-run.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { planRevert, type RevertParams, type RevertRequest } from '../../src/engine/flows/revert.js';
import type { Lab } from './lab.js';

/** Writes a pattern into an image that no QEMU has open (the domain is shut off). */
export async function offlineWrite(image: string, pattern: string, offset: string, length: string): Promise<void> {
  await execa('qemu-io', ['-f', 'qcow2', '-c', `write -P ${pattern} ${offset} ${length}`, image]);
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export async function domstate(lab: Lab, domain: string): Promise<string> {
  return (await lab.virsh('domstate', domain, '--reason')).stdout.trim();
}

export async function currentSnapshot(lab: Lab, domain: string): Promise<string> {
  return (await lab.virsh('snapshot-current', domain, '--name')).stdout.trim();
}

/** The parent of a snapshot, from libvirt's own record. */
export async function parentOf(lab: Lab, domain: string, snapshot: string): Promise<string> {
  return (await lab.virsh('snapshot-parent', domain, snapshot)).stdout.trim();
}

/** The source of a disk in the persistent definition (`dumpxml --inactive`). */
export async function definedSource(lab: Lab, domain: string, target: string): Promise<string | null> {
  const xml = (await lab.virsh('dumpxml', domain, '--inactive')).stdout;
  const disk = [...xml.matchAll(/<disk\b[\s\S]*?<\/disk>/g)].map((m) => m[0]).find((d) => d.includes(`dev='${target}'`));
  return disk ? (/<source file='([^']*)'/.exec(disk)?.[1] ?? null) : null;
}

/** Destroys the domain when it runs, so its images can be read offline. */
export async function stopDomain(lab: Lab, domain: string): Promise<void> {
  const state = await domstate(lab, domain);
  if (!state.startsWith('shut off')) expect((await lab.virsh('destroy', domain)).exitCode).toBe(0);
}

const journalDir = mkdtempSync(join(tmpdir(), 'virtsnap-revert-journal-'));

/** Plans and runs a revert to its end through the journaled runner; returns the plan's params. */
export async function revert(host: Host, request: RevertRequest): Promise<RevertParams> {
  const plan = await planRevert(host, request);
  expect(plan.refusal).toBeNull();
  const outcome = await runFlow(plan, { journal: new Journal(journalDir) });
  if (outcome.status !== 'done') throw outcome.error instanceof Error ? outcome.error : new Error(String(outcome.status));
  return plan.params as RevertParams;
}
