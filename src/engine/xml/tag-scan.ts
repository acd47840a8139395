// Reads the exact spelling of start and end tags from the source. fast-xml-parser gives
// names and values but forgets quote characters, spacing and `<a/>` versus `<a></a>`;
// those are what a byte-exact rewrite needs.

import { syntaxErrorAt } from './syntax-error.js';

export interface ScannedAttribute {
  name: string;
  raw: string;
  quote: "'" | '"';
  before: string;
  equals: string;
}

export interface ScannedStartTag {
  name: string;
  attributes: ScannedAttribute[];
  tail: string;
  selfClosing: boolean;
}

const WHITESPACE = /[ \t\n\r]/;

function readWhile(source: string, from: number, test: (ch: string) => boolean): number {
  let i = from;
  while (i < source.length && test(source.charAt(i))) i += 1;
  return i;
}

const isSpace = (ch: string): boolean => WHITESPACE.test(ch);

/** Scan the start tag whose `<` is at `start`. The document already passed XMLValidator. */
export function scanStartTag(source: string, start: number): ScannedStartTag {
  let i = readWhile(source, start + 1, (ch) => !isSpace(ch) && ch !== '/' && ch !== '>');
  const name = source.slice(start + 1, i);
  const attributes: ScannedAttribute[] = [];
  for (;;) {
    const spaceEnd = readWhile(source, i, isSpace);
    const space = source.slice(i, spaceEnd);
    i = spaceEnd;
    const ch = source.charAt(i);
    if (ch === '>' || ch === '/' || ch === '') {
      return { name, attributes, tail: space, selfClosing: ch === '/' };
    }
    const nameEnd = readWhile(source, i, (c) => !isSpace(c) && c !== '=');
    const attributeName = source.slice(i, nameEnd);
    const equalsEnd = readWhile(source, readWhile(source, nameEnd, isSpace) + 1, isSpace);
    const quote = source.charAt(equalsEnd);
    if (quote !== "'" && quote !== '"') {
      throw syntaxErrorAt(source, equalsEnd, `attribute '${attributeName}' has no quoted value`);
    }
    const valueEnd = source.indexOf(quote, equalsEnd + 1);
    if (valueEnd === -1) {
      throw syntaxErrorAt(source, equalsEnd, `attribute '${attributeName}' is not closed`);
    }
    const raw = source.slice(equalsEnd + 1, valueEnd);
    const lt = raw.indexOf('<');
    if (lt !== -1) {
      const where = equalsEnd + 1 + lt;
      throw syntaxErrorAt(source, where, `'<' is not allowed in the value of attribute '${attributeName}'`);
    }
    attributes.push({
      name: attributeName,
      raw,
      quote,
      before: space,
      equals: source.slice(nameEnd, equalsEnd),
    });
    i = valueEnd + 1;
  }
}

/** Whitespace between the name and `>` of the end tag that finishes just before `end`. */
export function scanEndTagTail(source: string, end: number): string {
  const close = end - 1; // the `>`
  if (source.charAt(close) !== '>') return '';
  let i = close;
  while (i > 0 && isSpace(source.charAt(i - 1))) i -= 1;
  return source.slice(i, close);
}

/** Target and data of a processing instruction's exact source text `<?target data?>`. */
export function scanProcessingInstruction(raw: string): { target: string; data: string } {
  const match = /^<\?([^\s?]+)\s*([\s\S]*?)\?>$/.exec(raw);
  return { target: match?.[1] ?? '', data: match?.[2] ?? '' };
}
