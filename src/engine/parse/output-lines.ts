/**
 * Splits command output into lines. Only the `\n` terminators are removed: names may
 * start or end with spaces, so nothing is trimmed. Output without a final newline
 * (`snapshot-current --name` under `-q`) gives the same result as with one.
 */
export function outputLines(stdout: string): string[] {
  if (stdout === '') return [];
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
