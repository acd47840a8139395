// Text → lossless tree. fast-xml-parser (preserveOrder) supplies the structure; the
// source positions it records let us read back each tag's exact spelling.

import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import { decodeAttribute, decodeText } from './entities.js';
import type { XmlAttribute, XmlDoc, XmlElement, XmlNode, XmlProcessingInstruction } from './node.js';
import { XmlSyntaxError, syntaxErrorAt } from './syntax-error.js';
import { scanEndTagTail, scanProcessingInstruction, scanStartTag, type ScannedStartTag } from './tag-scan.js';
import { checkCharacters, checkOutsideRoot, checkReferences } from './well-formedness.js';

const TEXT = '#text';
const COMMENT = '#comment';
const CDATA = '#cdata';
const ATTRIBUTES = ':@';
const ATTRIBUTE_PREFIX = '@_';

const PARSER_OPTIONS: X2jOptions = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  allowBooleanAttributes: false,
  // Keep every character: whitespace-only text, untrimmed values, no number parsing.
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // References are decoded once, by entities.ts, so `&amp;lt;` stays `&lt;`.
  processEntities: false,
  htmlEntities: false,
  commentPropName: COMMENT,
  cdataPropName: CDATA,
  ignoreDeclaration: false,
  ignorePiTags: false,
  removeNSPrefix: false,
  captureMetaData: true,
  // Entries are only read through Object.keys, so names like `toString` are safe as they are.
  onDangerousProperty: (name: string) => name,
  // Backing chains nest one level per layer and can be hundreds of layers long; the
  // tree is processed recursively, so the depth stays well inside the call stack.
  maxNestedTags: 1000,
};

const parser = new XMLParser(PARSER_OPTIONS);
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

interface Entry {
  [key: string]: unknown;
  [META]?: { startIndex?: number; endIndex?: number };
}

interface Span {
  start: number;
  end: number;
}

function tagKey(entry: Entry): string {
  const key = Object.keys(entry).find((k) => k !== ATTRIBUTES);
  if (key === undefined) throw new Error('fast-xml-parser produced an entry without a name');
  return key;
}

function spanOf(entry: Entry, what: string): Span {
  const meta = entry[META];
  if (meta?.startIndex === undefined || meta.endIndex === undefined) {
    throw new Error(`fast-xml-parser recorded no source position for ${what}`);
  }
  return { start: meta.startIndex, end: meta.endIndex };
}

function innerText(value: unknown): string {
  const first = Array.isArray(value) ? (value[0] as Entry | undefined) : undefined;
  const text = first?.[TEXT];
  return typeof text === 'string' ? text : '';
}

function toProcessingInstruction(raw: string): XmlProcessingInstruction {
  return { type: 'pi', ...scanProcessingInstruction(raw), raw };
}

function toAttributes(scanned: ScannedStartTag, name: string, fromParser: unknown): XmlAttribute[] {
  const parsedNames = Object.keys((fromParser ?? {}) as Record<string, unknown>).map((k) =>
    k.slice(ATTRIBUTE_PREFIX.length),
  );
  const scannedNames = scanned.attributes.map((a) => a.name);
  if (scanned.name !== name || parsedNames.join('\0') !== scannedNames.join('\0')) {
    throw new Error(`source position of <${name}> does not match the parsed tree`);
  }
  return scanned.attributes.map((a) => ({
    name: a.name,
    value: decodeAttribute(a.raw),
    raw: a.raw,
    quote: a.quote,
    before: a.before,
    equals: a.equals,
  }));
}

function toElement(source: string, entry: Entry, name: string): XmlElement {
  const span = spanOf(entry, `<${name}>`);
  const scanned = scanStartTag(source, span.start);
  const attributes = toAttributes(scanned, name, entry[ATTRIBUTES]);
  const children = toNodes(source, entry[name] as Entry[]);
  return {
    type: 'element',
    name,
    attributes,
    children,
    layout: {
      startTagTail: scanned.tail,
      // `<a></a>` is kept; an element that loses all its children is written `<a/>`.
      selfClosing: scanned.selfClosing || children.length > 0,
      endTagTail: scanned.selfClosing ? '' : scanEndTagTail(source, span.end),
      inlineChildren: children.length > 0 && !children.some((c) => c.type === 'text' || c.type === 'cdata'),
    },
  };
}

function toNodes(source: string, entries: Entry[]): XmlNode[] {
  return entries.map((entry): XmlNode => {
    const key = tagKey(entry);
    const value = entry[key];
    if (key === TEXT) {
      const raw = String(value);
      return { type: 'text', value: decodeText(raw), raw };
    }
    if (key === COMMENT) return { type: 'comment', value: innerText(value) };
    if (key === CDATA) return { type: 'cdata', value: innerText(value) };
    if (key.startsWith('?')) {
      const span = spanOf(entry, `<${key}?>`);
      return toProcessingInstruction(source.slice(span.start, span.end));
    }
    return toElement(source, entry, key);
  });
}

function isElementEntry(entry: Entry): boolean {
  const key = tagKey(entry);
  return !key.startsWith('#') && !key.startsWith('?');
}

function validateSyntax(source: string): void {
  const verdict = XMLValidator.validate(source, { allowBooleanAttributes: false });
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw new XmlSyntaxError(msg, line ?? null, col ?? null);
  }
  checkCharacters(source);
  checkReferences(source);
}

function runParser(source: string): Entry[] {
  try {
    return parser.parse(source) as Entry[];
  } catch (error) {
    throw new XmlSyntaxError(error instanceof Error ? error.message : String(error));
  }
}

function usesCrlf(text: string): boolean {
  return text.includes('\r\n') && !/(^|[^\r])\n/.test(text);
}

/** Parse a whole document. Throws XmlSyntaxError when it is not well-formed. */
export function parseXml(text: string): XmlDoc {
  // XML end-of-line handling; the tree always holds `\n`.
  const source = text.replace(/\r\n?/g, '\n');
  validateSyntax(source);
  const topLevel = runParser(source).filter(isElementEntry);
  const [rootEntry, secondRoot] = topLevel;
  if (!rootEntry) throw new XmlSyntaxError('the document has no root element');
  if (secondRoot) {
    throw syntaxErrorAt(source, secondRoot[META]?.startIndex ?? 0, 'the document has more than one root element');
  }
  const span = spanOf(rootEntry, 'the root element');
  checkOutsideRoot(source, 0, span.start, 'before');
  checkOutsideRoot(source, span.end, source.length, 'after');
  return {
    prolog: source.slice(0, span.start),
    root: toElement(source, rootEntry, tagKey(rootEntry)),
    epilog: source.slice(span.end),
    lineEnding: usesCrlf(text) ? '\r\n' : '\n',
  };
}
