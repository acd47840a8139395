// Engine errors as the CLI reports them: the engine's description (libvirt's words and a hint),
// and the exit code the README promises: 1 for a libvirt or host failure, 2 for a usage error
// or a refused request (nothing was changed).

import { describeError, RequestRefusedError } from '../engine/error-report.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export { RequestRefusedError };

export interface ErrorReport {
  message: string;
  hint: string | null;
  exitCode: number;
}

export function reportError(error: unknown): ErrorReport {
  if (error instanceof UsageError) return { message: error.message, hint: 'see `virtsnap --help`', exitCode: 2 };
  const { message, hint, kind } = describeError(error);
  return { message, hint, exitCode: kind === 'refused' ? 2 : 1 };
}
