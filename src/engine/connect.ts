// Opening a host: which URI, which way of running virsh.

import { Host } from './host.js';
import { CommandLog } from './virsh/command-log.js';
import { OneShotRunner } from './virsh/one-shot.js';
import { VirshSession } from './virsh/session.js';

export type VirshMode = 'session' | 'one-shot';

export interface ConnectOptions {
  uri: string;
  readonly?: boolean;
  /** `session` (default): one persistent virsh; `one-shot`: a virsh per command. */
  mode?: VirshMode;
  log?: CommandLog;
}

export function openHost(options: ConnectOptions): Host {
  const common = { uri: options.uri, readonly: options.readonly ?? false, log: options.log ?? new CommandLog() };
  const runner = options.mode === 'one-shot' ? new OneShotRunner(common) : new VirshSession(common);
  return new Host(runner);
}

/** As virsh does: the -c option, then LIBVIRT_DEFAULT_URI, then the system QEMU driver. */
export function resolveUri(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.LIBVIRT_DEFAULT_URI || 'qemu:///system';
}

export { demoUri, packageRoot } from './package-root.js';

/**
 * True when the URI names no remote host (`qemu:///system`, `test:///…`, `qemu+unix:///…`),
 * so files the host refers to can be checked on this machine.
 */
export function isLocalUri(uri: string): boolean {
  const match = /^[a-z0-9+.-]+:\/\/([^/?]*)/i.exec(uri);
  return match !== null && (match[1] === '' || match[1] === 'localhost');
}
