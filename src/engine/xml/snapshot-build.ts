// A new <domainsnapshot> for `virsh snapshot-create`, written the way libvirt writes one
// and refused up front when libvirt (or its schema) would refuse it.

import type { DiskSnapshotMode, MemoryMode } from '../model.js';
import { element, newDocument, serializeXml, textNode, type XmlElement } from './document.js';
import { InvalidSnapshotXmlError } from './snapshot-error.js';
import { OVERLAY_FORMATS, SOURCE_PATH_ATTRIBUTE } from './snapshot-format.js';

export interface SnapshotMemorySpec {
  mode: MemoryMode;
  /** Required for (and only allowed with) `external`. */
  file?: string;
}

export interface SnapshotDiskInput {
  /** Target (`vda`) or source path of a domain disk. */
  name: string;
  /** Omitted: `external` when a file or driver type is given, otherwise the domain's default. */
  mode?: DiskSnapshotMode;
  /** The overlay image an external snapshot writes to. */
  file?: string;
  /** Overlay format, e.g. `qcow2`. */
  driverType?: string;
  /** `file` (default) or `block`. */
  sourceType?: string;
}

export interface SnapshotSpec {
  name?: string;
  description?: string;
  memory?: SnapshotMemorySpec;
  disks?: SnapshotDiskInput[];
}

// libvirt's schema accepts absolute POSIX paths (and Windows drive paths, not used here).
function checkAbsolute(path: string, what: string): void {
  if (!path.startsWith('/') || path.length < 2) {
    throw new InvalidSnapshotXmlError(`${what} '${path}' must be an absolute path`);
  }
}

function memoryElement(memory: SnapshotMemorySpec): XmlElement {
  const { mode, file } = memory;
  if (mode === 'manual') throw new InvalidSnapshotXmlError("libvirt does not support 'manual' memory snapshots");
  if (mode === 'external') {
    if (file === undefined) throw new InvalidSnapshotXmlError('an external memory snapshot needs a file');
    checkAbsolute(file, 'memory snapshot file');
    return element('memory', { snapshot: mode, file });
  }
  if (file !== undefined) {
    throw new InvalidSnapshotXmlError(`memory file '${file}' requires snapshot mode 'external', not '${mode}'`);
  }
  return element('memory', { snapshot: mode });
}

function diskElement(disk: SnapshotDiskInput): XmlElement {
  const { name, file, driverType } = disk;
  if (name === '') throw new InvalidSnapshotXmlError('a snapshot disk needs a name');
  const namesImage = file !== undefined || driverType !== undefined;
  const mode = disk.mode ?? (namesImage ? 'external' : undefined);
  if (mode === undefined) return element('disk', { name });
  if (mode !== 'external') {
    if (namesImage) {
      throw new InvalidSnapshotXmlError(`disk '${name}': a file or driver type requires snapshot mode 'external'`);
    }
    return element('disk', { name, snapshot: mode });
  }
  const sourceType = disk.sourceType ?? 'file';
  const pathAttribute = sourceType === 'file' || sourceType === 'block' ? SOURCE_PATH_ATTRIBUTE[sourceType] : undefined;
  if (pathAttribute === undefined) {
    throw new InvalidSnapshotXmlError(
      `disk '${name}': source type '${sourceType}' is not supported (use file or block)`,
    );
  }
  if (sourceType === 'block' && file === undefined) {
    throw new InvalidSnapshotXmlError(`disk '${name}': a block snapshot needs the device path`);
  }
  if (driverType !== undefined && !OVERLAY_FORMATS.includes(driverType)) {
    throw new InvalidSnapshotXmlError(
      `disk '${name}': '${driverType}' cannot hold an overlay (use one of ${OVERLAY_FORMATS.join(', ')})`,
    );
  }
  if (!namesImage) return element('disk', { name, snapshot: mode });
  // libvirt's writer: attributes name, snapshot, type; children driver, then source.
  const children: XmlElement[] = [];
  if (driverType !== undefined) children.push(element('driver', { type: driverType }));
  if (file !== undefined) {
    checkAbsolute(file, `disk '${name}' overlay file`);
    children.push(element('source', { [pathAttribute]: file }));
  }
  return element('disk', { name, snapshot: mode, type: sourceType }, children);
}

function checkUniqueDisks(disks: SnapshotDiskInput[]): void {
  const seen = new Set<string>();
  for (const { name } of disks) {
    if (seen.has(name)) throw new InvalidSnapshotXmlError(`disk '${name}' is specified twice`);
    seen.add(name);
  }
}

/** The XML for a new snapshot: name, description, memory, disks, in libvirt's order and style. */
export function buildSnapshotXml(spec: SnapshotSpec): string {
  const root = element('domainsnapshot');
  if (spec.name !== undefined) {
    if (spec.name === '') throw new InvalidSnapshotXmlError('a snapshot name cannot be empty');
    root.children.push(element('name', {}, [textNode(spec.name)]));
  }
  if (spec.description !== undefined && spec.description !== '') {
    root.children.push(element('description', {}, [textNode(spec.description)]));
  }
  if (spec.memory) root.children.push(memoryElement(spec.memory));
  if (spec.disks && spec.disks.length > 0) {
    checkUniqueDisks(spec.disks);
    root.children.push(element('disks', {}, spec.disks.map(diskElement)));
  }
  return serializeXml(newDocument(root));
}
