// The recorded ground truth: what libvirt 9.0 did with each snapshot-creation request
// (fixtures/creation-matrix-libvirt-9.0.json, written by scripts/creation-matrix.mjs).
//
// Paths are relative to the lab's image dir, with the domain's name written as @DOM@; the
// generated snapshot name is @SNAP@ and a creation-time name @EPOCH@.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lab.js';

export type RequestMode = 'omit' | 'no' | 'internal' | 'external' | 'manual';
export type DomainStateWanted = 'running' | 'paused' | 'shutoff';
/** `qcow2`: the lab's two qcow2 disks; `raw-vdb`: vdb is a raw image. */
export type DomainVariant = 'qcow2' | 'raw-vdb';
export type ObservedMethod = 'qemu-img' | 'savevm' | 'transaction' | 'migrate' | 'migrate+transaction' | 'manual';

export interface MatrixCase {
  id: string;
  group: 'matrix' | 'mix' | 'flags';
  domainState: DomainStateWanted;
  variant: DomainVariant;
  /** `omit`: no `<memory>` element. */
  memory: Exclude<RequestMode, 'manual'>;
  /** `omit` for a disk: it is not named; both `omit`: no `<disks>` element. */
  disks: { vda: RequestMode; vdb: RequestMode };
  diskOnly: boolean;
  /** virsh options besides --disk-only, e.g. `--live`. */
  flags: string[];
  /** `@SNAP@`: a generated unique name; null: no `<name>`, libvirt names it. */
  name: string | null;
  /** Whether external memory / external disks get an explicit file. */
  explicitFiles: { memory: boolean; disks: boolean };
  setup: {
    existingSnapshot?: string;
    existingOverlay?: 'vda' | 'vdb';
    /** An external memory snapshot (disks untouched) taken just before. */
    previousMemorySnapshot?: boolean;
  };
  /** The XML submitted (paths as @IMG@/…, domain as @DOM@). */
  xml: string;
  accepted: boolean;
  /** libvirt's message(s) without the `error: ` prefix, one per line. */
  error: string | null;
  result: MatrixResult | null;
  /** Files a refused request still left in the image dir. */
  leftBehind?: string[];
  seconds: number;
}

export interface MatrixResult {
  name: string;
  /** null with --no-metadata: libvirt kept no snapshot XML. */
  memory: { mode: string | null; file: string | null } | null;
  disks: Record<string, { mode: string | null; file: string | null; driver: string | null }> | null;
  state: string | null;
  /** `domstate --reason` right after the create. */
  domainStateAfter: string;
  files: string[];
  fileSizes: Record<string, number>;
  activeSources: Record<string, string | null>;
  /** New qcow2 tags per disk, with their VM state size (non-zero: the memory went there). */
  internalTags: Record<string, { vmStateSize: number }[]>;
  method: ObservedMethod | null;
}

export const MATRIX_FIXTURE = join(REPO_ROOT, 'fixtures', 'creation-matrix-libvirt-9.0.json');

export function loadMatrix(path = MATRIX_FIXTURE): MatrixCase[] {
  const cases = JSON.parse(readFileSync(path, 'utf8')) as MatrixCase[];
  return cases.filter((c) => typeof c.accepted === 'boolean');
}
