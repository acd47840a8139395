// The lossless XML document layer: parse, edit, write back. Everything the rest of
// virtsnap needs for XML is exported from here.

export type {
  ElementLayout,
  XmlAttribute,
  XmlCData,
  XmlComment,
  XmlDoc,
  XmlElement,
  XmlNode,
  XmlProcessingInstruction,
  XmlText,
} from './node.js';
export { XmlSyntaxError } from './syntax-error.js';
export { parseXml } from './parse.js';
export { serializeXml, writeNode } from './serialize.js';
export {
  appendChild,
  attr,
  child,
  childPath,
  childText,
  children,
  element,
  ensureChild,
  insertAfter,
  insertBefore,
  insertInOrder,
  isElement,
  newDocument,
  plainNode,
  plainTree,
  removeAttr,
  removeChild,
  setAttr,
  setText,
  textNode,
  textOf,
  type PlainNode,
} from './tree.js';
