// The domain XML a guided revert hands to libvirt: the definition a snapshot recorded (or the XML
// in its memory file), with each disk pointed at the image it must use from now on. Edited
// through the lossless XML layer, so everything else stays exactly as libvirt wrote it.

import {
  attr,
  child,
  children,
  newDocument,
  parseXml,
  removeAttr,
  removeChild,
  serializeXml,
  setAttr,
  type XmlElement,
} from '../xml/document.js';

/**
 * The definition to restore from a `<domainsnapshot>`: its `<inactiveDomain>` (the persistent
 * definition, recorded for running domains), else its `<domain>`. Null when it has neither.
 */
export function snapshotDefinition(snapshotXml: string): string | null {
  const root = parseXml(snapshotXml).root;
  const recorded = child(root, 'inactiveDomain') ?? child(root, 'domain');
  if (!recorded) return null;
  return serializeXml(newDocument({ ...recorded, name: 'domain' }));
}

const SOURCE_PATH: Record<string, string> = { file: 'file', block: 'dev' };

/**
 * Points each listed disk (by target) at a new image and drops every `<backingStore>` of every
 * disk. An empty `<backingStore/>` in a definition means "no backing file": kept, QEMU would open
 * the new overlay without its base and the guest would read zeros; a stale chain would be used
 * verbatim and skip layers. Without them libvirt probes each chain from the images themselves.
 * Also drops the runtime-only `id` of a live XML and the `index` of an edited source.
 */
export function pointDisksAt(domainXml: string, sources: ReadonlyMap<string, string>): string {
  const doc = parseXml(domainXml);
  const root = doc.root;
  if (root.name !== 'domain') throw new Error(`expected a <domain>, found <${root.name}>`);
  removeAttr(root, 'id');
  const devices = child(root, 'devices');
  const seen = new Set<string>();
  for (const disk of devices ? children(devices, 'disk') : []) {
    for (let store = child(disk, 'backingStore'); store; store = child(disk, 'backingStore')) removeChild(disk, store);
    const target = child(disk, 'target');
    const dev = target ? attr(target, 'dev') : null;
    const path = dev === null ? undefined : sources.get(dev);
    if (dev === null || path === undefined) continue;
    seen.add(dev);
    const pathAttribute = SOURCE_PATH[attr(disk, 'type') ?? 'file'];
    const source = child(disk, 'source');
    if (!pathAttribute || !source) throw new Error(`disk ${dev} is not a file or block device with a <source>`);
    setAttr(source, pathAttribute, path);
    removeAttr(source, 'index');
    removeAttributeSources(source, pathAttribute);
  }
  const missing = [...sources.keys()].filter((dev) => !seen.has(dev));
  if (missing.length > 0) throw new Error(`the domain XML has no disk ${missing.join(', ')}`);
  return serializeXml(doc);
}

/** A `<source>` names its image by one attribute; any other path attribute would contradict it. */
function removeAttributeSources(source: XmlElement, keep: string): void {
  for (const name of ['file', 'dev', 'volume', 'name']) if (name !== keep && attr(source, name) !== null) removeAttr(source, name);
}

/** The disk sources of a domain XML by target (only what the checks need). */
export function diskSources(domainXml: string): Map<string, string | null> {
  const root = parseXml(domainXml).root;
  const devices = child(root, 'devices');
  const out = new Map<string, string | null>();
  for (const disk of devices ? children(devices, 'disk') : []) {
    const target = child(disk, 'target');
    const dev = target ? attr(target, 'dev') : null;
    if (dev === null) continue;
    const source = child(disk, 'source');
    const key = SOURCE_PATH[attr(disk, 'type') ?? 'file'];
    out.set(dev, source && key ? attr(source, key) : null);
  }
  return out;
}

/** The guest's memory in bytes (`<currentMemory>`, else `<memory>`), null when the XML has neither. */
export function guestMemoryBytes(domainXml: string): number | null {
  const root = parseXml(domainXml).root;
  const el = child(root, 'currentMemory') ?? child(root, 'memory');
  if (!el) return null;
  const value = Number(el.children.map((c) => (c.type === 'text' ? c.value : '')).join('').trim());
  if (!Number.isFinite(value)) return null;
  const unit = (attr(el, 'unit') ?? 'KiB').toLowerCase();
  const factors: Record<string, number> = { b: 1, bytes: 1, k: 1024, kib: 1024, kb: 1000, m: 1024 ** 2, mib: 1024 ** 2, mb: 1e6, g: 1024 ** 3, gib: 1024 ** 3, gb: 1e9 };
  return value * (factors[unit] ?? 1024);
}
