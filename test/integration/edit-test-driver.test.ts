// Snapshot editing on libvirt's test driver (the demo host): whole-XML edits through a scripted
// $EDITOR, description and current-mark edits, the malformed-XML and libvirt-refusal loops,
// read-only refusal, and rename. The test driver keeps state only inside one virsh process, so
// results are read back through the same Host session (snapshot-dumpxml, snapshot-list).

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { demoUri, openHost } from '../../src/engine/connect.js';
import { runEditor } from '../../src/engine/editor.js';
import { editDescription, setCurrentSnapshot } from '../../src/engine/flows/edit-operations.js';
import { runEditLoop, SnapshotEditSession, type EditProblem } from '../../src/engine/flows/edit-session.js';
import type { FlowPlan } from '../../src/engine/flows/flow-plan.js';
import { continueFlow, rollbackFlow, runFlow } from '../../src/engine/flows/flow-run.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { planRename, renamePlan, type RenameFlow } from '../../src/engine/flows/rename-flow.js';
import type { RenameParams } from '../../src/engine/flows/rename-plan.js';
import type { Host } from '../../src/engine/host.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';
import { ReadOnlyError } from '../../src/engine/virsh/errors.js';

const DOMAIN = 'web-01';

let scripts: string;
let journal: Journal;
beforeAll(() => {
  scripts = mkdtempSync(join(tmpdir(), 'vs-edit-scripts-'));
  journal = new Journal(join(scripts, 'state'));
});
afterAll(() => rmSync(scripts, { recursive: true, force: true }));

/** Runs a rename plan journaled into this file's own journal. */
const runRename = (flow: RenameFlow, signal?: AbortSignal) => runFlow(flow as FlowPlan, { journal, signal });

/** An executable non-interactive editor: a shell script that edits "$1". */
function editorScript(name: string, body: string): string {
  const path = join(scripts, name);
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const scripted = (path: string) => (file: string) => runEditor(file, { editor: path, env: { PATH: process.env.PATH } });

async function xmlOf(host: Host, snapshot: string): Promise<string> {
  return (await host.run(virshCommands.snapshotXml(DOMAIN, snapshot))).stdout;
}

async function parents(host: Host): Promise<Record<string, string | null>> {
  return Object.fromEntries((await host.listSnapshots(DOMAIN)).map((s) => [s.name, s.parent]));
}

describe('snapshot editing on the test driver', () => {
  let host: Host;
  beforeAll(() => {
    host = openHost({ uri: demoUri() });
  });
  afterAll(() => host.close());

  it('edits the description through a scripted $EDITOR, keeping everything else', async () => {
    const snap = 'before upgrade';
    const before = await xmlOf(host, snap);
    const treeBefore = await parents(host);
    const current = await host.currentSnapshotName(DOMAIN);
    const editor = editorScript('describe.sh', `sed -i 's|<description>.*</description>|<description>edited by script \\&amp; sed</description>|' "$1"`);
    const session = await SnapshotEditSession.open(host, DOMAIN, snap);
    const outcome = await runEditLoop(session, { editor: scripted(editor), decide: async () => 'discard' });
    expect(outcome).toEqual({ kind: 'applied', unchanged: false });
    expect(existsSync(session.file)).toBe(false);

    const after = await xmlOf(host, snap);
    expect((await host.snapshot(DOMAIN, snap)).detail.description).toBe('edited by script & sed');
    // only the description line differs
    const diff = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(diff).toEqual(['  <description>edited by script &amp; sed</description>']);
    expect(await parents(host)).toEqual(treeBefore);
    expect(await host.currentSnapshotName(DOMAIN)).toBe(current);
  });

  it('sets, clears and leaves a description, keeping the current mark on the current snapshot', async () => {
    const current = (await host.currentSnapshotName(DOMAIN))!;
    expect(await editDescription(host, DOMAIN, current, 'new <words> "quoted"')).toMatchObject({ changed: true });
    expect((await host.snapshot(DOMAIN, current)).detail.description).toBe('new <words> "quoted"');
    expect(await host.currentSnapshotName(DOMAIN)).toBe(current);
    expect(await editDescription(host, DOMAIN, current, 'new <words> "quoted"')).toEqual({ changed: false, previous: 'new <words> "quoted"' });
    expect(await editDescription(host, DOMAIN, current, '')).toMatchObject({ changed: true });
    expect((await host.snapshot(DOMAIN, current)).detail.description).toBeNull();
    expect(await xmlOf(host, current)).not.toContain('<description>');
  });

  it('makes another snapshot current', async () => {
    const before = await host.currentSnapshotName(DOMAIN);
    expect(before).not.toBe('fresh-install');
    await setCurrentSnapshot(host, DOMAIN, 'fresh-install');
    expect(await host.currentSnapshotName(DOMAIN)).toBe('fresh-install');
    expect((await host.run(virshCommands.snapshotInfo(DOMAIN, 'fresh-install'))).stdout).toMatch(/Current:\s+yes/);
  });

  it('keeps malformed text across a re-edit, then applies the fixed text', async () => {
    const snap = 'nginx configured';
    // first run: the operator types new text and breaks a closing tag; second run: fixes the tag only
    const editor = editorScript(
      'break-then-fix.sh',
      `if grep -q '</descriptio>' "$1"; then sed -i 's|</descriptio>|</description>|' "$1"; else sed -i 's|<description>.*</description>|<description>typed by hand</descriptio>|' "$1"; fi`,
    );
    const session = await SnapshotEditSession.open(host, DOMAIN, snap);
    const problems: EditProblem[] = [];
    const textsSeen: string[] = [];
    const outcome = await runEditLoop(session, {
      editor: scripted(editor),
      decide: async (problem, s) => {
        problems.push(problem);
        textsSeen.push(s.text, readFileSync(s.file, 'utf8'));
        return 're-edit';
      },
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'malformed', line: 3 });
    expect(problems[0]!.message).toMatch(/line 3, column \d+/);
    expect(textsSeen[0]).toContain('<description>typed by hand</descriptio>');
    expect(textsSeen[1]).toBe(textsSeen[0]);
    expect(outcome).toEqual({ kind: 'applied', unchanged: false });
    expect((await host.snapshot(DOMAIN, snap)).detail.description).toBe('typed by hand');
  });

  it("shows libvirt's message when it refuses the redefine, and discarding changes nothing", async () => {
    const snap = 'after upgrade';
    const before = await xmlOf(host, snap);
    const editor = editorScript('bad-parent.sh', `sed -i 's|<name>before upgrade</name>|<name>no such parent</name>|' "$1"`);
    const session = await SnapshotEditSession.open(host, DOMAIN, snap);
    const problems: EditProblem[] = [];
    const outcome = await runEditLoop(session, {
      editor: scripted(editor),
      decide: async (problem) => {
        problems.push(problem);
        expect(readFileSync(session.file, 'utf8')).toContain('no such parent');
        return 'discard';
      },
    });
    expect(problems[0]).toMatchObject({ kind: 'rejected' });
    expect(problems[0]!.message).toMatch(/parent no such parent .* not found/);
    expect(outcome.kind).toBe('discarded');
    expect(existsSync(session.file)).toBe(false);
    expect(await xmlOf(host, snap)).toBe(before);
  });

  it('refuses a changed <name> and XML outside the schema, keeping the text', async () => {
    const renameEditor = editorScript('rename-in-xml.sh', `sed -i '2s|<name>.*</name>|<name>other</name>|' "$1"`);
    const session = await SnapshotEditSession.open(host, DOMAIN, 'fresh-install');
    const first = await session.edit(scripted(renameEditor));
    expect(first).toMatchObject({ ok: false, problem: { kind: 'renamed' } });
    const unknownEditor = editorScript('unknown.sh', `sed -i '2s|<name>.*</name>|<name>fresh-install</name><bogus/>|' "$1"`);
    const second = await session.edit(scripted(unknownEditor));
    expect(second).toMatchObject({ ok: false, problem: { kind: 'schema' } });
    expect(session.text).toContain('<bogus/>');
    await session.discard();
    expect((await host.listSnapshots(DOMAIN)).map((s) => s.name)).not.toContain('other');
  });

  it('refuses to rename an internal snapshot unless forced; forced, children stay attached', async () => {
    const refused = await planRename(host, { domain: DOMAIN, from: 'php 8.3 experiment', to: 'php83' });
    expect(refused.refusal).toMatch(/internal snapshot.*qcow2 tag.*shut off \(failed\).*--force/);
    await expect(runRename(refused)).rejects.toThrow(/internal snapshot/);
    expect(await parents(host)).toMatchObject({ 'php 8.3 experiment': 'before upgrade' });
    // planning writes nothing: the steps write their own files when they run
    expect(existsSync(refused.params.workDir)).toBe(false);

    const flow = await planRename(host, { domain: DOMAIN, from: 'php 8.3 experiment', to: 'php 8.3 → dropped', force: true });
    expect(flow.warnings.join('\n')).toMatch(/test driver: it refuses `snapshot-delete --metadata`/);
    expect(flow.machine.plan().map((s) => s.id)).toEqual(['redefine-new', 'repoint-child:php rollback point', 'forget-old', 'verify']);
    const result = await runRename(flow);
    expect(result.status).toBe('done');
    expect(journal.find(result.flowId)?.end?.status).toBe('done');
    expect(existsSync(flow.params.workDir)).toBe(false);
    const tree = await parents(host);
    expect(tree['php 8.3 experiment']).toBeUndefined();
    expect(tree['php 8.3 → dropped']).toBe('before upgrade');
    expect(tree['php rollback point']).toBe('php 8.3 → dropped');
  });

  it('renames an external current snapshot and keeps it current', async () => {
    await setCurrentSnapshot(host, DOMAIN, 'tls-renewal');
    const flow = await planRename(host, { domain: DOMAIN, from: 'tls-renewal', to: 'tls renewal (ecdsa)' });
    expect(flow.refusal).toBeNull();
    const result = await runRename(flow);
    expect(result.status).toBe('done');
    expect(await host.currentSnapshotName(DOMAIN)).toBe('tls renewal (ecdsa)');
    expect((await parents(host))['tls renewal (ecdsa)']).toBe('after upgrade');
  });

  it('a rename stopped after its first step is unfinished in the journal; resumed from its params it completes', async () => {
    const flow = await planRename(host, { domain: 'dev-sandbox', from: 'clean', to: 'clean-v2', force: true });
    const controller = new AbortController();
    flow.machine.subscribe((s) => {
      if (s.steps[0]!.status === 'done') controller.abort(new Error('stop'));
    });
    const result = await runRename(flow, controller.signal);
    expect(result.status).toBe('stopped');
    expect(result.unfinished).toBe(true);
    expect(result.steps.map((s) => s.status)).toEqual(['done', 'pending', 'pending', 'pending', 'pending']);
    expect(result.leftState).toMatch(/both 'clean' and 'clean-v2' exist; the children still hang under 'clean'/);
    const listed = Object.fromEntries((await host.listSnapshots('dev-sandbox')).map((s) => [s.name, s.parent]));
    expect(listed).toEqual({ clean: null, 'clean-v2': null, 'with node 22': 'clean', 'with rust': 'clean' });
    expect(readFileSync(flow.files.original, 'utf8')).toContain('<name>clean</name>');

    const record = journal.unfinished(host.uri).find((f) => f.id === result.flowId)!;
    expect(record.done).toEqual(['redefine-new']);
    expect(record.remaining).toEqual(['repoint-child:with node 22', 'repoint-child:with rust', 'forget-old', 'verify']);
    // the scratch files may be gone (a reboot): the params rebuild the same steps and rewrite them
    rmSync(flow.params.workDir, { recursive: true, force: true });
    const rebuilt = renamePlan(host, record.begin.params as RenameParams);
    const resumed = await continueFlow(rebuilt as FlowPlan, record, { journal });
    expect(resumed.status).toBe('done');
    expect(resumed.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(journal.find(result.flowId)?.end?.status).toBe('done');
    const after = Object.fromEntries((await host.listSnapshots('dev-sandbox')).map((s) => [s.name, s.parent]));
    expect(after).toEqual({ 'clean-v2': null, 'with node 22': 'clean-v2', 'with rust': 'clean-v2' });
  });

  it('a rename stopped half-way rolls back through its undos, newest first', async () => {
    await setCurrentSnapshot(host, DOMAIN, 'before upgrade');
    const before = await parents(host);
    const flow = await planRename(host, { domain: DOMAIN, from: 'before upgrade', to: 'pre-upgrade', force: true });
    const controller = new AbortController();
    flow.machine.subscribe((s) => {
      if (s.steps[1]!.status === 'done') controller.abort(new Error('stop'));
    });
    const result = await runRename(flow, controller.signal);
    expect(result.status).toBe('stopped');
    expect((await parents(host))['pre-upgrade']).toBe('nginx configured');
    const record = journal.find(result.flowId)!;
    const firstChild = flow.machine.plan()[1]!.id;
    expect(firstChild).toMatch(/^repoint-child:/);
    expect(record.done).toEqual(['redefine-new', firstChild]);
    const back = await rollbackFlow(renamePlan(host, record.begin.params as RenameParams) as FlowPlan, record, { journal });
    expect(back.status).toBe('rolled-back');
    expect(back.journal.filter((e) => e.event === 'undo-done').map((e) => e.step)).toEqual([firstChild, 'redefine-new']);
    expect(journal.find(result.flowId)?.end?.status).toBe('rolled-back');
    expect(await parents(host)).toEqual(before);
    expect(await host.currentSnapshotName(DOMAIN)).toBe('before upgrade');
    expect(existsSync(flow.params.workDir)).toBe(false);
  });

  it('refuses renames onto an existing name, to the same name, or of a missing snapshot', async () => {
    await expect(planRename(host, { domain: DOMAIN, from: 'fresh-install', to: 'nginx configured' })).rejects.toThrow(/already has a snapshot named 'nginx configured'/);
    await expect(planRename(host, { domain: DOMAIN, from: 'fresh-install', to: 'fresh-install' })).rejects.toThrow(/already named/);
    await expect(planRename(host, { domain: DOMAIN, from: 'nope', to: 'x' })).rejects.toThrow(/no snapshot named 'nope'/);
  });

  it('refuses new names that create refuses too: a slash, a leading dot, a control character, a too long name', async () => {
    await expect(planRename(host, { domain: DOMAIN, from: 'fresh-install', to: 'a/b' })).rejects.toThrow(/can't contain '\/'/);
    await expect(planRename(host, { domain: DOMAIN, from: 'fresh-install', to: '.hidden' })).rejects.toThrow(/can't start with '\.'/);
    await expect(planRename(host, { domain: DOMAIN, from: 'fresh-install', to: 'a\nb' })).rejects.toThrow(/control character/);
    await expect(planRename(host, { domain: DOMAIN, from: 'fresh-install', to: 'x'.repeat(300) })).rejects.toThrow(/at most 255 bytes/);
    // the tree is as it was
    expect((await host.listSnapshots(DOMAIN)).map((s) => s.name)).toContain('fresh-install');
  });
});

describe('read-only connections', () => {
  let host: Host;
  beforeAll(() => {
    host = openHost({ uri: demoUri(), readonly: true });
  });
  afterAll(() => host.close());

  it('refuse every edit before running anything', async () => {
    await expect(SnapshotEditSession.open(host, DOMAIN, 'fresh-install')).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(editDescription(host, DOMAIN, 'fresh-install', 'x')).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(setCurrentSnapshot(host, DOMAIN, 'fresh-install')).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(planRename(host, { domain: DOMAIN, from: 'fresh-install', to: 'y' })).rejects.toBeInstanceOf(ReadOnlyError);
    expect(host.runner.log.list()).toEqual([]);
  });
});

describe('virtsnap edit (in-process CLI)', () => {
  const kept: string[] = [];
  afterEach(() => {
    for (const path of kept.splice(0)) rmSync(path, { recursive: true, force: true });
  });

  async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      isTty: false,
      env: { PATH: process.env.PATH, ...env },
    });
    return { code, stdout, stderr };
  }

  it('without a terminal or $EDITOR, refuses an XML edit and names the editor-free options', async () => {
    const r = await cli(['edit', '--demo', DOMAIN, 'fresh-install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a terminal.*--description TEXT, --current or --rename NEW/);
  });

  const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('an XML edit on a pipe without --yes refuses with exit 2 before the editor runs', async () => {
    const marker = join(scripts, 'editor-ran');
    const editor = editorScript('cli-marker.sh', `touch '${marker}'`);
    const r = await cli(['edit', '--demo', DOMAIN, 'nginx configured'], { EDITOR: editor });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not run: there is no terminal to confirm on; add --yes/);
    expect(existsSync(marker)).toBe(false);
  });

  it('with --yes and no terminal, malformed XML exits 2 and leaves the text in the file it names', async () => {
    const editor = editorScript('cli-break.sh', `sed -i 's|<description>.*</description>|<description>lost?</descriptio>|' "$1"`);
    const r = await cli(['edit', '--demo', DOMAIN, 'nginx configured', '--yes'], { EDITOR: editor });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Malformed XML at line 3, column \d+/);
    const file = /your text is kept in (\S+\.xml)/.exec(r.stderr)?.[1];
    expect(file).toBeDefined();
    kept.push(join(file!, '..'));
    expect(readFileSync(file!, 'utf8')).toContain('<description>lost?</descriptio>');
  });

  it('on a pipe without --yes, a description, current or rename edit refuses with exit 2 and runs nothing', async () => {
    for (const args of [
      ['--description', 'base'],
      ['--current'],
      ['--rename', 'base', '--force'],
    ]) {
      const r = await cli(['edit', '--demo', DOMAIN, 'fresh-install', ...args, '--json']);
      expect(r.code).toBe(2);
      const lines = jsonLines(r.stdout);
      expect(lines.map((l) => l.type)).toEqual(['plan']);
      expect(r.stderr).toMatch(/not run: there is no terminal to confirm on; add --yes/);
    }
  });

  it('--dry-run --json prints the plan as JSON and exits 0', async () => {
    const r = await cli(['edit', '--demo', DOMAIN, 'tls-renewal', '--rename', 'tls-x', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const [plan, ...rest] = jsonLines(r.stdout);
    expect(rest).toEqual([]);
    expect(plan).toMatchObject({ type: 'plan', kind: 'rename', domain: DOMAIN, refusal: null });
    const steps = plan!.steps as { id: string; commands: string[][]; undo: { title: string } | null }[];
    expect(steps.map((s) => s.id)).toEqual(['redefine-new', 'forget-old', 'verify']);
    expect(steps[0]!.commands[0]).toEqual(['virsh', 'snapshot-create', `--domain=${DOMAIN}`, expect.stringMatching(/^--xmlfile=\S+new-tls-x\.xml$/), '--redefine', '--current']);
    expect(steps[0]!.undo?.title).toMatch(/forget 'tls-x' again/);
  });

  it('sets a description and the current mark in one redefine with --yes; the step checks the host', async () => {
    const r = await cli(['edit', '--demo', DOMAIN, 'fresh-install', '--description', 'base', '--current', '--json', '--yes']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toMatchObject({ type: 'plan', kind: 'description' });
    expect(lines.filter((l) => l.type === 'step').map((l) => `${String(l.step)}:${String(l.event)}`)).toEqual(['redefine:started', 'redefine:done']);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done', unfinished: false });
  });

  it('an unchanged description is reported and nothing runs', async () => {
    const r = await cli(['edit', '--demo', DOMAIN, 'tls-renewal', '--description', 'before switching to ECDSA certificates']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Description of 'tls-renewal' unchanged.\n");
  });

  it('refuses an internal snapshot rename with exit 2, printing the plan', async () => {
    const r = await cli(['edit', '--demo', DOMAIN, 'fresh-install', '--rename', 'base']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Rename “fresh-install” to “base” in web-01");
    expect(r.stdout).toMatch(/virsh -c \S+ snapshot-create --domain=web-01 --xmlfile=\S+ --redefine/);
    expect(r.stderr).toMatch(/refused: cannot rename 'fresh-install': it is an internal snapshot/);
  });

  it('refuses a rename to the same name or a name taken with exit 2', async () => {
    const same = await cli(['edit', '--demo', DOMAIN, 'tls-renewal', '--rename', 'tls-renewal', '--yes']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/already named 'tls-renewal'/);
    const taken = await cli(['edit', '--demo', DOMAIN, 'tls-renewal', '--rename', 'fresh-install', '--yes']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/already has a snapshot named 'fresh-install'/);
  });

  it('renames with --force --yes on the test driver', async () => {
    const r = await cli(['edit', '--demo', DOMAIN, 'nginx configured', '--rename', 'nginx ok', '--force', '--json', '--yes']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.type === 'step' && l.event === 'done').map((l) => l.step)).toEqual([
      'redefine-new',
      'repoint-child:before upgrade',
      'forget-old',
      'verify',
    ]);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done' });
  });

  it('refuses on a read-only connection with exit 2', async () => {
    const r = await cli(['edit', '--demo', '-r', DOMAIN, 'fresh-install', '--description', 'x', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/read-only/);
  });
});
