/** The input is not well-formed XML (as opposed to well-formed but not what libvirt expects). */
export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';

  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    /** 1-based; null when the position is unknown. */
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    super(`Malformed XML${describePosition(line, column)}: ${reason}`);
  }
}

function describePosition(line: number | null, column: number | null): string {
  if (line === null) return '';
  return column === null ? ` at line ${line}` : ` at line ${line}, column ${column}`;
}

/** 1-based line and column of a string index. */
export function positionOf(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

export function syntaxErrorAt(text: string, index: number, reason: string): XmlSyntaxError {
  const { line, column } = positionOf(text, index);
  return new XmlSyntaxError(reason, line, column);
}
