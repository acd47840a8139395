// virsh's connection event lines (captured from libvirt 9.0 over qemu+ssh), what becomes of a
// command the link dropped under, the keepalive options, and the SSH side of libvirt URIs.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hostFilesFor, sshTargetOf } from '../../../src/engine/host-files.js';
import { addHost, connectionUri, readHostsFile, removeHost } from '../../../src/engine/hosts-file.js';
import { ConnectionLostError, isLinkFailure, keepaliveArgs, LinkWatch, noteLinkGaps, takeConnectionEvents } from '../../../src/engine/virsh/connection-loss.js';

const URI = 'qemu+ssh://root@127.0.0.1:2222/system?socket=/tmp/l/libvirt-sock&keyfile=/tmp/k&no_verify=1';

describe('connection events', () => {
  it('takes the Disconnected and Reconnected lines out of a command stderr and keeps the rest', () => {
    const stderr = [
      `error: Disconnected from ${URI} due to keepalive timeout`,
      'error: Failed to list domains',
      'error: internal error: connection closed due to keepalive timeout',
      '',
    ].join('\n');
    const { stderr: rest, events } = takeConnectionEvents(stderr, 1000);
    expect(events).toEqual([{ kind: 'lost', message: `Disconnected from ${URI} due to keepalive timeout`, at: 1000 }]);
    expect(rest).toBe('error: Failed to list domains\nerror: internal error: connection closed due to keepalive timeout\n');
    expect(takeConnectionEvents('error: Reconnected to the hypervisor\n').events.map((e) => e.kind)).toEqual(['reconnected']);
  });

  it('a query the link dropped under is sent again with backoff, a change never', () => {
    const link = new LinkWatch();
    const query = { command: { args: ['list'], mutates: false } };
    const change = { command: { args: ['snapshot-create-as', '--domain=d'], mutates: true } };
    const message = 'End of file while reading data: Connection to 127.0.0.1 closed by remote host.: Input/output error';
    expect(isLinkFailure(message)).toBe(true);
    expect([1, 2, 3, 4].map(() => link.judge(query, message, false, URI))).toEqual([{ resendAfterMs: 500 }, { resendAfterMs: 1000 }, { resendAfterMs: 2000 }, { resendAfterMs: 4000 }]);
    // at most four times: then libvirt's own error
    expect(link.judge(query, message, false, URI)).toBeNull();
    const lost = link.judge(change, message, false, URI);
    expect(lost).toBeInstanceOf(ConnectionLostError);
    expect((lost as Error).message).toContain("lost while 'snapshot-create-as' ran");
    // a command's own failure is its own
    expect(link.judge(query, "Domain not found: no domain with matching name 'x'", false, URI)).toBeNull();
  });

  it('notes the gap in a journal: when lost, when regained, and how long', () => {
    const link = new LinkWatch();
    const notes: string[] = [];
    const stop = noteLinkGaps({ link }, { note: (t) => notes.push(t) });
    link.observe(`error: Disconnected from ${URI} due to end of file\n`);
    link.take(`error: Disconnected from ${URI} due to end of file\nerror: Reconnected to the hypervisor\n`);
    stop();
    link.take(`error: Disconnected from ${URI} due to end of file\n`);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/^connection lost at \d\d:\d\d:\d\d UTC \(Disconnected from .* due to end of file\); the job goes on in libvirt$/);
    expect(notes[1]).toMatch(/^reconnected at \d\d:\d\d:\d\d UTC after \d+\.\d s: following the job again$/);
  });

  it('keepalive only where the link leaves this machine', () => {
    expect(keepaliveArgs(URI)).toEqual(['-k', '2', '-K', '2']);
    expect(keepaliveArgs('qemu+tls://hv1/system')).toEqual(['-k', '2', '-K', '2']);
    expect(keepaliveArgs('qemu+ssh://localhost/system')).toEqual(['-k', '2', '-K', '2']);
    expect(keepaliveArgs('qemu:///system')).toEqual([]);
    expect(keepaliveArgs('test:///default')).toEqual([]);
    expect(keepaliveArgs('qemu+unix:///system?socket=/x')).toEqual([]);
  });
});

describe('where the files are', () => {
  it('reads the SSH destination, port, key and host-key policy from the libvirt URI', () => {
    expect(sshTargetOf(`${URI}&command=/tmp/ssh-wrapper`)).toEqual({ destination: 'root@127.0.0.1', port: '2222', keyfile: '/tmp/k', noVerify: true, program: '/tmp/ssh-wrapper' });
    expect(sshTargetOf('qemu+ssh://hv1.example/system')).toEqual({ destination: 'hv1.example', port: null, keyfile: null, noVerify: false, program: 'ssh' });
    expect(sshTargetOf('qemu+ssh://hv1/system', '/keys/hv1')?.keyfile).toBe('/keys/hv1');
    expect(sshTargetOf('qemu+tls://hv1/system')).toBeNull();
    expect(hostFilesFor('qemu:///system').kind).toBe('local');
    expect(hostFilesFor(URI).kind).toBe('ssh');
    expect(hostFilesFor('qemu+tcp://hv1/system').kind).toBe('none');
    expect(hostFilesFor('test:///default').kind).toBe('none');
  });

  it('a host without SSH answers unknown, never with this machine\'s files', async () => {
    const files = hostFilesFor('qemu+tls://hv1/system');
    expect((await files.probe(['/etc/passwd'])).get('/etc/passwd')).toBeNull();
    expect(await files.freeBytes('/tmp/x.qcow2')).toBeNull();
    expect((await files.qemuImg(['info', '/etc/passwd'], { timeoutMs: 1000 })).notRun).toMatch(/not reachable/);
  });
});

describe('the hosts file', () => {
  it('round-trips through TOML, keeps the order, and refuses what it cannot use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vs-hosts-unit-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'virtsnap', 'hosts.toml');
    const env = { HOME: '/home/op' };
    addHost(file, { name: 'b', uri: 'qemu:///system', identity: null, readonly: false }, env);
    addHost(file, { name: 'a', uri: 'qemu+ssh://root@hv1/system', identity: '~/.ssh/hv1', readonly: true }, env);
    expect(readHostsFile(file, env)).toEqual([
      { name: 'b', uri: 'qemu:///system', identity: null, readonly: false },
      { name: 'a', uri: 'qemu+ssh://root@hv1/system', identity: '/home/op/.ssh/hv1', readonly: true },
    ]);
    expect(connectionUri(readHostsFile(file, env)[1]!)).toBe('qemu+ssh://root@hv1/system?keyfile=%2Fhome%2Fop%2F.ssh%2Fhv1');
    expect(() => addHost(file, { name: 'a', uri: 'qemu:///system', identity: null, readonly: false }, env)).toThrow(/already has a host named a/);
    expect(() => addHost(file, { name: 'c d', uri: 'qemu:///system', identity: null, readonly: false }, env)).toThrow(/letters, digits/);
    expect(() => addHost(file, { name: 'c', uri: 'hv1', identity: null, readonly: false }, env)).toThrow(/not a libvirt URI/);
    removeHost(file, 'b', env);
    expect(readHostsFile(file, env).map((h) => h.name)).toEqual(['a']);
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n[hosts.z]\nuri = "test:///default"\nreadonly = "yes"\n`);
    expect(() => readHostsFile(file, env)).toThrow(/host z: readonly must be true or false/);
  });
});

describe('a change the link dropped under, in the journal', () => {
  it('stays in doubt: resume checks the host before running it again, and never runs it twice', async () => {
    const { Journal } = await import('../../../src/engine/flows/journal.js');
    const { continueFlow, runFlow } = await import('../../../src/engine/flows/flow-run.js');
    const { StepMachine } = await import('../../../src/engine/flows/step-machine.js');
    type FlowPlan = import('../../../src/engine/flows/flow-plan.js').FlowPlan<{ sent: number; onHost: boolean }>;
    const journalDir = mkdtempSync(join(tmpdir(), 'vs-journal-unit-'));
    onTestFinished(() => rmSync(journalDir, { recursive: true, force: true }));
    const journal = new Journal(journalDir);
    const context = { sent: 0, onHost: false };
    const plan = (): FlowPlan => ({
      kind: 'test-create',
      title: 'create a snapshot',
      uri: URI,
      domain: 'd',
      params: {},
      machine: new StepMachine('test-create', [
        {
          id: 'create',
          title: 'create',
          commands: [],
          run: async (ctx) => {
            ctx.sent++;
            // libvirt did it, then the link dropped before the answer came back
            ctx.onHost = true;
            if (ctx.sent === 1) throw new ConnectionLostError(['snapshot-create-as'], URI, 'End of file while reading data');
          },
          check: async (ctx) => (ctx.onHost ? null : 'not there'),
        },
      ]),
      context,
      consequences: [],
      downtime: 'none',
      warnings: [],
      confirmation: { kind: 'choice' },
      refusal: null,
      filesLeft: [],
    });
    const first = await runFlow(plan(), { journal });
    expect(first.status).toBe('failed');
    const record = journal.flows().at(-1)!;
    expect(record.inDoubt).toBe('create');
    expect(record.failed?.message).toMatch(/not sent again/);
    const resumed = await continueFlow(plan(), record, { journal });
    expect(resumed.status).toBe('done');
    // found done on the host by its check: sent once in all
    expect(context.sent).toBe(1);
    expect(journal.flows().at(-1)!.events.some((e) => e.detail === 'found already done on the host when resuming')).toBe(true);
  });
});
