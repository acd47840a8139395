// Paths and loaders for the libvirt corpus and the captured virsh samples.

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusRoot = join(projectRoot, 'fixtures', 'libvirt-corpus');

export const SNAPSHOT_IN = join(corpusRoot, 'tests', 'qemudomainsnapshotxml2xmlin');
export const SNAPSHOT_OUT = join(corpusRoot, 'tests', 'qemudomainsnapshotxml2xmlout');
export const SNAPSHOT_SCHEMA = join(corpusRoot, 'src', 'conf', 'schemas', 'domainsnapshot.rng');
export const SAMPLES = join(projectRoot, 'fixtures', 'samples');

/** The XML samples captured from real virsh runs that this suite relies on. */
export const SNAPSHOT_SAMPLES = [
  'snapshot-dumpxml-external-disk-only.xml',
  'snapshot-dumpxml-external-memory.xml',
  'snapshot-dumpxml-internal-running.xml',
] as const;
export const DOMAIN_SAMPLES = ['domain-dumpxml-live.xml', 'domain-dumpxml-inactive.xml'] as const;

export function xmlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.xml'))
    .sort();
}

export function read(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

export const isInvalidCase = (name: string): boolean => name.includes('-invalid.');
