// What an operator reads when something fails: libvirt's own words, then what to do. Shared by
// the CLI (which adds an exit code) and the TUI (which shows it in the status line or a dialog).

import { ReadOnlyError, VirshCommandError, VirshDiedError, VirshError, VirshTimeoutError } from './virsh/errors.js';

export interface ErrorDescription {
  message: string;
  hint: string | null;
  /** What kind of failure: a refused request (usage, read-only) or a failure of libvirt or the host. */
  kind: 'refused' | 'failed';
}

/** An error in what was asked for (a bad argument, a plan that must not run): nothing was changed. */
export class RequestRefusedError extends Error {
  override name = 'RequestRefusedError';
}

const HINTS: Partial<Record<string, string>> = {
  'no-domain': 'check the name with `virtsnap list`',
  'no-snapshot': 'check the name with `virtsnap tree DOMAIN`',
  connection: 'is libvirtd running, and is the URI right? (-c URI, or LIBVIRT_DEFAULT_URI)',
  'read-only': 'the connection is read-only: drop --readonly to change things',
  unsupported: 'libvirt on this host cannot do this; see the message above',
  'block-job-active': 'wait for the running block job, or abort it first',
};

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof VirshCommandError) return { message: error.libvirtMessage, hint: HINTS[error.code] ?? null, kind: 'failed' };
  if (error instanceof ReadOnlyError) return { message: error.message, hint: HINTS['read-only']!, kind: 'refused' };
  if (error instanceof RequestRefusedError) return { message: error.message, hint: null, kind: 'refused' };
  if (error instanceof VirshTimeoutError) return { message: error.message, hint: 'the host is slow or stuck; try again', kind: 'failed' };
  if (error instanceof VirshDiedError) return { message: error.message, hint: HINTS.connection!, kind: 'failed' };
  if (error instanceof VirshError) return { message: error.message, hint: null, kind: 'failed' };
  if (error instanceof Error) return { message: error.message, hint: null, kind: 'failed' };
  return { message: String(error), hint: null, kind: 'failed' };
}
