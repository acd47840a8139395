// Guided snapshots of a domain whose vda uses snapshot='manual', on real QEMU: confirmed (the
// "storage snapshot" here is a copy of the image made while the guest is paused), cancelled,
// and the process killed while the guest is paused, then recovered from the journal with
// `virtsnap resume`; and the --pause-only form for scripts. Checked with one-shot virsh.

import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import type { FlowPlan } from '../../src/engine/flows/flow-plan.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { runFlow } from '../../src/engine/flows/flow-run.js';
import { planManualSnapshot, type ManualSnapshotParams } from '../../src/engine/flows/manual-snapshot.js';
import { runCli } from './built-cli.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { guestWrite, readsPattern, snapshotNames } from './qemu-checks.js';


describeLab("snapshots with snapshot='manual' disks, guided (real QEMU)", () => {
  let lab: Lab;
  let host: Host;
  useLabHost((l, h) => {
    lab = l;
    host = h;
  });
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const domstate = async (name: string) => (await lab.virsh('domstate', name, '--reason')).stdout.trim();
  const virtsnap = (state: string, args: string[], env: Record<string, string> = {}) => runCli(state, ['-c', lab.uri, ...args], env);

  /** A running guest whose vda is snapshot='manual' in its definition. */
  async function manualGuest(): Promise<{ name: string; vda: string }> {
    const { name, disks } = await lab.newDomain({ running: false });
    const xml = (await lab.virsh('dumpxml', name, '--inactive')).stdout.replace("<disk type='file' device='disk'>", "<disk type='file' device='disk' snapshot='manual'>");
    expect(xml).toContain("snapshot='manual'");
    const file = join(tmp('vs-manual-xml-'), 'd.xml');
    writeFileSync(file, xml);
    expect((await lab.virsh('define', file)).exitCode).toBe(0);
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    return { name, vda: disks.vda };
  }

  it('confirmed: the guest is paused until the storage snapshot is taken, then runs; the snapshot keeps its memory', async () => {
    const g = await manualGuest();
    await guestWrite(lab, g.name, '0x41', '4M', '1M');
    const plan = await planManualSnapshot(host, { domain: g.name, name: 'man1' });
    expect(plan.refusal).toBeNull();
    const params = plan.params as ManualSnapshotParams;
    expect(params.plan.method).toBe('migrate');
    expect(params.plan.pause.kind).toBe('until-resumed');
    expect(params.manual).toEqual([{ target: 'vda', source: g.vda, type: 'file' }]);
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['snapshot', 'storage', 'resume', 'discard']);

    const storageCopy = join(tmp('vs-manual-'), 'vda.man1.qcow2');
    let seen: string[] = [];
    let stateDuring = '';
    plan.context.confirmStorage = async (lines) => {
      seen = lines;
      stateDuring = await domstate(g.name);
      // the "storage snapshot": a copy of the image while nothing writes to it
      copyFileSync(g.vda, storageCopy);
      return 'confirmed';
    };
    const out = await runFlow(plan as FlowPlan, { journal: new Journal(tmp('vs-manual-j-')) });
    expect(out.status, String(out.error)).toBe('done');
    expect(stateDuring).toBe('paused (creating snapshot)');
    expect(seen[0]).toBe(`${g.name} is PAUSED: its guest does not run until you confirm.`);
    expect(seen).toContain(`  vda: ${g.vda}`);
    expect(await domstate(g.name)).toBe('running (unpaused)');
    expect(await snapshotNames(lab, g.name)).toEqual(['man1']);
    const xml = (await lab.virsh('snapshot-dumpxml', g.name, 'man1')).stdout;
    expect(xml).toContain("<disk name='vda' snapshot='manual'/>");
    expect(xml).toContain(`<memory snapshot='external' file='${params.memoryFile!}'/>`);
    expect(existsSync(params.memoryFile!)).toBe(true);
    expect(await readsPattern(storageCopy, '0x41', '4M', '1M')).toBe(true);
  });

  it('cancelled: the guest runs again and the incomplete snapshot is discarded', async () => {
    const g = await manualGuest();
    const plan = await planManualSnapshot(host, { domain: g.name, name: 'man2' });
    const memory = (plan.params as ManualSnapshotParams).memoryFile!;
    plan.context.confirmStorage = async () => 'cancelled';
    const out = await runFlow(plan as FlowPlan, { journal: new Journal(tmp('vs-manual-j-')) });
    expect(out.status, String(out.error)).toBe('done');
    expect(out.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['snapshot:done', 'storage:done', 'resume:done', 'discard:done']);
    expect(await domstate(g.name)).toBe('running (unpaused)');
    expect(await snapshotNames(lab, g.name)).toEqual([]);
    expect(existsSync(memory)).toBe(false);
  });

  it('killed while the guest is paused: the journal reports it, and resume runs the remaining resume step', async () => {
    const g = await manualGuest();
    const state = tmp('vs-manual-state-');
    const killed = await virtsnap(state, ['manual-snapshot', g.name, 'man3', '--yes', '--then-resume'], { VIRTSNAP_TEST_KILL_DURING_STEP: 'storage' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(await domstate(g.name)).toBe('paused (creating snapshot)');

    const journal = JSON.parse((await virtsnap(state, ['journal', '--json'])).stdout) as { flows: { id: string; status: string; kind: string; done: string[]; inDoubt: string | null; remaining: string[] }[] };
    const flow = journal.flows[0]!;
    expect(flow).toMatchObject({ status: 'unfinished', kind: 'manual-snapshot', done: ['snapshot'], inDoubt: 'storage' });
    expect(flow.remaining).toContain('resume');
    // any command that opens the host says so first
    const list = await virtsnap(state, ['list']);
    expect(list.stderr).toContain(`unfinished flow ${flow.id} (manual-snapshot, ${g.name})`);

    const resumed = await virtsnap(state, ['resume', flow.id, '--yes', '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const events = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: string; event?: string; detail?: string | null });
    expect(events.find((e) => e.step === 'storage' && e.event === 'done')?.detail).toBe('found already done on the host when resuming');
    expect(events.some((e) => e.step === 'resume' && e.event === 'done')).toBe(true);
    expect(await domstate(g.name)).toBe('running (unpaused)');
    expect(await snapshotNames(lab, g.name)).toEqual(['man3']);
  });

  it('--pause-only for scripts: stops paused with the flow open; `resume ID --yes` resumes the guest', async () => {
    const g = await manualGuest();
    const state = tmp('vs-manual-state-');
    const refused = await virtsnap(state, ['manual-snapshot', g.name, 'man4', '--yes']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('add --pause-only');
    expect(await domstate(g.name)).toBe('running (booted)');

    const paused = await virtsnap(state, ['manual-snapshot', g.name, 'man4', '--yes', '--pause-only', '--json']);
    expect(paused.exitCode, paused.stderr).toBe(0);
    const result = JSON.parse(paused.stdout.trim().split('\n').at(-1)!) as { status: string; flowId: string };
    expect(result.status).toBe('paused');
    expect(await domstate(g.name)).toBe('paused (creating snapshot)');
    const resumed = await virtsnap(state, ['resume', result.flowId, '--yes']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(await domstate(g.name)).toBe('running (unpaused)');
    expect(await snapshotNames(lab, g.name)).toEqual(['man4']);
  });

  it("refuses a domain with no manual disk, and says how to name them", async () => {
    const { name } = await lab.newDomain();
    const plan = await planManualSnapshot(host, { domain: name });
    expect(plan.refusal).toMatch(/no disk of .* uses snapshot='manual'; name the disks to snapshot by hand with --disks/);
  });
});
