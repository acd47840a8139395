// What a snapshot creation really did, seen from outside libvirt's answer: the snapshot's own XML,
// the qcow2 tags, the active images and the new files, and from those the method libvirt used.

import { existsSync, readdirSync } from 'node:fs';
import type { Lab } from '../lab.js';
import { blockList, qcow2Tags, virshOk, type MatrixDomain } from './domains.js';
import type { MatrixCase, ObservedMethod } from './fixture.js';

export interface SnapshotRecord {
  memory: { mode: string | null; file: string | null };
  disks: Record<string, { mode: string | null; file: string | null }>;
  state: string | null;
}

export interface Observation {
  /** null with --no-metadata. */
  snapshot: SnapshotRecord | null;
  domainStateAfter: string;
  newFiles: string[];
  taggedDisks: string[];
  overlaidDisks: string[];
  memoryFileWritten: boolean;
  method: ObservedMethod | null;
}

const attribute = (el: string, name: string): string | null => new RegExp(`\\b${name}='([^']*)'`).exec(el)?.[1] ?? null;

/** The `<domainsnapshot>` part before the embedded `<domain>`. */
export function readSnapshotRecord(xml: string): SnapshotRecord {
  const head = xml.split(/<domain[\s>]/)[0] ?? '';
  const memory = /<memory\b[^>]*>/.exec(head)?.[0] ?? '';
  const disks: SnapshotRecord['disks'] = {};
  for (const m of head.matchAll(/<disk\b[^>]*?(\/>|>[\s\S]*?<\/disk>)/g)) {
    const name = attribute(m[0], 'name');
    const source = /<source\b[^>]*>/.exec(m[0])?.[0];
    if (name) disks[name] = { mode: attribute(m[0], 'snapshot'), file: source ? attribute(source, 'file') : null };
  }
  return {
    memory: { mode: attribute(memory, 'snapshot'), file: attribute(memory, 'file') },
    disks,
    state: /<state>([^<]*)<\/state>/.exec(head)?.[1] ?? null,
  };
}

/** The domain's files in the image dir (its disks, overlays and memory files share its name). */
export function imageFiles(imgDir: string, domain: string): Set<string> {
  return new Set(readdirSync(imgDir).filter((f) => f.startsWith(`${domain}-`) || f.startsWith(`${domain}.`)));
}

/** The domain just before the submission. */
export interface Before {
  files: Set<string>;
  /** qcow2 tags per target. */
  tags: Record<string, string[]>;
  snapshots: Set<string>;
}

/** The same reading of the evidence as scripts/creation-matrix.mjs. */
export function methodFrom(
  online: boolean,
  e: { taggedDisks: string[]; overlaidDisks: string[]; memoryFileWritten: boolean; snapshot: SnapshotRecord | null },
): ObservedMethod | null {
  const tagged = e.taggedDisks.length > 0;
  const overlaid = e.overlaidDisks.length > 0;
  if (!online) return tagged || overlaid ? 'qemu-img' : null;
  if (e.memoryFileWritten && overlaid) return 'migrate+transaction';
  if (e.memoryFileWritten) return 'migrate';
  if (tagged) return 'savevm';
  if (overlaid) return 'transaction';
  if (e.snapshot && Object.values(e.snapshot.disks).some((d) => d.mode === 'manual')) return 'manual';
  return null;
}

export async function observe(
  lab: Lab,
  c: MatrixCase,
  domain: MatrixDomain,
  snapshotName: string | null,
  before: Before,
  imgDir: string,
): Promise<Observation> {
  const [snapshotXml, stateOut, tagLists] = await Promise.all([
    snapshotName === null ? Promise.resolve(null) : virshOk(lab, 'snapshot-dumpxml', domain.name, snapshotName),
    virshOk(lab, 'domstate', domain.name, '--reason'),
    Promise.all(Object.entries(domain.sources).map(async ([t, p]) => [t, (await qcow2Tags(p)).map((x) => x.name)] as const)),
  ]);
  const snapshot = snapshotXml === null ? null : readSnapshotRecord(snapshotXml);
  const domainStateAfter = stateOut.trim();
  const active = await blockList(lab, domain.name, domainStateAfter.startsWith('shut off'));
  const newFiles = [...imageFiles(imgDir, domain.name)].filter((f) => !before.files.has(f)).sort();
  const taggedDisks = tagLists.filter(([t, now]) => now.some((tag) => !(before.tags[t] ?? []).includes(tag))).map(([t]) => t);
  const overlaidDisks = Object.keys(domain.sources).filter((t) => active[t] !== domain.sources[t]);
  const memoryFile = snapshot?.memory.file ?? null;
  const memoryFileWritten =
    newFiles.some((f) => f.endsWith('.mem')) ||
    (memoryFile !== null && existsSync(memoryFile) && newFiles.includes(memoryFile.slice(imgDir.length + 1)));
  const evidence = { taggedDisks, overlaidDisks, memoryFileWritten, snapshot };
  return { snapshot, domainStateAfter, newFiles, taggedDisks, overlaidDisks, memoryFileWritten, method: methodFrom(c.domainState !== 'shutoff', evidence) };
}
