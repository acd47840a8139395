import { outputLines } from './output-lines.js';

/**
 * Parses any virsh `--name` listing (`list --name`, `snapshot-list --name`, …): one name
 * per line, kept exactly as printed (leading, inner and trailing spaces included).
 * Empty lines are dropped: libvirt never has an empty name, and without `-q` virsh
 * adds an empty separator line.
 *
 * A name containing a newline cannot be told apart from two names in this format.
 */
export function parseNameList(stdout: string): string[] {
  return outputLines(stdout).filter((line) => line !== '');
}
