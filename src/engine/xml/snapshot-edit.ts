// Edits to an existing <domainsnapshot> document (for `snapshot-create --redefine`),
// touching only the elements edited so everything else is written back as it was.

import type { SnapshotDetail } from '../model.js';
import {
  child,
  childPath,
  ensureChild,
  parseXml,
  removeChild,
  serializeXml,
  setText,
  textOf,
  type XmlDoc,
  type XmlElement,
} from './document.js';
import { InvalidSnapshotXmlError } from './snapshot-error.js';
import { SNAPSHOT_ELEMENT_ORDER } from './snapshot-format.js';
import { readSnapshotDoc } from './snapshot-read.js';

export class SnapshotXml {
  private constructor(readonly doc: XmlDoc) {}

  static parse(xml: string): SnapshotXml {
    return SnapshotXml.fromDoc(parseXml(xml));
  }

  static fromDoc(doc: XmlDoc): SnapshotXml {
    if (doc.root.name !== 'domainsnapshot') {
      throw new InvalidSnapshotXmlError(`the root element is <${doc.root.name}>, expected <domainsnapshot>`);
    }
    return new SnapshotXml(doc);
  }

  get root(): XmlElement {
    return this.doc.root;
  }

  name(): string | null {
    return this.text('name');
  }

  setName(name: string): void {
    if (name === '') throw new InvalidSnapshotXmlError('a snapshot name cannot be empty');
    setText(this.ensure('name'), name);
  }

  description(): string | null {
    return this.text('description');
  }

  /** null (or the empty string, which libvirt reads as no description) removes the element. */
  setDescription(description: string | null): void {
    if (description === null || description === '') this.remove('description');
    else setText(this.ensure('description'), description);
  }

  parent(): string | null {
    const name = childPath(this.root, 'parent', 'name');
    return name ? textOf(name) || null : null;
  }

  /** null makes the snapshot a root. */
  setParent(parent: string | null): void {
    if (parent === null || parent === '') {
      this.remove('parent');
      return;
    }
    setText(ensureChild(this.ensure('parent'), 'name'), parent);
  }

  detail(): SnapshotDetail {
    return readSnapshotDoc(this.doc);
  }

  toXml(): string {
    return serializeXml(this.doc);
  }

  private text(name: string): string | null {
    const el = child(this.root, name);
    return el ? textOf(el) || null : null;
  }

  private ensure(name: string): XmlElement {
    return ensureChild(this.root, name, SNAPSHOT_ELEMENT_ORDER);
  }

  private remove(name: string): void {
    for (let el = child(this.root, name); el; el = child(this.root, name)) removeChild(this.root, el);
  }
}
