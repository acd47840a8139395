// Independent checks of a lab guest's disks for real-QEMU tests: image files are read with
// qemu-img and qemu-io, the running guest is driven through one-shot virsh (lab.virsh), never
// through virtsnap's engine, so a test's expectations do not rest on the code under test.

import { execa } from 'execa';
import { expect } from 'vitest';
import type { Lab } from './lab.js';

/** QEMU's block backend of the lab's vda (the first virtio disk). */
const VDA_BACKEND = '/machine/peripheral/virtio-disk0/virtio-backend';

/** Internal snapshot tags of a qcow2 image (JSON output, so tags with spaces come back whole). */
export async function qcow2Tags(image: string): Promise<string[]> {
  // -U: the image may be open in a running QEMU, which holds the write lock.
  const { stdout } = await execa('qemu-img', ['info', '-U', '--output=json', image]);
  return ((JSON.parse(stdout) as { snapshots?: { name: string }[] }).snapshots ?? []).map((s) => s.name);
}

export interface ChainLayer {
  filename: string;
  format: string;
  /** The backing file as qemu-img resolves it; null for the base image. */
  backing: string | null;
}

/** The image and each backing file below it, top first, as qemu-img sees them on disk. */
export async function backingChain(image: string): Promise<ChainLayer[]> {
  const { stdout } = await execa('qemu-img', ['info', '-U', '--backing-chain', '--output=json', image]);
  return (JSON.parse(stdout) as { filename: string; format: string; 'full-backing-filename'?: string }[]).map((i) => ({
    filename: i.filename,
    format: i.format,
    backing: i['full-backing-filename'] ?? null,
  }));
}

/** The file names of backingChain(image), top first. */
export async function chainFiles(image: string): Promise<string[]> {
  return (await backingChain(image)).map((layer) => layer.filename);
}

/** Runs a qemu-io command on vda inside the running QEMU; HMP reports errors in the output with rc 0. */
async function hmpQemuIo(lab: Lab, domain: string, command: string): Promise<void> {
  const r = await lab.virsh('qemu-monitor-command', domain, '--hmp', `qemu-io -d ${VDA_BACKEND} "${command}"`);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).not.toMatch(/Error/i);
}

/** Writes a byte pattern into the running guest's vda, as the guest itself would (through its active layer). */
export async function guestWrite(lab: Lab, domain: string, pattern: string, offset: string, length: string): Promise<void> {
  await hmpQemuIo(lab, domain, `write -P ${pattern} ${offset} ${length}`);
}

/**
 * Makes QEMU write its cached image metadata to the files, so that reading them from outside
 * (qemu-io -U) sees what the guest sees.
 */
export async function flushDisk(lab: Lab, domain: string): Promise<void> {
  await hmpQemuIo(lab, domain, 'flush');
}

/** True when the image (through its backing chain) reads the pattern there. */
export async function readsPattern(image: string, pattern: string, offset: string, length: string): Promise<boolean> {
  // -r -U: read-only and without the lock, beside the running QEMU. Both the exit code and the
  // message count, so a mismatch fails however qemu-io reports it.
  const r = await execa('qemu-io', ['-r', '-U', '-f', 'qcow2', '-c', `read -P ${pattern} ${offset} ${length}`, image], { reject: false });
  return r.exitCode === 0 && !/verification failed/.test(r.stdout);
}

/** A disk-only external snapshot of vda (vdb left out) made with plain virsh; returns the overlay's path. */
export async function externalSnapshot(lab: Lab, domain: string, name: string): Promise<string> {
  const file = `${lab.dir}/img/${domain}-vda.${name}.qcow2`;
  const r = await lab.virsh('snapshot-create-as', domain, name, '--disk-only', '--atomic', '--diskspec', `vda,snapshot=external,file=${file}`, '--diskspec', 'vdb,snapshot=no');
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toBe('');
  return file;
}

/** vda's active image in the live XML, from `virsh domblklist`. */
export async function vdaSource(lab: Lab, domain: string): Promise<string> {
  const { stdout } = await lab.virsh('domblklist', domain);
  return /^\s*vda\s+(\S.*)$/m.exec(stdout)?.[1]?.trim() ?? '';
}

/** The domain's snapshot names in libvirt's metadata, sorted. */
export async function snapshotNames(lab: Lab, domain: string): Promise<string[]> {
  return (await lab.virsh('snapshot-list', domain, '--name')).stdout.split('\n').filter(Boolean).sort();
}

/**
 * Each snapshot's parent (null for a root), from virsh's own `snapshot-list --parent` table.
 * Names must not contain spaces here: the table's columns are split on white space.
 */
export async function snapshotParents(lab: Lab, domain: string): Promise<Record<string, string | null>> {
  const { stdout } = await lab.virsh('snapshot-list', domain, '--parent');
  // NAME  DATE TIME ZONE  STATE  [PARENT]
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((line) => {
        const words = line.trim().split(/\s+/);
        return [words[0]!, words[5] ?? null];
      }),
  );
}
