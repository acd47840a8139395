// The hosts file: named libvirt hosts, in $XDG_CONFIG_HOME/virtsnap/hosts.toml
// (~/.config/virtsnap/hosts.toml), read and written with smol-toml:
//
//   [hosts.lab]
//   uri = "qemu+ssh://root@hv1.example/system"
//   identity = "~/.ssh/hv1"        # optional: the SSH key for libvirt and for the file checks
//   readonly = true                # optional: open it read-only
//
// One table per host under [hosts], in the file's order.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';

export interface HostEntry {
  name: string;
  uri: string;
  identity: string | null;
  readonly: boolean;
}

export class HostsFileError extends Error {
  override name = 'HostsFileError';
}

/** $XDG_CONFIG_HOME/virtsnap/hosts.toml (the variable read now, so tests and callers can point it elsewhere). */
export function hostsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(config, 'virtsnap', 'hosts.toml');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path.startsWith('~/') ? join(env.HOME || homedir(), path.slice(2)) : path;
}

/** The hosts, in the file's order; none when the file does not exist. */
export function readHostsFile(path: string, env: NodeJS.ProcessEnv = process.env): HostEntry[] {
  if (!existsSync(path)) return [];
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new HostsFileError(`${path}: ${error instanceof TomlError ? error.message.split('\n')[0] : String(error)}`);
  }
  const hosts = doc.hosts ?? {};
  if (typeof hosts !== 'object' || hosts === null || Array.isArray(hosts)) throw new HostsFileError(`${path}: [hosts] must be a table of hosts`);
  return Object.entries(hosts as Record<string, unknown>).map(([name, value]) => {
    const where = `${path}: host ${name}`;
    if (!NAME.test(name)) throw new HostsFileError(`${where}: a name is letters, digits, '.', '_' and '-'`);
    if (typeof value !== 'object' || value === null) throw new HostsFileError(`${where}: must be a table`);
    const v = value as Record<string, unknown>;
    if (typeof v.uri !== 'string' || v.uri === '') throw new HostsFileError(`${where}: uri (a libvirt URI) is required`);
    if (v.identity !== undefined && typeof v.identity !== 'string') throw new HostsFileError(`${where}: identity must be a path`);
    if (v.readonly !== undefined && typeof v.readonly !== 'boolean') throw new HostsFileError(`${where}: readonly must be true or false`);
    const unknown = Object.keys(v).filter((k) => !['uri', 'identity', 'readonly'].includes(k));
    if (unknown.length > 0) throw new HostsFileError(`${where}: unknown key ${unknown.join(', ')} (uri, identity, readonly)`);
    return { name, uri: v.uri, identity: typeof v.identity === 'string' ? expandHome(v.identity, env) : null, readonly: v.readonly === true };
  });
}

function writeHostsFile(path: string, hosts: readonly HostEntry[]): void {
  const doc = {
    hosts: Object.fromEntries(
      hosts.map((h) => [h.name, { uri: h.uri, ...(h.identity ? { identity: h.identity } : {}), ...(h.readonly ? { readonly: true } : {}) }]),
    ),
  };
  mkdirSync(dirname(path), { recursive: true });
  const text = `# virtsnap hosts: virtsnap hosts add NAME URI [--identity FILE] [--readonly]\n${stringify(doc)}\n`;
  // Written whole, then renamed: a reader never sees half a file.
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function addHost(path: string, entry: HostEntry, env: NodeJS.ProcessEnv = process.env): void {
  if (!NAME.test(entry.name)) throw new HostsFileError(`host name ${JSON.stringify(entry.name)}: use letters, digits, '.', '_' and '-'`);
  if (!/^[a-z0-9+.-]+:\/\//i.test(entry.uri)) throw new HostsFileError(`${entry.uri} is not a libvirt URI (driver[+transport]://[user@][host][:port]/path)`);
  const hosts = readHostsFile(path, env);
  if (hosts.some((h) => h.name === entry.name)) throw new HostsFileError(`${path} already has a host named ${entry.name}: remove it first`);
  writeHostsFile(path, [...hosts, entry]);
}

export function removeHost(path: string, name: string, env: NodeJS.ProcessEnv = process.env): void {
  const hosts = readHostsFile(path, env);
  if (!hosts.some((h) => h.name === name)) throw new HostsFileError(`${path} has no host named ${name}`);
  writeHostsFile(path, hosts.filter((h) => h.name !== name));
}

export function findHost(path: string, name: string, env: NodeJS.ProcessEnv = process.env): HostEntry {
  const hosts = readHostsFile(path, env);
  const found = hosts.find((h) => h.name === name);
  if (!found) {
    throw new HostsFileError(
      hosts.length === 0 ? `no host named ${name}: ${path} lists none (virtsnap hosts add NAME URI)` : `no host named ${name} in ${path} (hosts: ${hosts.map((h) => h.name).join(', ')})`,
    );
  }
  return found;
}

/**
 * The URI libvirt is given for a host: with an identity, the SSH key is passed as libvirt's own
 * `keyfile=` parameter (qemu+ssh and friends), unless the URI names one already.
 */
export function connectionUri(entry: HostEntry): string {
  if (!entry.identity || !/^[a-z0-9.-]+\+(?:ssh|libssh2?):\/\//i.test(entry.uri) || /[?&]keyfile=/.test(entry.uri)) return entry.uri;
  return `${entry.uri}${entry.uri.includes('?') ? '&' : '?'}keyfile=${encodeURIComponent(entry.identity)}`;
}
