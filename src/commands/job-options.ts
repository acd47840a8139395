// Option values shared by the block-job subcommands.

import { UsageError } from './errors.js';

/** `--bandwidth MiB/s`: a whole number (libvirt takes MiB/s as an integer); 0 = unlimited where allowed. */
export function parseBandwidth(value: string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || (!allowZero && Number(value) === 0)) {
    throw new UsageError(`--bandwidth takes a whole number of MiB/s${allowZero ? '' : ' greater than 0'}, not '${value}'`);
  }
  return Number(value);
}
