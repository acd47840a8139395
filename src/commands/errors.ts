// Turning engine errors into what an operator reads: libvirt's own words, then what to do.

import { VirshCommandError, VirshDiedError, VirshError, VirshTimeoutError, ReadOnlyError } from '../engine/virsh/errors.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ErrorReport {
  message: string;
  hint: string | null;
  exitCode: number;
}

const HINTS: Partial<Record<string, string>> = {
  'no-domain': 'check the name with `virtsnap list`',
  'no-snapshot': 'check the name with `virtsnap tree DOMAIN`',
  connection: 'is libvirtd running, and is the URI right? (-c URI, or LIBVIRT_DEFAULT_URI)',
  'read-only': 'the connection is read-only: drop --readonly to change things',
  unsupported: 'libvirt on this host cannot do this; see the message above',
  'block-job-active': 'wait for the running block job, or abort it first',
};

export function reportError(error: unknown): ErrorReport {
  if (error instanceof UsageError) return { message: error.message, hint: 'see `virtsnap --help`', exitCode: 2 };
  if (error instanceof VirshCommandError) {
    return { message: error.libvirtMessage, hint: HINTS[error.code] ?? null, exitCode: 1 };
  }
  if (error instanceof ReadOnlyError) return { message: error.message, hint: HINTS['read-only']!, exitCode: 1 };
  if (error instanceof VirshTimeoutError) return { message: error.message, hint: 'the host is slow or stuck; try again', exitCode: 1 };
  if (error instanceof VirshDiedError) return { message: error.message, hint: HINTS.connection!, exitCode: 1 };
  if (error instanceof VirshError) return { message: error.message, hint: null, exitCode: 1 };
  if (error instanceof Error) return { message: error.message, hint: null, exitCode: 1 };
  return { message: String(error), hint: null, exitCode: 1 };
}
