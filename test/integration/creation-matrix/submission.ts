// One matrix case as libvirt gets it (hand-written `<domainsnapshot>` + virsh options) and as the
// planner gets it (a CreateRequest). Built here, independently of the planner's own XML writer.

import { join } from 'node:path';
import type { CreateRequest, DiskRequest, MemoryRequest } from '../../../src/engine/create/types.js';
import type { MatrixCase } from './fixture.js';

const TARGETS = ['vda', 'vdb'] as const;

/** The explicit files a case hands libvirt, all in the lab's image dir. */
export interface CaseFiles {
  memory: string;
  vda: string;
  vdb: string;
}

export function caseFiles(domain: string, imgDir: string, snapshot: string | null): CaseFiles {
  const tag = (snapshot ?? 'noname').replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    memory: join(imgDir, `${domain}.${tag}.mem`),
    vda: join(imgDir, `${domain}.${tag}.vda.qcow2`),
    vdb: join(imgDir, `${domain}.${tag}.vdb.qcow2`),
  };
}

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

export function snapshotXml(c: MatrixCase, name: string | null, files: CaseFiles): string {
  const lines = ['<domainsnapshot>'];
  if (name !== null) lines.push(`  <name>${escape(name)}</name>`);
  if (c.memory !== 'omit') {
    const file = c.memory === 'external' && c.explicitFiles.memory ? ` file='${escape(files.memory)}'` : '';
    lines.push(`  <memory snapshot='${c.memory}'${file}/>`);
  }
  const named = TARGETS.filter((t) => c.disks[t] !== 'omit');
  if (named.length > 0) {
    lines.push('  <disks>');
    for (const t of named) {
      const mode = c.disks[t];
      if (mode === 'external' && c.explicitFiles.disks) {
        lines.push(`    <disk name='${t}' snapshot='external'>`, `      <source file='${escape(files[t])}'/>`, '    </disk>');
      } else {
        lines.push(`    <disk name='${t}' snapshot='${mode}'/>`);
      }
    }
    lines.push('  </disks>');
  }
  lines.push('</domainsnapshot>');
  return `${lines.join('\n')}\n`;
}

/** `virsh snapshot-create DOM FILE` options of the case. */
export function virshOptions(c: MatrixCase): string[] {
  return [...(c.diskOnly ? ['--disk-only'] : []), ...c.flags];
}

export function createRequest(c: MatrixCase, name: string | null, files: CaseFiles): CreateRequest {
  const memory: MemoryRequest | undefined =
    c.memory === 'omit'
      ? undefined
      : c.memory === 'external' && c.explicitFiles.memory
        ? { mode: 'external', file: files.memory }
        : { mode: c.memory };
  const disks: DiskRequest[] = [];
  for (const t of TARGETS) {
    const mode = c.disks[t];
    if (mode === 'omit') continue;
    disks.push(mode === 'external' && c.explicitFiles.disks ? { target: t, mode, file: files[t] } : { target: t, mode });
  }
  const has = (flag: string): boolean => c.flags.includes(flag);
  return {
    ...(name !== null ? { name } : {}),
    ...(memory ? { memory } : {}),
    disks,
    flags: {
      diskOnly: c.diskOnly,
      live: has('--live'),
      atomic: has('--atomic'),
      quiesce: has('--quiesce'),
      noMetadata: has('--no-metadata'),
      reuseExternal: has('--reuse-external'),
      halt: has('--halt'),
    },
  };
}
