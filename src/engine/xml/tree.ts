// Small helpers to read and edit the tree. Insertions copy the whitespace their siblings
// use, so an edited libvirt document keeps its indentation; removals take the whitespace
// in front of the removed element with them.

import type { XmlDoc, XmlElement, XmlNode, XmlText } from './node.js';

export function element(
  name: string,
  attributes: Readonly<Record<string, string>> = {},
  children: XmlNode[] = [],
): XmlElement {
  return {
    type: 'element',
    name,
    attributes: Object.entries(attributes).map(([attributeName, value]) => ({ name: attributeName, value })),
    children,
  };
}

export function textNode(value: string): XmlText {
  return { type: 'text', value };
}

/** A new document as libvirt writes one: no XML declaration, a trailing newline. */
export function newDocument(root: XmlElement): XmlDoc {
  return { prolog: '', root, epilog: '\n', lineEnding: '\n' };
}

export function isElement(node: XmlNode | undefined): node is XmlElement {
  return node?.type === 'element';
}

function isBlank(node: XmlNode | undefined): node is XmlText {
  return node?.type === 'text' && /^[ \t\n\r]*$/.test(node.value);
}

/** Element children, optionally only those with the given name. */
export function children(parent: XmlElement, name?: string): XmlElement[] {
  return parent.children.filter(
    (node): node is XmlElement => node.type === 'element' && (name === undefined || node.name === name),
  );
}

/** First element child with the given name, or null. */
export function child(parent: XmlElement, name: string): XmlElement | null {
  return children(parent, name)[0] ?? null;
}

/** Follow a path of first-matching children: `childPath(root, 'parent', 'name')`. */
export function childPath(parent: XmlElement, ...names: string[]): XmlElement | null {
  let current: XmlElement | null = parent;
  for (const name of names) {
    if (!current) return null;
    current = child(current, name);
  }
  return current;
}

export function attr(el: XmlElement, name: string): string | null {
  return el.attributes.find((a) => a.name === name)?.value ?? null;
}

/** Set an attribute, keeping its position (and quoting) when it already exists. */
export function setAttr(el: XmlElement, name: string, value: string): void {
  const existing = el.attributes.find((a) => a.name === name);
  if (existing) {
    existing.value = value;
    delete existing.raw;
  } else {
    el.attributes.push({ name, value });
  }
}

export function removeAttr(el: XmlElement, name: string): void {
  el.attributes = el.attributes.filter((a) => a.name !== name);
}

/** The element's string value (all descendant text), as XPath `string()` gives it. */
export function textOf(el: XmlElement): string {
  return el.children
    .map((node) => {
      if (node.type === 'text' || node.type === 'cdata') return node.value;
      return node.type === 'element' ? textOf(node) : '';
    })
    .join('');
}

/** Text of the first child with that name, or null when there is no such child. */
export function childText(parent: XmlElement, ...path: string[]): string | null {
  const target = childPath(parent, ...path);
  return target ? textOf(target) : null;
}

export function setText(el: XmlElement, value: string): void {
  el.children = value === '' ? [] : [textNode(value)];
}

function indexIn(parent: XmlElement, node: XmlNode): number {
  const index = parent.children.indexOf(node);
  if (index === -1) throw new Error(`<${parent.name}> does not contain the given node`);
  return index;
}

/** The whitespace text right before children[index], if it is indentation. */
function indentationBefore(parent: XmlElement, index: number): XmlText | null {
  const previous = parent.children[index - 1];
  return isBlank(previous) && previous.value.includes('\n') ? previous : null;
}

export function insertAfter(parent: XmlElement, reference: XmlNode, node: XmlNode): void {
  const index = indexIn(parent, reference);
  const indentation = indentationBefore(parent, index);
  parent.children.splice(index + 1, 0, ...(indentation ? [textNode(indentation.value), node] : [node]));
}

export function insertBefore(parent: XmlElement, reference: XmlNode, node: XmlNode): void {
  const index = indexIn(parent, reference);
  const indentation = indentationBefore(parent, index);
  parent.children.splice(index, 0, ...(indentation ? [node, textNode(indentation.value)] : [node]));
}

export function appendChild(parent: XmlElement, node: XmlNode): void {
  const last = [...parent.children].reverse().find((c) => c.type !== 'text');
  if (last) {
    insertAfter(parent, last, node);
  } else if (parent.children.every(isBlank)) {
    // No siblings to copy indentation from: let the serializer lay the children out.
    parent.children = [node];
  } else {
    parent.children.push(node);
  }
}

/** Insert an element where `order` (a list of element names) says it belongs. */
export function insertInOrder(parent: XmlElement, node: XmlElement, order: readonly string[]): void {
  const rank = order.indexOf(node.name);
  if (rank === -1) {
    appendChild(parent, node);
    return;
  }
  const ranked = children(parent).map((el) => ({ el, rank: order.indexOf(el.name) }));
  const before = ranked.filter((r) => r.rank !== -1 && r.rank <= rank).pop();
  if (before) {
    insertAfter(parent, before.el, node);
    return;
  }
  const after = ranked.find((r) => r.rank > rank);
  if (after) insertBefore(parent, after.el, node);
  else appendChild(parent, node);
}

/** The first child with that name, created (in `order`, if given) when missing. */
export function ensureChild(parent: XmlElement, name: string, order: readonly string[] = []): XmlElement {
  const existing = child(parent, name);
  if (existing) return existing;
  const created = element(name);
  insertInOrder(parent, created, order);
  return created;
}

export function removeChild(parent: XmlElement, node: XmlNode): void {
  const index = indexIn(parent, node);
  const withIndentation = isBlank(parent.children[index - 1]) ? 1 : 0;
  parent.children.splice(index - withIndentation, 1 + withIndentation);
  if (parent.children.every(isBlank)) parent.children = [];
}

export type PlainNode =
  | { element: string; attributes: Array<[string, string]>; children: PlainNode[] }
  | { text: string }
  | { comment: string }
  | { cdata: string }
  | { pi: string; data: string };

/** The tree without spelling details: what "the same document" means when comparing. */
export function plainNode(node: XmlNode): PlainNode {
  switch (node.type) {
    case 'element':
      return {
        element: node.name,
        attributes: node.attributes.map((a): [string, string] => [a.name, a.value]),
        children: node.children.map(plainNode),
      };
    case 'text':
      return { text: node.value };
    case 'comment':
      return { comment: node.value };
    case 'cdata':
      return { cdata: node.value };
    case 'pi':
      return { pi: node.target, data: node.data };
  }
}

export function plainTree(doc: XmlDoc): { prolog: string; root: PlainNode; epilog: string } {
  return { prolog: doc.prolog, root: plainNode(doc.root), epilog: doc.epilog };
}
