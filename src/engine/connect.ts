// Opening a host: which URI, which way of running virsh.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The package's root folder, found from this file wherever it runs (source or dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'fixtures'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the virtsnap package folder');
    dir = up;
  }
  return dir;
}

/** The bundled demo host: the test driver loaded with fixtures/demo-host.xml. */
export function demoUri(): string {
  return `test://${join(packageRoot(), 'fixtures', 'demo-host.xml')}`;
}

/**
 * True when the URI names no remote host (`qemu:///system`, `test:///…`, `qemu+unix:///…`),
 * so files the host refers to can be checked on this machine.
 */
export function isLocalUri(uri: string): boolean {
  const match = /^[a-z0-9+.-]+:\/\/([^/?]*)/i.exec(uri);
  return match !== null && (match[1] === '' || match[1] === 'localhost');
}
