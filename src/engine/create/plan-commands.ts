// The request as one `virsh snapshot-create-as` command a user could paste: the memory and
// disks in virsh's --memspec / --diskspec syntax, everything else as flags.

import { escapeSpecValue, virshCommands } from '../virsh/commands.js';
import type { CreateRequest, DiskRequest, MemoryRequest } from './types.js';

/** `[file=PATH,]snapshot=MODE`, commas in the path doubled. */
export function memspec(memory: MemoryRequest): string {
  const parts: string[] = [];
  if (memory.file !== undefined) parts.push(`file=${escapeSpecValue(memory.file)}`);
  parts.push(`snapshot=${memory.mode}`);
  return parts.join(',');
}

/** `DISK[,snapshot=MODE][,driver=TYPE][,stype=TYPE][,file=PATH]`, commas doubled. */
export function diskspec(disk: DiskRequest): string {
  const parts = [escapeSpecValue(disk.target)];
  if (disk.mode !== undefined) parts.push(`snapshot=${disk.mode}`);
  if (disk.driverType !== undefined) parts.push(`driver=${escapeSpecValue(disk.driverType)}`);
  if (disk.sourceType !== undefined) parts.push(`stype=${escapeSpecValue(disk.sourceType)}`);
  if (disk.file !== undefined) parts.push(`file=${escapeSpecValue(disk.file)}`);
  return parts.join(',');
}

/**
 * The argv (after `virsh`) that submits the request. The name is always given, so that the
 * snapshot and its default overlay paths are the ones planned.
 */
export function createCommand(domain: string, request: CreateRequest, name: string): string[] {
  const { flags } = request;
  const command = virshCommands.createSnapshotAs(domain, {
    name,
    description: request.description === '' ? undefined : request.description,
    noMetadata: flags.noMetadata,
    halt: flags.halt,
    diskOnly: flags.diskOnly,
    reuseExternal: flags.reuseExternal,
    quiesce: flags.quiesce,
    atomic: flags.atomic,
    live: flags.live,
    memspec: request.memory ? memspec(request.memory) : undefined,
    diskspecs: request.disks.length > 0 ? request.disks.map(diskspec) : undefined,
  });
  return [...command.args];
}
