// A `<domainsnapshot>` document (what `virsh snapshot-create DOMAIN FILE` takes) read into a
// CreateRequest, so that a file goes through the same planning as options do.
//
// Malformed XML fails with XmlSyntaxError (line and column); well-formed XML that libvirt
// would refuse fails with InvalidSnapshotXmlError or FromXmlError.

import { readSnapshot } from '../xml/snapshot-xml.js';
import type { CreateRequest, DiskRequest } from './types.js';

/** The document is a valid snapshot description but not one that can be created. */
export class FromXmlError extends Error {
  override readonly name = 'FromXmlError';
}

export function createRequestFromXml(xml: string): CreateRequest {
  const detail = readSnapshot(xml);
  const request: CreateRequest = { disks: [], flags: {} };
  if (detail.name !== '') request.name = detail.name;
  if (detail.description !== null) request.description = detail.description;
  const { mode, file } = detail.memory;
  if (mode === 'manual') throw new FromXmlError("memory snapshot mode 'manual' cannot be created with QEMU");
  if (mode !== null) request.memory = file === null ? { mode } : { mode, file };
  const seen = new Set<string>();
  for (const disk of detail.disks) {
    if (seen.has(disk.name)) throw new FromXmlError(`disk '${disk.name}' is listed twice in <disks>`);
    seen.add(disk.name);
    const diskRequest: DiskRequest = { target: disk.name };
    if (disk.mode !== null) diskRequest.mode = disk.mode;
    if (disk.file !== null) diskRequest.file = disk.file;
    if (disk.driverType !== null) diskRequest.driverType = disk.driverType;
    if (disk.sourceType !== null) diskRequest.sourceType = disk.sourceType;
    request.disks.push(diskRequest);
  }
  return request;
}
