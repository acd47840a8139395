// The hosts file and --host, on libvirt's test driver: add, list with reachability and versions,
// remove, every subcommand's --host, usage errors, and 20 hosts listed at once (timed).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { demoUri } from '../../src/engine/connect.js';
import { hostsFilePath } from '../../src/engine/hosts-file.js';
import { prestartVirsh } from '../../src/engine/virsh/prestart.js';
import { VirshSession } from '../../src/engine/virsh/session.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';
import { VirshTimeoutError } from '../../src/engine/virsh/errors.js';
import { createServer, type Socket } from 'node:net';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function configDir(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'vs-hosts-'));
  made.push(dir);
  return { XDG_CONFIG_HOME: dir, HOME: tmpdir() };
}

async function virtsnap(env: NodeJS.ProcessEnv, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTty: false, env });
  return { stdout, stderr, exitCode };
}

interface HostsJson {
  file: string;
  hosts: { name: string; uri: string; readonly: boolean; reachable: boolean; libvirt: string | null; hypervisor: string | null; error: string | null; ms: number }[];
}

describe('virtsnap hosts', () => {
  it('adds, lists with reachability and versions, and removes hosts; says where the file is', async () => {
    const env = configDir();
    const file = hostsFilePath(env);
    const empty = await virtsnap(env, 'hosts');
    expect(empty.exitCode).toBe(0);
    expect(empty.stdout).toContain(`hosts file: ${file} (no hosts`);

    expect((await virtsnap(env, 'hosts', 'add', 'demo', demoUri())).exitCode).toBe(0);
    expect((await virtsnap(env, 'hosts', 'add', 'gone', 'test:///nonexistent.xml', '--readonly')).exitCode).toBe(0);
    expect((await virtsnap(env, 'hosts', 'add', 'hv1', 'qemu+ssh://root@hv1.invalid/system', '--identity', '/keys/hv1')).exitCode).toBe(0);
    // a real TOML file, readable by anything that reads TOML
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[hosts.demo]');
    expect(text).toMatch(/\[hosts\.gone\]\s*\nuri = "test:\/\/\/nonexistent.xml"\s*\nreadonly = true/);
    expect(text).toContain('identity = "/keys/hv1"');

    const listed = await virtsnap(env, 'hosts', '--json');
    expect(listed.exitCode).toBe(0);
    const json = JSON.parse(listed.stdout) as HostsJson;
    expect(json.file).toBe(file);
    expect(json.hosts.map((h) => h.name)).toEqual(['demo', 'gone', 'hv1']);
    const [demo, gone, hv1] = json.hosts;
    expect(demo).toMatchObject({ reachable: true, libvirt: '9.0.0', hypervisor: 'TEST 0.0.2', error: null });
    expect(gone).toMatchObject({ reachable: false, readonly: true, libvirt: null });
    // libvirt's whole message, not a cut-off line
    expect(gone!.error).toMatch(/failed to connect to the hypervisor[\s\S]*nonexistent\.xml/);
    expect(hv1!.reachable).toBe(false);

    const table = await virtsnap(env, 'hosts');
    expect(table.stdout).toMatch(/^demo\s+reachable\s+9\.0\.0\s+TEST 0\.0\.2/m);
    expect(table.stdout).toMatch(/^gone\s+unreachable/m);

    expect((await virtsnap(env, 'hosts', 'remove', 'gone')).exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain('gone');
    const missing = await virtsnap(env, 'hosts', 'remove', 'gone');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('has no host named gone');
    const duplicate = await virtsnap(env, 'hosts', 'add', 'demo', 'test:///default');
    expect(duplicate.exitCode).toBe(2);
    expect(duplicate.stderr).toContain('already has a host named demo');
  });

  it('--host NAME opens the named host in every subcommand; with -c it is a usage error', async () => {
    const env = configDir();
    await virtsnap(env, 'hosts', 'add', 'demo', demoUri());
    await virtsnap(env, 'hosts', 'add', 'safe', demoUri(), '--readonly');
    const viaHost = await virtsnap(env, 'list', '--json', '--host', 'demo');
    const viaUri = await virtsnap(env, 'list', '--json', '-c', demoUri());
    expect(viaHost.exitCode).toBe(0);
    expect(JSON.parse(viaHost.stdout)).toEqual(JSON.parse(viaUri.stdout));
    const tree = await virtsnap(env, 'tree', 'web-01', '--json', '--host', 'demo');
    expect(tree.exitCode).toBe(0);
    expect(JSON.parse(tree.stdout).domain).toBe('web-01');

    const both = await virtsnap(env, 'list', '--host', 'demo', '-c', 'test:///default');
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('--host and --connect cannot be used together');
    const unknown = await virtsnap(env, 'list', '--host', 'nope');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no host named nope');

    // a read-only host refuses changes before anything is sent
    const refused = await virtsnap(env, 'current', 'web-01', 'fresh-install', '--yes', '--host', 'safe');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr + refused.stdout).toMatch(/read-only/);
  });

  it("a bad URI fails at once with libvirt's whole message, also when virsh was started before the program loaded", async () => {
    for (const early of [false, true]) {
      if (early) prestartVirsh('test:///nonexistent.xml', false);
      const started = performance.now();
      const bad = await virtsnap({}, 'list', '-c', 'test:///nonexistent.xml');
      expect(performance.now() - started).toBeLessThan(5000);
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toContain('failed to connect to the hypervisor');
      expect(bad.stderr).toContain("failed to parse xml document '/nonexistent.xml'");
    }
  });

  it('a host that accepts the connection and never answers: the queries in flight share one timeout, not one each', async () => {
    // a TCP listener that never speaks: ssh waits for a banner that does not come
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'vs-silent-'));
    made.push(dir);
    const session = new VirshSession({ uri: `qemu+ssh://root@127.0.0.1:${port}/system?no_verify=1&command=${join(dir, 'ssh')}` });
    writeFileSync(join(dir, 'ssh'), `#!/bin/sh\nexec ssh -o UserKnownHostsFile=${join(dir, 'known_hosts')} -o BatchMode=yes "$@"\n`, { mode: 0o755 });
    try {
      const started = performance.now();
      const results = await Promise.allSettled([
        session.run(virshCommands.domainList(), { timeoutMs: 1500 }),
        session.run(virshCommands.domainStates(), { timeoutMs: 1500 }),
        session.run(virshCommands.persistentDomainNames(), { timeoutMs: 1500 }),
      ]);
      const elapsed = performance.now() - started;
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof VirshTimeoutError)).toBe(true);
      // one connection attempt for the batch: about one timeout, not three in a row
      expect(elapsed).toBeLessThan(3000);
      expect(session.generation).toBe(1);
    } finally {
      await session.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('a malformed hosts file is a usage error naming the file', async () => {
    const env = configDir();
    const file = hostsFilePath(env);
    await virtsnap(env, 'hosts', 'add', 'demo', demoUri());
    writeFileSync(file, '[hosts.demo\nuri = 1\n');
    const broken = await virtsnap(env, 'list', '--host', 'demo');
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain(file);
    writeFileSync(file, '[hosts.demo]\nurl = "test:///default"\n');
    const wrongKey = await virtsnap(env, 'hosts');
    expect(wrongKey.exitCode).toBe(2);
    expect(wrongKey.stderr).toContain('uri (a libvirt URI) is required');
  });

  it('20 hosts: `hosts` asks them all in parallel and `list --host` costs what one host costs', async () => {
    const env = configDir();
    const file = hostsFilePath(env);
    const lines = Array.from({ length: 20 }, (_, i) => `[hosts.h${String(i + 1).padStart(2, '0')}]\nuri = "${i === 7 ? 'test:///nonexistent.xml' : demoUri()}"\n`);
    await virtsnap(env, 'hosts', 'add', 'seed', demoUri());
    writeFileSync(file, `[hosts]\n${lines.join('\n')}`);
    let started = performance.now();
    const all = await virtsnap(env, 'hosts', '--json');
    const allMs = performance.now() - started;
    const json = JSON.parse(all.stdout) as HostsJson;
    expect(json.hosts).toHaveLength(20);
    expect(json.hosts.filter((h) => h.reachable)).toHaveLength(19);
    expect(json.hosts[7]!.reachable).toBe(false);
    const oneMs = Math.max(...json.hosts.map((h) => h.ms));
    started = performance.now();
    expect((await virtsnap(env, 'list', '--host', 'h20')).exitCode).toBe(0);
    const listMs = performance.now() - started;
    started = performance.now();
    expect((await virtsnap(env, 'list', '-c', demoUri())).exitCode).toBe(0);
    const listUriMs = performance.now() - started;
    console.log(`20 hosts: hosts --json ${allMs.toFixed(0)} ms (slowest host ${oneMs} ms); list --host ${listMs.toFixed(0)} ms, list -c ${listUriMs.toFixed(0)} ms`);
    // 8 at a time: about three rounds of one probe, far from twenty in a row
    expect(allMs).toBeLessThan(20 * oneMs);
    // the hosts file adds a file read, not a connection per host
    expect(listMs).toBeLessThan(listUriMs * 2 + 250);
  });
});
