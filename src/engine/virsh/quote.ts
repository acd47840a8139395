// Quoting for virsh's own command-line parser (vshCommandStringParse), which the
// persistent interactive session uses. It is shell-like: inside single quotes every
// character is literal, and a single quote is written as '\'' (close, escaped quote, reopen).

/**
 * Characters that cannot travel through an interactive virsh line: a newline ends the
 * line, and readline acts on control characters (a tab triggers completion, ESC starts
 * a key sequence) before virsh's parser ever sees them.
 */
const LINE_UNSAFE = /[\u0000-\u001f\u007f]/;

export function isLineSafe(arg: string): boolean {
  return !LINE_UNSAFE.test(arg);
}

/** One argument, quoted so that virsh's parser yields exactly `arg`. */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=-]+$/.test(arg) && !arg.startsWith('#')) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A whole command as one interactive line. Callers check isLineSafe first. */
export function toVirshLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}
