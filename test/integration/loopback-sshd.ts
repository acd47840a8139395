// A private OpenSSH server on 127.0.0.1 for the remote-host tests: its own host key, its own
// client key (root may log in with it, and only with it), its own config, pid file and log in a
// temp dir; /etc/ssh and root's ~/.ssh are never read or written (the client side goes through a
// wrapper passed as libvirt's `command=`, with a known_hosts file in the same temp dir).
// Stopped by its own PID.

import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export interface LoopbackSshd {
  port: number;
  dir: string;
  /** The client key root may log in with. */
  clientKey: string;
  /** An ssh wrapper: known_hosts in dir, quiet. */
  sshProgram: string;
  pid: number;
  /** qemu+ssh URI of a libvirtd socket on this machine, reached through this sshd. */
  uriFor(socket: string): string;
  /** Lines of sshd's log. */
  log(): string[];
  /** How many logins were accepted so far. */
  logins(): number;
  /** PIDs of the per-connection sshd processes (children of the listener). */
  connectionPids(): number[];
  /** The per-connection sshd process whose session runs a program matching `command` (e.g. /\bnc\b/ for libvirt's proxy). */
  connectionRunning(command: RegExp): number | null;
  stop(): Promise<void>;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function descendants(pid: number): number[] {
  return children(pid).flatMap((c) => [c, ...descendants(c)]);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && process.getuid?.() === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startSshd(): Promise<LoopbackSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'vs-sshd-'));
  const key = (name: string) => execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `virtsnap-test-${name}`, '-f', join(dir, name)]);
  await Promise.all([key('host_key'), key('client_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const port = await freePort();
  const logFile = join(dir, 'sshd.log');
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      // ssh's multiplexed connection opens several sessions on one login
      'MaxSessions 20',
      '',
    ].join('\n'),
  );
  const sshProgram = join(dir, 'ssh');
  writeFileSync(sshProgram, `#!/bin/sh\nexec ssh -o UserKnownHostsFile=${join(dir, 'known_hosts')} -o LogLevel=ERROR "$@"\n`);
  chmodSync(sshProgram, 0o755);
  // sshd refuses to start without its privilege separation directory (compiled in; created by the service otherwise).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const child: ChildProcess = spawn(SSHD, ['-D', '-f', join(dir, 'sshd_config'), '-E', logFile], { stdio: 'ignore' });
  const pid = child.pid!;
  for (let i = 0; i < 100 && !(existsSync(logFile) && readFileSync(logFile, 'utf8').includes('Server listening')); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : []);
  if (!log().some((l) => l.includes('Server listening'))) throw new Error(`sshd did not start:\n${log().join('\n')}`);
  const clientKey = join(dir, 'client_key');
  return {
    port,
    dir,
    clientKey,
    sshProgram,
    pid,
    uriFor: (socket) =>
      `qemu+ssh://root@127.0.0.1:${port}/system?socket=${socket}&keyfile=${clientKey}&no_verify=1&command=${sshProgram}`,
    log,
    logins: () => log().filter((l) => l.includes('Accepted publickey')).length,
    connectionPids: () => children(pid),
    connectionRunning: (command) => {
      for (const c of children(pid)) if (descendants(c).some((d) => command.test(cmdline(d)))) return c;
      return null;
    },
    stop: async () => {
      for (const c of children(pid)) {
        try {
          process.kill(c, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
      if (process.env.VIRTSNAP_LAB_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}
