// `virtsnap journal` and `virtsnap resume` as processes (the built CLI) on a journal of their
// own (XDG_STATE_HOME), holding flows on the demo host written the way the runner writes them:
// the listing, the notices commands print, usage errors, --dry-run, --resolve, and a resumed
// flow that finishes. `npm run build` first.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUri, openHost } from '../../src/engine/connect.js';
import { Journal, newFlowId } from '../../src/engine/flows/journal.js';
import { planCurrent } from '../../src/engine/flows/metadata-flows.js';
import { runFlow } from '../../src/engine/flows/flow-run.js';
import type { FlowPlan } from '../../src/engine/flows/flow-plan.js';
import type { Host } from '../../src/engine/host.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describe('virtsnap journal and resume (the built CLI, the demo host)', () => {
  let state: string;
  let journal: Journal;
  let host: Host;
  /** An unfinished `current` flow with its only step in doubt. */
  let inDoubt: string;
  /** An unfinished `current` flow that never started a step. */
  let notStarted: string;
  let finished: string;

  const virtsnap = (args: string[]) => execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', env: { XDG_STATE_HOME: state, NO_COLOR: '1' } });

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'vs-journal-cli-'));
    journal = new Journal(join(state, 'virtsnap'));
    host = openHost({ uri: demoUri() });
    const done = await runFlow((await planCurrent(host, { domain: 'db-primary', snapshot: (await host.listSnapshots('db-primary')).find((s) => !s.current)!.name })) as FlowPlan, { journal });
    expect(done.status).toBe('done');
    finished = done.flowId;

    const plan = await planCurrent(host, { domain: 'web-01', snapshot: 'fresh-install' });
    inDoubt = newFlowId(new Date(Date.now() + 1000));
    journal.begin({ id: inDoubt, uri: plan.uri, domain: plan.domain, kind: plan.kind, title: plan.title, params: plan.params, steps: plan.machine.plan() });
    journal.step(inDoubt, { at: new Date().toISOString(), flow: 'current', step: 'set-current', event: 'started', detail: null });

    const other = await planCurrent(host, { domain: 'web-01', snapshot: 'nginx configured' });
    notStarted = newFlowId(new Date(Date.now() + 2000));
    journal.begin({ id: notStarted, uri: other.uri, domain: other.domain, kind: other.kind, title: other.title, params: other.params, steps: other.machine.plan() });
  });

  afterAll(async () => {
    await host?.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('lists the flows with their status, steps and the journal path', async () => {
    const r = await virtsnap(['journal', '--json']);
    expect(r.exitCode).toBe(0);
    const listed = JSON.parse(r.stdout) as { path: string; flows: { id: string; status: string; done: string[]; remaining: string[]; inDoubt: string | null; uri: string; kind: string }[] };
    expect(listed.path).toBe(journal.path);
    expect(listed.flows.map((f) => [f.id, f.status])).toEqual([
      [finished, 'done'],
      [inDoubt, 'unfinished'],
      [notStarted, 'unfinished'],
    ]);
    expect(listed.flows[1]).toMatchObject({ kind: 'current', uri: demoUri(), done: [], remaining: ['set-current'], inDoubt: 'set-current' });

    const text = await virtsnap(['journal']);
    expect(text.stdout.split('\n')[0]).toBe(`Journal: ${journal.path}`);
    expect(text.stdout).toContain(`${inDoubt}  unfinished  current  web-01  (${demoUri()})`);
    expect(text.stdout).toContain('in doubt (started, never recorded as finished): 1. make \'fresh-install\' the current snapshot');
  });

  it('commands that open the host print one line per unfinished flow on it; tree and other hosts do not', async () => {
    const list = await virtsnap(['list', '--demo']);
    expect(list.exitCode).toBe(0);
    const notices = list.stderr.split('\n').filter((l) => l.includes('unfinished flow'));
    expect(notices).toEqual([
      `virtsnap: unfinished flow ${inDoubt} (current, web-01): 0 of 1 steps done; \`virtsnap resume ${inDoubt}\` continues it, \`--rollback\` undoes it, \`virtsnap journal\` shows it`,
      `virtsnap: unfinished flow ${notStarted} (current, web-01): 0 of 1 steps done; \`virtsnap resume ${notStarted}\` continues it, \`--rollback\` undoes it, \`virtsnap journal\` shows it`,
    ]);
    expect((await virtsnap(['tree', '--demo', 'web-01'])).stderr).toBe('');
    expect((await virtsnap(['list', '-c', 'test:///default'])).stderr).not.toContain('unfinished flow');
  });

  it('usage errors exit 2: an unknown id, a short or shared prefix, another host, --rollback with --resolve, an ended flow', async () => {
    const unknown = await virtsnap(['resume', 'no-such-flow']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain(`no flow no-such-flow in the journal ${journal.path}`);
    const shared = await virtsnap(['resume', inDoubt.slice(0, 4)]);
    expect(shared.exitCode).toBe(2);
    expect(shared.stderr).toMatch(/3 flows start with|no flow/);
    const elsewhere = await virtsnap(['resume', inDoubt, '-c', 'test:///default', '--yes']);
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toContain(`ran on ${demoUri()}, not on test:///default`);
    expect((await virtsnap(['resume', inDoubt, '--rollback', '--resolve'])).exitCode).toBe(2);
    const ended = await virtsnap(['resume', finished, '--yes']);
    expect(ended.exitCode).toBe(2);
    expect(ended.stderr).toContain('ended done');
    expect(JSON.parse((await virtsnap(['journal', '--json'])).stdout).flows[1].status).toBe('unfinished');
  });

  it('--dry-run shows what is done, in doubt and remaining, and the plan; without --yes it refuses', async () => {
    const dry = await virtsnap(['resume', inDoubt, '--dry-run', '--demo']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/in doubt: {2}1\. make 'fresh-install' the current snapshot of 'web-01'\n +\(checked on the host first/);
    expect(dry.stdout).toContain("Make “fresh-install” the current snapshot of web-01");
    expect(dry.stdout).toContain('virsh -c');
    const refused = await virtsnap(['resume', inDoubt]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/no terminal to confirm on/);
  });

  it('resume --yes checks the step in doubt on the host, runs it, and ends the flow', async () => {
    const r = await virtsnap(['resume', inDoubt, '--yes', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: string; event?: string; status?: string });
    expect(lines[0]).toMatchObject({ type: 'flow', id: inDoubt, action: 'continue' });
    expect(lines.filter((l) => l.type === 'step').map((l) => `${l.step}:${l.event}`)).toEqual(['set-current:started', 'set-current:done']);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done', flowId: inDoubt });
    expect(journal.find(inDoubt)?.end?.status).toBe('done');
  });

  it('--resolve stops reporting a flow without touching any host', async () => {
    const r = await virtsnap(['resume', notStarted.slice(0, -1), '--resolve']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Flow ${notStarted} marked resolved`);
    expect(journal.find(notStarted)?.end?.status).toBe('resolved');
    expect((await virtsnap(['list', '--demo'])).stderr).not.toContain('unfinished flow');
    const all = JSON.parse((await virtsnap(['journal', '--json', '--all'])).stdout) as { flows: { status: string }[] };
    expect(all.flows.map((f) => f.status)).toEqual(['done', 'done', 'resolved']);
  });
});
