// Tree → text. Parsed parts are written as the source spelled them; parts created or
// changed in code are written the way libvirt writes XML (2-space indent, single quotes).

import { decodeAttribute, decodeText, escapeAttribute, escapeText } from './entities.js';
import { scanProcessingInstruction } from './tag-scan.js';
import type { XmlAttribute, XmlDoc, XmlElement, XmlNode, XmlProcessingInstruction, XmlText } from './node.js';

const INDENT = '  ';

function writeAttribute(attribute: XmlAttribute): string {
  const quote = attribute.quote ?? "'";
  const { raw } = attribute;
  const value =
    raw !== undefined && !raw.includes(quote) && decodeAttribute(raw) === attribute.value
      ? raw
      : escapeAttribute(attribute.value);
  return `${attribute.before ?? ' '}${attribute.name}${attribute.equals ?? '='}${quote}${value}${quote}`;
}

function writeText(node: XmlText): string {
  return node.raw !== undefined && decodeText(node.raw) === node.value ? node.raw : escapeText(node.value);
}

function writeProcessingInstruction(node: XmlProcessingInstruction): string {
  const fresh = `<?${node.target}${node.data ? ` ${node.data}` : ''}?>`;
  if (node.raw === undefined) return fresh;
  const source = scanProcessingInstruction(node.raw);
  return source.target === node.target && source.data === node.data ? node.raw : fresh;
}

function writeComment(value: string): string {
  if (value.includes('--') || value.endsWith('-')) {
    throw new Error('an XML comment cannot contain "--" or end with "-"');
  }
  return `<!--${value}-->`;
}

/** Children without any text between them are laid out one per line, unless the source had them inline. */
function indentsChildren(element: XmlElement): boolean {
  return (
    element.children.length > 0 &&
    !element.layout?.inlineChildren &&
    !element.children.some((child) => child.type === 'text' || child.type === 'cdata')
  );
}

/** Indentation of the line a child starts on, read from the whitespace written before it. */
function indentAfter(previous: XmlNode | undefined, fallback: string): string {
  if (previous?.type !== 'text') return fallback;
  const newline = previous.value.lastIndexOf('\n');
  if (newline === -1) return fallback;
  const rest = previous.value.slice(newline + 1);
  return /^[ \t]*$/.test(rest) ? rest : fallback;
}

function writeChildren(element: XmlElement, indent: string): string {
  const inner = indent + INDENT;
  if (indentsChildren(element)) {
    return element.children.map((child) => `\n${inner}${writeNode(child, inner)}`).join('') + `\n${indent}`;
  }
  return element.children
    .map((child, i) => writeNode(child, indentAfter(element.children[i - 1], inner)))
    .join('');
}

function writeElement(element: XmlElement, indent: string): string {
  const { name, layout } = element;
  const startTag = `<${name}${element.attributes.map(writeAttribute).join('')}${layout?.startTagTail ?? ''}`;
  const endTag = `</${name}${layout?.endTagTail ?? ''}>`;
  if (element.children.length === 0) {
    return (layout?.selfClosing ?? true) ? `${startTag}/>` : `${startTag}>${endTag}`;
  }
  return `${startTag}>${writeChildren(element, indent)}${endTag}`;
}

/** Write one node; `indent` is the indentation of the line it starts on. */
export function writeNode(node: XmlNode, indent = ''): string {
  switch (node.type) {
    case 'element':
      return writeElement(node, indent);
    case 'text':
      return writeText(node);
    case 'comment':
      return writeComment(node.value);
    case 'cdata':
      return `<![CDATA[${node.value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
    case 'pi':
      return writeProcessingInstruction(node);
  }
}

export function serializeXml(doc: XmlDoc): string {
  const text = doc.prolog + writeElement(doc.root, '') + doc.epilog;
  return doc.lineEnding === '\r\n' ? text.replace(/\n/g, '\r\n') : text;
}
