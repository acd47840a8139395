// Text laid out into lines of a given width before it is drawn, so that a dialog knows how many
// rows its parts take and can keep its buttons in view while the rest scrolls.

/** One line of text broken at spaces into lines of at most `width` characters; continuations are indented. */
export function wrapLine(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) out.push(...wrapParagraph(paragraph, width));
  return out;
}

function wrapParagraph(text: string, width: number): string[] {
  let rest = [...text];
  if (width <= 0 || rest.length <= width) return [text];
  const indent = text.length - text.trimStart().length;
  const continuation = ' '.repeat(Math.min(indent + 2, Math.floor(width / 2)));
  const out: string[] = [];
  let prefix = '';
  while (prefix.length + rest.length > width) {
    const room = width - prefix.length;
    // the last space that ends a word within the room (not one of the leading spaces)
    let cut = -1;
    for (let i = room; i > 0; i--) {
      if (rest[i] === ' ' && rest.slice(0, i).some((c) => c !== ' ')) {
        cut = i;
        break;
      }
    }
    if (cut <= 0) cut = room;
    out.push(prefix + rest.slice(0, cut).join('').trimEnd());
    rest = rest.slice(cut);
    while (rest[0] === ' ') rest = rest.slice(1);
    prefix = continuation;
  }
  if (rest.length > 0) out.push(prefix + rest.join(''));
  return out;
}

export interface Line {
  text: string;
  color?: string | undefined;
  bold?: boolean;
  inverse?: boolean;
}

/** Lines wrapped to `width`, each keeping its colour. */
export function wrapAll(lines: readonly Line[], width: number): Line[] {
  return lines.flatMap((line) => wrapLine(line.text, width).map((text) => ({ ...line, text })));
}
