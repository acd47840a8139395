// Well-formedness rules that fast-xml-parser's XMLValidator does not enforce but libxml2
// (and so libvirt) does. Checking them here means a document we accept is one libvirt
// can read, and one we write back stays readable.

import { REFERENCE, referenceProblem } from './entities.js';
import { syntaxErrorAt } from './syntax-error.js';

const ILLEGAL_CHARACTER = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

export function checkCharacters(source: string): void {
  const match = ILLEGAL_CHARACTER.exec(source);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw syntaxErrorAt(source, match.index, `character U+${code} is not allowed in XML`);
  }
}

/** Regions where `&` is not a reference: comments, CDATA, processing instructions, DOCTYPE. */
const OPAQUE = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE(?:[^[>]|\[[\s\S]*?\])*>/g;

const REFERENCE_AT = new RegExp(REFERENCE.source, 'y');

/** Every `&` in markup or content must start a predefined entity or a valid character reference. */
export function checkReferences(source: string): void {
  const opaque: Array<[number, number]> = [];
  for (const match of source.matchAll(OPAQUE)) {
    opaque.push([match.index, match.index + match[0].length]);
  }
  let region = 0;
  for (let i = source.indexOf('&'); i !== -1; i = source.indexOf('&', i + 1)) {
    while (region < opaque.length && (opaque[region]?.[1] ?? 0) <= i) region += 1;
    const current = opaque[region];
    if (current && current[0] <= i) continue;
    REFERENCE_AT.lastIndex = i;
    const match = REFERENCE_AT.exec(source);
    if (!match) {
      throw syntaxErrorAt(source, i, "'&' must start a reference such as '&amp;'");
    }
    const problem = referenceProblem(match[0]);
    if (problem) throw syntaxErrorAt(source, i, problem);
  }
}

/** Only comments, processing instructions, a DOCTYPE and whitespace may surround the root. */
export function checkOutsideRoot(source: string, from: number, to: number, where: string): void {
  const text = source.slice(from, to);
  const masked = text.replace(OPAQUE, (m) => ' '.repeat(m.length));
  const stray = /[^ \t\n\r\uFEFF]/.exec(masked);
  if (stray) {
    throw syntaxErrorAt(source, from + stray.index, `unexpected content ${where} the root element`);
  }
}
