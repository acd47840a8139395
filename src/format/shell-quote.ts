// The one way virtsnap shows a command for an operator to read or paste into a POSIX shell.
// Used by every plan (create, edit, revert, delete, block jobs), in the CLI and the TUI alike.

/** POSIX shell quoting: a word a shell reads back as exactly `word`. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `virsh snapshot-create '--domain=my vm' …`: words quoted so a shell reads them back unchanged. */
export function shellCommandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
