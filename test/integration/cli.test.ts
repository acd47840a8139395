// The built `virtsnap` executable, run as a process the way operators and scripts run it.
// `npm test` builds first; dist/ is what ships.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { writeChainHost } from '../../bench/chain-host.js';
import { describeLab, startLab, type Lab } from './lab.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

function virtsnap(args: string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], { reject: false, env: { NO_COLOR: '1', ...env }, stdin: 'ignore' });
}

interface JsonNode {
  name: string;
  parent: string | null;
  children: JsonNode[];
  state: string;
  creationTime: number;
  current: boolean;
  location: string;
}

function flatten(nodes: JsonNode[]): JsonNode[] {
  const out: JsonNode[] = [];
  const stack = [...nodes];
  while (stack.length) {
    const node = stack.pop()!;
    out.push(node);
    stack.push(...node.children);
  }
  return out;
}

describe('virtsnap CLI on the demo host', () => {
  it('lists the demo domains', async () => {
    const result = await virtsnap(['list', '--demo']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^NAME +STATE +SNAPSHOTS +CURRENT/);
    for (const name of ['web-01', 'db-primary', 'win11-lab', 'build-runner', 'dev-sandbox', 'mail-relay']) {
      expect(result.stdout).toContain(name);
    }
  });

  it('lists domains as JSON', async () => {
    const result = await virtsnap(['list', '--demo', '--json']);
    const rows = JSON.parse(result.stdout) as { name: string; state: { state: string }; snapshotCount: number }[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get('win11-lab')!.state.state).toBe('paused');
    expect(byName.get('build-runner')!.state.state).toBe('shut off');
    expect(byName.get('mail-relay')!.snapshotCount).toBe(0);
  });

  it('prints a tree as nested JSON nodes', async () => {
    const result = await virtsnap(['tree', 'web-01', '--demo', '--json']);
    expect(result.exitCode).toBe(0);
    const tree = JSON.parse(result.stdout) as { domain: string; current: string; count: number; roots: JsonNode[] };
    const nodes = flatten(tree.roots);
    expect(nodes).toHaveLength(tree.count);
    expect(Object.keys(nodes[0]!).sort()).toEqual(['children', 'creationTime', 'current', 'location', 'name', 'parent', 'state']);
    for (const node of nodes) for (const child of node.children) expect(child.parent).toBe(node.name);
    expect(nodes.filter((n) => n.current).map((n) => n.name)).toEqual([tree.current]);
    expect(nodes.some((n) => n.location === 'external')).toBe(true);
  });

  it('runs at most 6 virsh commands for the tree of a 200-snapshot domain', async () => {
    const file = writeChainHost('chain', 200);
    const result = await virtsnap(['tree', 'chain', '-c', `test://${file}`, '--json', '--command-log']);
    expect(result.exitCode).toBe(0);
    const logged = result.stderr.split('\n').filter((l) => l.includes(' virsh '));
    expect(logged.length).toBeLessThanOrEqual(6);
    expect(logged.length).toBe(4);
    expect(JSON.parse(result.stdout).count).toBe(200);
  });

  it("reports an unknown domain with libvirt's message and exit code 1", async () => {
    const result = await virtsnap(['tree', 'no-such-vm', '--demo']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("failed to get domain 'no-such-vm'");
    expect(result.stderr).toContain('virtsnap list');
  });

  it('takes the URI from -c, then LIBVIRT_DEFAULT_URI', async () => {
    const fromEnv = await virtsnap(['list', '--json'], { LIBVIRT_DEFAULT_URI: 'test:///default' });
    expect(JSON.parse(fromEnv.stdout).map((r: { name: string }) => r.name)).toEqual(['test']);
    const fromFlag = await virtsnap(['list', '--json', '-c', 'test:///default'], { LIBVIRT_DEFAULT_URI: 'test:///nonexistent.xml' });
    expect(JSON.parse(fromFlag.stdout).map((r: { name: string }) => r.name)).toEqual(['test']);
  });

  it('without a terminal, plain virtsnap prints usage pointing to the subcommands', async () => {
    const result = await virtsnap([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/needs a terminal/);
    expect(result.stderr).toMatch(/^ {2}list \[options\]/m);
    expect(result.stderr).toMatch(/^ {2}tree \[options\] <domain>/m);
  });

  it('rejects an unknown option with a usage error', async () => {
    const result = await virtsnap(['tree', 'x', '--bogus']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
  });
});

describeLab('virtsnap CLI on real QEMU', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('prints the same tree libvirt reports', async () => {
    const { name } = await lab.newDomain();
    for (const snap of ['base', 'with data', 'ü <&> x']) {
      expect((await lab.virsh('snapshot-create-as', name, '--name', snap)).exitCode).toBe(0);
    }
    const result = await virtsnap(['tree', name, '--json', '-c', lab.uri]);
    expect(result.exitCode).toBe(0);
    const nodes = flatten(JSON.parse(result.stdout).roots);
    const parents = Object.fromEntries(nodes.map((n) => [n.name, n.parent]));
    for (const node of nodes) {
      const libvirtParent = await lab.virsh('snapshot-parent', name, node.name);
      expect(node.parent).toBe(libvirtParent.exitCode === 0 ? libvirtParent.stdout.trim() : null);
    }
    expect(parents).toEqual({ base: null, 'with data': 'base', 'ü <&> x': 'with data' });
    const current = (await lab.virsh('snapshot-current', name, '--name')).stdout.trim();
    expect(nodes.find((n) => n.current)!.name).toBe(current);
  });
});
