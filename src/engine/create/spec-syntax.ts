// virsh's `--memspec` and `--diskspec` syntax (snapshot-create-as), read the way virsh reads
// it (virshParseSnapshotMemspec/Diskspec over vshStringToArray) so that a line copied from a
// virsh command means the same here:
//
//   memspec:  [file=]PATH[,snapshot=TYPE]            (a bare value must start with '/')
//   diskspec: DISK[,snapshot=TYPE][,driver=TYPE][,stype=TYPE][,file=PATH]
//
// A literal comma inside a value is written `,,` (escapeSpecValue in virsh/commands.ts writes
// it; plan-commands.ts writes whole specs). Each key may appear once.

import type { DiskSnapshotMode } from '../model.js';
import type { DiskRequest, MemoryRequest, MemoryRequestMode } from './types.js';

/** The spec does not follow virsh's syntax; the message says which part and why. */
export class SpecSyntaxError extends Error {
  override readonly name = 'SpecSyntaxError';
  constructor(
    readonly option: '--memspec' | '--diskspec',
    readonly spec: string,
    readonly reason: string,
  ) {
    super(`unable to parse ${option.slice(2)} '${spec}': ${reason}`);
  }
}

const MEMORY_MODES: readonly MemoryRequestMode[] = ['no', 'internal', 'external'];
const DISK_MODES: readonly DiskSnapshotMode[] = ['no', 'internal', 'external', 'manual'];
const SOURCE_TYPES = ['file', 'block'];

/**
 * vshStringToArray: split on every comma, then glue back the pieces an escaped `,,` produced
 * (an empty piece joins its neighbours with one comma). A single trailing comma leaves an
 * empty last field, as in virsh.
 */
export function splitSpec(spec: string): string[] {
  const pieces = spec.split(',');
  const fields = [pieces[0]!];
  let joinNext = false;
  for (const piece of pieces.slice(1)) {
    if (joinNext) {
      fields[fields.length - 1] += `,${piece}`;
      joinNext = false;
    } else if (piece === '') {
      joinNext = true;
    } else {
      fields.push(piece);
    }
  }
  if (joinNext) fields.push('');
  return fields;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], fail: (reason: string) => never, what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const shown = value === '' ? 'an empty value' : `'${value}'`;
  return fail(`${what} is ${shown}; expected one of ${allowed.join(', ')}`);
}

export function parseMemspec(spec: string): MemoryRequest {
  const fail = (reason: string): never => {
    throw new SpecSyntaxError('--memspec', spec, reason);
  };
  if (spec === '') fail('it is empty; expected [file=]PATH[,snapshot=TYPE]');
  let mode: string | undefined;
  let file: string | undefined;
  for (const field of splitSpec(spec)) {
    if (mode === undefined && field.startsWith('snapshot=')) mode = field.slice('snapshot='.length);
    else if (file === undefined && field.startsWith('file=')) file = field.slice('file='.length);
    else if (file === undefined && field.startsWith('/')) file = field;
    else if (field.startsWith('snapshot=') || field.startsWith('file=') || field.startsWith('/')) {
      fail(`'${field}' repeats a setting given before`);
    } else {
      fail(`'${field}' is not file=PATH, an absolute path or snapshot=TYPE (a literal comma is written ',,')`);
    }
  }
  if (file === '') fail('file= needs a path');
  // As in libvirt: a memory file without a mode means an external memory snapshot.
  const resolved = mode === undefined ? 'external' : oneOf(mode, MEMORY_MODES, fail, 'snapshot=');
  return file === undefined ? { mode: resolved } : { mode: resolved, file };
}

type DiskKey = 'snapshot' | 'driver' | 'stype' | 'file';
const DISK_KEYS: readonly DiskKey[] = ['snapshot', 'driver', 'stype', 'file'];

export function parseDiskspec(spec: string): DiskRequest {
  const fail = (reason: string): never => {
    throw new SpecSyntaxError('--diskspec', spec, reason);
  };
  const [target, ...settings] = splitSpec(spec);
  if (!target) fail('it does not start with a disk name (e.g. vda)');
  const seen = new Map<DiskKey, string>();
  for (const field of settings) {
    const key = DISK_KEYS.find((k) => field.startsWith(`${k}=`));
    if (!key) fail(`'${field}' is not snapshot=, driver=, stype= or file= (a literal comma is written ',,')`);
    if (seen.has(key!)) fail(`${key}= is given twice`);
    seen.set(key!, field.slice(key!.length + 1));
  }
  const request: DiskRequest = { target: target! };
  const mode = seen.get('snapshot');
  if (mode !== undefined) request.mode = oneOf(mode, DISK_MODES, fail, 'snapshot=');
  const driver = seen.get('driver');
  if (driver !== undefined) {
    if (driver === '') fail('driver= needs an image format (e.g. qcow2)');
    request.driverType = driver;
  }
  const stype = seen.get('stype');
  if (stype !== undefined) request.sourceType = oneOf(stype, SOURCE_TYPES, fail, 'stype= (storage type)');
  const file = seen.get('file');
  if (file !== undefined) {
    if (file === '') fail('file= needs a path');
    request.file = file;
  }
  return request;
}
