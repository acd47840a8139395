// <domainsnapshot> → SnapshotDetail. Lenient where libvirt's parser is lenient (schema
// conformance is validate.ts's job), strict where libvirt's parser would fail.

import type {
  DiskSnapshotMode,
  MemoryMode,
  SnapshotDetail,
  SnapshotDiskSpec,
  SnapshotLocation,
} from '../model.js';
import { attr, child, children, childText, parseXml, type XmlDoc, type XmlElement } from './document.js';
import { InvalidDomainXmlError, readDomainDisks } from './domain-xml.js';
import { InvalidSnapshotXmlError } from './snapshot-error.js';
import { DISK_SNAPSHOT_MODES, MEMORY_MODES, SOURCE_PATH_ATTRIBUTE } from './snapshot-format.js';

/** libvirt's virXPathString treats an empty string as absent. */
function textValue(root: XmlElement, ...path: string[]): string | null {
  const text = childText(root, ...path);
  return text === '' ? null : text;
}

function modeAttribute<T extends string>(el: XmlElement, allowed: readonly T[], what: string): T | null {
  const value = attr(el, 'snapshot');
  if (value === null) return null;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidSnapshotXmlError(`unknown ${what} snapshot mode '${value}'`);
  }
  return value as T;
}

/** With a file but no mode, libvirt makes the memory snapshot external. */
function readMemory(memory: XmlElement | null): SnapshotDetail['memory'] {
  if (!memory) return { mode: null, file: null };
  const file = attr(memory, 'file');
  const mode = modeAttribute<MemoryMode>(memory, MEMORY_MODES, 'memory');
  return { mode: mode ?? (file !== null ? 'external' : null), file };
}

/**
 * libvirt's defaults (virDomainSnapshotDiskDefParseXML and its formatter): a disk that
 * names an image path or format is an external snapshot of type 'file' unless it says
 * otherwise.
 */
function readDisk(disk: XmlElement): SnapshotDiskSpec {
  const name = attr(disk, 'name');
  if (name === null) throw new InvalidSnapshotXmlError(`a <${disk.name}> in <disks> has no name attribute`);
  const mode = modeAttribute<DiskSnapshotMode>(disk, DISK_SNAPSHOT_MODES, `disk '${name}'`);
  const type = attr(disk, 'type');
  const source = child(disk, 'source');
  const pathAttribute = SOURCE_PATH_ATTRIBUTE[type ?? 'file'];
  const file = source && pathAttribute ? attr(source, pathAttribute) : null;
  const driver = child(disk, 'driver');
  const driverType = driver ? attr(driver, 'type') : null;
  const namesImage = file !== null || driverType !== null;
  return {
    name,
    mode: mode ?? (namesImage ? 'external' : null),
    file,
    sourceType: type ?? (namesImage ? 'file' : null),
    driverType,
  };
}

/**
 * As `virsh snapshot-info` decides it: with a <memory> element, external when memory or
 * any disk is; without one (snapshots made before libvirt 1.0.1), only disk-only ones are.
 */
function locationOf(
  hasMemoryElement: boolean,
  memory: SnapshotDetail['memory'],
  disks: SnapshotDiskSpec[],
  state: string | null,
): SnapshotLocation {
  if (!hasMemoryElement) return state === 'disk-snapshot' ? 'external' : 'internal';
  return memory.mode === 'external' || disks.some((d) => d.mode === 'external') ? 'external' : 'internal';
}

function readCreationTime(root: XmlElement): number | null {
  const text = textValue(root, 'creationTime');
  if (text === null) return null;
  if (!/^\s*-?\d+\s*$/.test(text)) throw new InvalidSnapshotXmlError(`creationTime '${text}' is not a number`);
  return Number(text);
}

function readActive(root: XmlElement): boolean | null {
  const text = textValue(root, 'active');
  if (text === null) return null;
  if (!/^\s*-?\d+\s*$/.test(text)) throw new InvalidSnapshotXmlError(`active '${text}' is not a number`);
  return Number(text) !== 0;
}

function readDomainPart(root: XmlElement): Pick<SnapshotDetail, 'domainDisks' | 'domainName' | 'domainUuid'> {
  const domain = child(root, 'domain');
  if (!domain) return { domainDisks: [], domainName: null, domainUuid: null };
  try {
    return {
      domainDisks: readDomainDisks(domain),
      domainName: textValue(domain, 'name'),
      domainUuid: textValue(domain, 'uuid'),
    };
  } catch (error) {
    if (error instanceof InvalidDomainXmlError) {
      throw new InvalidSnapshotXmlError(`in the embedded <domain>: ${error.message}`);
    }
    throw error;
  }
}

export function readSnapshotDoc(doc: XmlDoc): SnapshotDetail {
  const { root } = doc;
  if (root.name !== 'domainsnapshot') {
    throw new InvalidSnapshotXmlError(`the root element is <${root.name}>, expected <domainsnapshot>`);
  }
  const memoryElement = child(root, 'memory');
  const memory = readMemory(memoryElement);
  const disksElement = child(root, 'disks');
  const disks = disksElement ? children(disksElement).map(readDisk) : [];
  const state = textValue(root, 'state');
  return {
    // libvirt names a snapshot created without <name> after its creation time; until
    // then (user-written XML) the name is empty.
    name: textValue(root, 'name') ?? '',
    description: textValue(root, 'description'),
    state,
    parent: textValue(root, 'parent', 'name'),
    creationTime: readCreationTime(root),
    memory,
    disks,
    location: locationOf(memoryElement !== null, memory, disks, state),
    ...readDomainPart(root),
    active: readActive(root),
  };
}

/** Read `virsh snapshot-dumpxml` output (or any <domainsnapshot> document). */
export function readSnapshot(xml: string): SnapshotDetail {
  return readSnapshotDoc(parseXml(xml));
}
