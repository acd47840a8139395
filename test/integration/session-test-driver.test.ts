// The persistent virsh session and the host queries against libvirt's real test driver
// (in-process in virsh: its state lives exactly as long as the session's virsh process).

import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openHost } from '../../src/engine/connect.js';
import type { Host } from '../../src/engine/host.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';
import {
  ReadOnlyError,
  VirshArgumentError,
  VirshCommandError,
  VirshDiedError,
  VirshTimeoutError,
} from '../../src/engine/virsh/errors.js';
import { VirshSession } from '../../src/engine/virsh/session.js';
import { OneShotRunner } from '../../src/engine/virsh/one-shot.js';

const DEFAULT = 'test:///default';
const hosts: Host[] = [];
function open(uri = DEFAULT, options: { readonly?: boolean; mode?: 'session' | 'one-shot' } = {}): Host {
  const host = openHost({ uri, ...options });
  hosts.push(host);
  return host;
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

const ODD_NAMES = [
  'a b <&> ü',
  "quote ' and \" double",
  '-leading-dash',
  '--force',
  '$HOME and `cmd`',
  'semi;colon # hash',
  'снимок 日本語',
  'back\\slash',
];

describe('persistent session on the test driver', () => {
  it('lists the default domain with uuid, state and flags', async () => {
    const domains = await open().listDomains();
    expect(domains).toEqual([
      {
        name: 'test',
        uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
        id: 1,
        // the test driver records reason 0 (unknown), which virsh prints as `running (unknown)`
        state: { state: 'running', reason: null },
        persistent: true,
        autostart: false,
      },
    ]);
  });

  it('keeps state across commands (one virsh process)', async () => {
    const host = open();
    await host.createSnapshotAs('test', { name: 's1', description: 'first' });
    await host.createSnapshotAs('test', { name: 's2' });
    const names = (await host.listSnapshots('test')).map((s) => s.name);
    expect(names).toEqual(['s1', 's2']);
    expect((host.runner as VirshSession).generation).toBe(1);
  });

  it('creates, lists, shows and deletes snapshots with odd names exactly', async () => {
    const host = open();
    for (const name of ODD_NAMES) await host.createSnapshotAs('test', { name, description: `desc of ${name} <&> "q"` });
    const listed = await host.listSnapshots('test');
    expect(listed.map((s) => s.name).sort()).toEqual([...ODD_NAMES].sort());
    // created in order, so each is the child of the previous one and the last is current
    const byName = new Map(listed.map((s) => [s.name, s]));
    for (let i = 1; i < ODD_NAMES.length; i++) expect(byName.get(ODD_NAMES[i]!)!.parent).toBe(ODD_NAMES[i - 1]);
    expect(byName.get(ODD_NAMES.at(-1)!)!.current).toBe(true);
    const { detail, xml } = await host.snapshot('test', 'a b <&> ü');
    expect(detail.name).toBe('a b <&> ü');
    expect(detail.description).toBe('desc of a b <&> ü <&> "q"');
    expect(xml).toContain('<name>a b &lt;&amp;&gt; ü</name>');
    for (const name of ODD_NAMES) await host.deleteSnapshot('test', name);
    expect(await host.listSnapshots('test')).toEqual([]);
  });

  it('refreshes a domain with 0, 1 and 200 snapshots at a constant command count', async () => {
    const host = open();
    const log = host.runner.log;
    const countCommands = async (fn: () => Promise<unknown>) => {
      const mark = log.lastSeq();
      await fn();
      return log.since(mark).length;
    };
    // all four questions are asked at once, before anyone knows there are none
    expect(await countCommands(() => host.forest('test'))).toBe(4);
    expect((await host.forest('test')).count).toBe(0);
    await host.createSnapshotAs('test', { name: 'n0' });
    let forest = await host.forest('test');
    expect(forest.count).toBe(1);
    expect(await countCommands(() => host.forest('test'))).toBe(4);
    for (let i = 1; i < 200; i++) await host.createSnapshotAs('test', { name: `n${i}` });
    const commands = await countCommands(async () => {
      forest = await host.forest('test');
    });
    expect(commands).toBe(4);
    expect(forest.count).toBe(200);
    expect(forest.current).toBe('n199');
    // a chain: every node has exactly one child except the leaf
    let depth = 0;
    let node = forest.roots[0];
    while (node) {
      depth++;
      node = node.children[0];
    }
    expect(depth).toBe(200);
  });

  it("gives libvirt's own message for an unknown snapshot and domain", async () => {
    const host = open();
    const snapshotError = await host.snapshot('test', 'nope').catch((e: unknown) => e);
    expect(snapshotError).toBeInstanceOf(VirshCommandError);
    expect((snapshotError as VirshCommandError).libvirtMessage).toContain("no domain snapshot with matching name 'nope'");
    expect((snapshotError as VirshCommandError).code).toBe('no-snapshot');
    const domainError = await host.forest('no such domain').catch((e: unknown) => e);
    expect(domainError).toBeInstanceOf(VirshCommandError);
    expect((domainError as VirshCommandError).code).toBe('no-domain');
    // the session is still usable after errors
    expect((await host.listDomains()).length).toBe(1);
  });

  it('recovers when the virsh process is killed mid-command', async () => {
    const host = open();
    const session = host.runner as VirshSession;
    const restarts: number[] = [];
    session.onRestart(({ generation }) => restarts.push(generation));
    await host.createSnapshotAs('test', { name: 'before-kill' });
    const blocking = host.run(virshCommands.waitForEvents(30));
    await new Promise((r) => setTimeout(r, 300));
    const pid = session.pid!;
    process.kill(pid, 'SIGKILL');
    const error = await blocking.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VirshDiedError);
    expect((error as VirshDiedError).signal).toBe('SIGKILL');
    // the next command works, on a new virsh process; the test driver's state started afresh
    expect((await host.listDomains()).map((d) => d.name)).toEqual(['test']);
    expect(session.pid).not.toBe(pid);
    expect(restarts).toEqual([2]);
    expect(await host.listSnapshots('test')).toEqual([]);
    const outcomes = host.runner.log.list().map((e) => e.outcome);
    expect(outcomes).toContain('died');
  });

  it('times out a stuck command, restarts virsh, and runs the queued ones', async () => {
    const host = open();
    const stuck = host.run(virshCommands.waitForEvents(30), { timeoutMs: 400 });
    const queued = host.listDomains();
    expect(await stuck.catch((e: unknown) => e)).toBeInstanceOf(VirshTimeoutError);
    expect((await queued).map((d) => d.name)).toEqual(['test']);
  });

  it('sends a query again when virsh never read it, and drops nothing else', async () => {
    const session = new VirshSession({ uri: DEFAULT, virshPath: fileURLToPath(new URL('./fixtures/virsh-losing-first-query.mjs', import.meta.url)) });
    try {
      await session.run(virshCommands.createSnapshotAs('test', { name: 'kept' }));
      const listed = await session.run(virshCommands.snapshotNames('test'));
      expect(listed.stdout).toBe('kept\n');
      expect(listed.warnings.join(' ')).toMatch(/sent again/);
      // the session stays in step: later commands get their own output
      expect((await session.run(virshCommands.currentSnapshotName('test'))).stdout).toBe('kept');
      expect((await session.run(virshCommands.snapshotNames('test'))).stdout).toBe('kept\n');
      expect(session.generation).toBe(1);
    } finally {
      await session.close();
    }
  });

  it('read-only mode refuses mutations before sending them and still reads', async () => {
    const host = open(DEFAULT, { readonly: true });
    const error = await host.createSnapshotAs('test', { name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadOnlyError);
    expect(host.runner.log.list().at(-1)!.outcome).toBe('refused');
    expect((await host.listDomains()).length).toBe(1);
  });

  it('libvirt warnings on stderr do not fail a command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vs-warn-'));
    const file = join(dir, 'host.xml');
    // A snapshot without an embedded <domain>: libvirt warns "parsing older snapshot that lacks domain".
    writeFileSync(
      file,
      `<node><domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <name>old</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory>131072</memory>
  <os><type>hvm</type></os><test:runstate>5</test:runstate>
  <test:domainsnapshot><name>legacy</name><state>shutoff</state><creationTime>1700000000</creationTime><active>1</active></test:domainsnapshot>
</domain></node>`,
    );
    const host = open(`test://${file}`);
    const snapshots = await host.listSnapshots('old');
    expect(snapshots.map((s) => s.name)).toEqual(['legacy']);
    const warnings = host.runner.log.list().flatMap((e) => e.warnings);
    expect(warnings.join('\n')).toContain('lacks domain');
  });

  it('rejects a control character on the test driver instead of corrupting the session', async () => {
    const host = open();
    const error = await host.createSnapshotAs('test', { name: 'tab\there' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VirshArgumentError);
    expect((await host.listDomains()).length).toBe(1);
  });

  it('one-shot mode prints the same as the session for read commands', async () => {
    const session = open(DEFAULT);
    const oneShot = new OneShotRunner({ uri: DEFAULT });
    for (const command of [virshCommands.domainList(), virshCommands.domainXml('test'), virshCommands.domainStates()]) {
      const a = await session.run(command);
      const b = await oneShot.run(command);
      expect(a.stdout).toBe(b.stdout);
    }
    expect(oneShot.log.list().every((e) => e.mode === 'one-shot')).toBe(true);
  });

  it('a connection failure gives libvirt\'s message', async () => {
    const host = open('qemu:///system?socket=/nonexistent/virtsnap-sock');
    const error = await host.listDomains().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/connect|socket|No such file/i);
  });
});
