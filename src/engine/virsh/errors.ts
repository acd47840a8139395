// Typed errors of the virsh layer. Every error carries libvirt's own words where there
// are any, because operators search for those.

import type { LibvirtErrorCode } from '../parse/libvirt-error.js';

export type { LibvirtErrorCode };

/** Base class: something went wrong running a virsh command. */
export class VirshError extends Error {
  override name = 'VirshError';
  constructor(
    message: string,
    /** The command as argv, for logs and error reports. */
    readonly args: readonly string[],
  ) {
    super(message);
  }
}

/** libvirt refused or failed the command: virsh printed `error:` lines. */
export class VirshCommandError extends VirshError {
  override name = 'VirshCommandError';
  constructor(
    args: readonly string[],
    /** Every `error:` line, without the prefix, in order. */
    readonly errorLines: string[],
    /** The most specific libvirt message (usually the last `error:` line). */
    readonly libvirtMessage: string,
    readonly code: LibvirtErrorCode,
  ) {
    super(libvirtMessage, args);
  }
}

/** The command did not finish in time; the virsh process was stopped and will be restarted. */
export class VirshTimeoutError extends VirshError {
  override name = 'VirshTimeoutError';
  constructor(
    args: readonly string[],
    readonly timeoutMs: number,
    /** What virsh had printed of this command when it was given up (for diagnosis). */
    readonly pendingOutput: { stdout: string; stderr: string } = { stdout: '', stderr: '' },
  ) {
    super(`virsh ${args.join(' ')} did not answer within ${timeoutMs} ms and was killed`, args);
  }
}

/** The virsh process exited (killed, crashed, or could not connect) while the command ran. */
export class VirshDiedError extends VirshError {
  override name = 'VirshDiedError';
  constructor(
    args: readonly string[],
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** What virsh said on stderr before it died (e.g. `failed to connect to the hypervisor`). */
    readonly stderr: string,
  ) {
    const said = stderr.trim() ? `: ${stderr.trim()}` : '';
    const how = signal ? `killed by ${signal}` : `exited with code ${exitCode}`;
    super(`virsh ${how}${said}`, args);
  }
}

/** virtsnap refused to send a mutating command on a read-only connection. */
export class ReadOnlyError extends VirshError {
  override name = 'ReadOnlyError';
  constructor(args: readonly string[]) {
    super(`read-only mode: refusing to run '${args[0] ?? ''}', which changes the host`, args);
  }
}

/** An argument that cannot be passed to virsh at all on this connection. */
export class VirshArgumentError extends VirshError {
  override name = 'VirshArgumentError';
}

/** The session was closed; no more commands are accepted. */
export class VirshClosedError extends VirshError {
  override name = 'VirshClosedError';
  constructor(args: readonly string[]) {
    super('the virsh session is closed', args);
  }
}
