// Whether a failed step left the host as it was before the flow: then the flow closes as
// failed, with nothing in doubt to resume or roll back.

/**
 * What an error says of the host when a step throws it: `hostUnchanged` when the host is as it
 * was before the flow began (libvirt refused and the step removed what it had made; the block
 * job was aborted and the chain is unchanged). Such a flow closes as failed, with nothing to
 * resume or roll back. BlockJobEndedError, OfflineStoppedError and CreateFailedError carry it.
 */
export interface HostStateReport {
  readonly hostUnchanged: boolean;
}

/** A step refused before it changed anything: the host is as it was. */
export class HostUnchangedError extends Error implements HostStateReport {
  override name = 'HostUnchangedError';
  readonly hostUnchanged = true;
}

export function leftHostUnchanged(error: unknown): boolean {
  return error instanceof Error && 'hostUnchanged' in error && (error as Error & HostStateReport).hostUnchanged === true;
}
