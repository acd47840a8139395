export type LibvirtErrorCode =
  | 'no-domain'
  | 'no-snapshot'
  | 'no-current-snapshot'
  | 'unsupported'
  | 'invalid-argument'
  | 'read-only'
  | 'connection'
  | 'already-exists'
  | 'block-job-active'
  | 'other';

export interface LibvirtError {
  code: LibvirtErrorCode;
  /**
   * The text of each `error: ` line, prefix removed, in order: virsh often prints its
   * own context first, then libvirt's message. An entry holds several lines when the
   * message continued on lines without the prefix.
   */
  errorLines: string[];
  /** `errorLines` joined with newlines: what to show a user. Empty when stderr held no error line. */
  message: string;
  /** The other stderr lines (libvirt log lines such as `… warning : … parsing older snapshot that lacks domain`, libxml2 notices), verbatim. */
  warnings: string[];
}

// First match wins, so the more specific codes come first (a busy disk is reported
// as "Operation not supported: disk 'vda' already in active block job").
const CLASSIFIERS: readonly [LibvirtErrorCode, RegExp][] = [
  ['block-job-active', /already in active block job/],
  ['read-only', /read only access prevents|^operation forbidden: read only/i],
  ['no-current-snapshot', /has no current snapshot|does not have a current snapshot/],
  ['no-snapshot', /^Domain snapshot not found|no domain snapshot with matching/],
  ['no-domain', /^failed to get domain |^Domain not found|no domain with matching (name|uuid|id)/],
  ['already-exists', /already exists/],
  [
    'connection',
    /failed to connect to the hypervisor|End of file while reading data|^no valid connection|Cannot recv data|Cannot write data|Failed to connect socket|client socket is closed|no connection driver available/,
  ],
  [
    'unsupported',
    /^Operation not supported|unsupported flags|this function is not supported by the connection driver|^unsupported configuration|^argument unsupported/,
  ],
  [
    'invalid-argument',
    /^invalid argument|doesn't support option|^unknown command|is required by flag|mutually exclusive|is required$|requires .* option/,
  ],
];

const ERROR_PREFIX = 'error: ';
// `2026-11-22 01:55:46.224+0000: 4855: warning : virDomainSnapshotDefParse:287 : …`
const LOG_LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}: \d+: \w+ : /;
// libxml2: `I/O warning : failed to load external entity "…"`, `…: parser error : …`
const LIBXML_LINE = /^[^:]*(warning|error) : /;
// `--verbose` block job meters share stderr: `\rBlock commit: [ 45 %]`.
const PROGRESS_METER = /\r[^\r\n:]*: \[\s*\d+(?:\.\d+)? %\]/g;

/**
 * Splits virsh's stderr into its `error: ` messages and other lines, and classifies
 * the messages. The most specific message is the last one (`error: Failed to revert
 * snapshot s1` then `error: unsupported configuration: …`), so classification looks
 * from the last message back and takes the first recognisable one.
 * A line after an error line that is neither another error nor a log/libxml2 line
 * continues that message (libvirt quotes multi-line QEMU output).
 */
export function parseLibvirtError(stderrText: string): LibvirtError {
  const errorLines: string[] = [];
  const warnings: string[] = [];
  let previousWasError = false;
  const lines = stderrText.replace(PROGRESS_METER, '').replace(/\r/g, '\n').split('\n');
  for (const line of lines) {
    if (line.startsWith(ERROR_PREFIX)) {
      errorLines.push(line.slice(ERROR_PREFIX.length));
      previousWasError = true;
    } else if (line === '') {
      previousWasError = false;
    } else if (previousWasError && !LOG_LINE.test(line) && !LIBXML_LINE.test(line)) {
      errorLines[errorLines.length - 1] += `\n${line}`;
    } else {
      warnings.push(line);
      previousWasError = false;
    }
  }
  return { code: classify(errorLines), errorLines, message: errorLines.join('\n'), warnings };
}

function classify(errorLines: readonly string[]): LibvirtErrorCode {
  for (let i = errorLines.length - 1; i >= 0; i--) {
    const message = errorLines[i] ?? '';
    const found = CLASSIFIERS.find(([, pattern]) => pattern.test(message));
    if (found) return found[0];
  }
  return 'other';
}
