// The persistent definition of a shut-off domain after an offline merge: each merged disk on its
// new top (source and driver format), without <backingStore>. Edited through the lossless XML
// layer, so everything else stays as libvirt wrote it. A stale <backingStore> would be used
// verbatim at the next start (skipping or re-adding merged layers), and an empty one means "no
// backing file" (docs/external-revert-delete-research.md, A.1): without one libvirt probes the
// chain from the images. Disks that were not merged keep theirs.

import { attr, child, children, parseXml, removeAttr, removeChild, serializeXml, setAttr } from '../xml/document.js';

export interface DiskTop {
  /** The image the disk opens from now on. */
  file: string;
  format: string;
}

export function offlineDefinition(inactiveXml: string, tops: ReadonlyMap<string, DiskTop>): string {
  const doc = parseXml(inactiveXml);
  if (doc.root.name !== 'domain') throw new Error(`expected a <domain>, found <${doc.root.name}>`);
  const devices = child(doc.root, 'devices');
  const seen = new Set<string>();
  for (const disk of devices ? children(devices, 'disk') : []) {
    const target = child(disk, 'target');
    const dev = target ? attr(target, 'dev') : null;
    const top = dev === null ? undefined : tops.get(dev);
    if (dev === null || top === undefined) continue;
    seen.add(dev);
    const source = child(disk, 'source');
    if ((attr(disk, 'type') ?? 'file') !== 'file' || !source) throw new Error(`disk ${dev} is not a file image with a <source>`);
    setAttr(source, 'file', top.file);
    removeAttr(source, 'index');
    const driver = child(disk, 'driver');
    if (driver) setAttr(driver, 'type', top.format);
    for (let store = child(disk, 'backingStore'); store; store = child(disk, 'backingStore')) removeChild(disk, store);
  }
  const missing = [...tops.keys()].filter((dev) => !seen.has(dev));
  if (missing.length > 0) throw new Error(`the domain XML has no disk ${missing.join(', ')}`);
  return serializeXml(doc);
}

/** For the define step's check: each listed disk's source, and whether it still has a <backingStore>. */
export function definedTops(inactiveXml: string): Map<string, { file: string | null; backingStore: boolean }> {
  const devices = child(parseXml(inactiveXml).root, 'devices');
  const out = new Map<string, { file: string | null; backingStore: boolean }>();
  for (const disk of devices ? children(devices, 'disk') : []) {
    const target = child(disk, 'target');
    const dev = target ? attr(target, 'dev') : null;
    if (dev === null) continue;
    const source = child(disk, 'source');
    out.set(dev, { file: source ? attr(source, 'file') : null, backingStore: child(disk, 'backingStore') !== null });
  }
  return out;
}
