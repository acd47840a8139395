/** A line of command output that does not have the shape its parser expects. */
export class ParseError extends Error {
  override readonly name = 'ParseError';

  constructor(
    message: string,
    /** The offending line (or, for JSON input, the offending value), verbatim. */
    readonly line: string,
    /** 1-based line number within the parsed text, when known. */
    readonly lineNumber: number | null = null,
  ) {
    super(`${message}${lineNumber === null ? '' : ` (line ${lineNumber})`}: ${JSON.stringify(line)}`);
  }
}
