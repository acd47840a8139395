// Disks and identity from a domain's XML (`virsh dumpxml`, live or inactive, or the
// `<domain>` embedded in a snapshot).

import type { ChainLayer, Disk } from '../model.js';
import { attr, child, children, childText, parseXml, type XmlElement } from './document.js';

/** Well-formed XML that is not a usable `<domain>`. */
export class InvalidDomainXmlError extends Error {
  override readonly name = 'InvalidDomainXmlError';

  constructor(reason: string) {
    super(`Invalid domain XML: ${reason}`);
  }
}

// A snapshot stores the inactive definition of a running domain as <inactiveDomain>.
const DOMAIN_ROOTS = new Set(['domain', 'inactiveDomain']);

function domainElement(domain: string | XmlElement): XmlElement {
  const root = typeof domain === 'string' ? parseXml(domain).root : domain;
  if (!DOMAIN_ROOTS.has(root.name)) {
    throw new InvalidDomainXmlError(`expected a <domain> element, found <${root.name}>`);
  }
  return root;
}

// The attributes `virsh domblklist` reads a source from; the first one present wins.
const SOURCE_ATTRIBUTES = new Set(['file', 'dev', 'dir', 'name', 'volume', 'path']);

function sourcePath(source: XmlElement | null): string | null {
  return source?.attributes.find((a) => SOURCE_ATTRIBUTES.has(a.name))?.value ?? null;
}

function indexAttribute(el: XmlElement | null): number | null {
  const value = el ? attr(el, 'index') : null;
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

function formatOf(el: XmlElement | null): string | null {
  return el ? attr(el, 'type') : null;
}

/** The disk's own image, then each `<backingStore>` down to the empty one that ends the chain. */
function readChain(disk: XmlElement): ChainLayer[] {
  const source = child(disk, 'source');
  const top = sourcePath(source);
  if (top === null) return [];
  const chain: ChainLayer[] = [
    { source: top, type: attr(disk, 'type'), format: formatOf(child(disk, 'driver')), index: indexAttribute(source) },
  ];
  for (let store = child(disk, 'backingStore'); store; store = child(store, 'backingStore')) {
    const storeSource = child(store, 'source');
    const path = sourcePath(storeSource);
    if (path === null) break;
    chain.push({
      source: path,
      type: attr(store, 'type'),
      format: formatOf(child(store, 'format')),
      index: indexAttribute(store) ?? indexAttribute(storeSource),
    });
  }
  return chain;
}

function readDisk(disk: XmlElement): Disk {
  const target = child(disk, 'target');
  const dev = target ? attr(target, 'dev') : null;
  if (dev === null) throw new InvalidDomainXmlError('a <disk> has no <target dev=…>');
  const chain = readChain(disk);
  return {
    target: dev,
    device: attr(disk, 'device') ?? 'disk',
    source: chain[0]?.source ?? null,
    type: attr(disk, 'type'),
    format: formatOf(child(disk, 'driver')),
    readonly: child(disk, 'readonly') !== null,
    chain,
  };
}

/** Every `<devices><disk>` in document order, like `virsh domblklist --details`. */
export function readDomainDisks(domain: string | XmlElement): Disk[] {
  const devices = child(domainElement(domain), 'devices');
  return devices ? children(devices, 'disk').map(readDisk) : [];
}

export function readDomainIdentity(domain: string | XmlElement): { name: string; uuid: string | null } {
  const root = domainElement(domain);
  const name = childText(root, 'name');
  if (name === null) throw new InvalidDomainXmlError('the domain has no <name>');
  return { name, uuid: childText(root, 'uuid') };
}
