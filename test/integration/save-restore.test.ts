// save / restore / managedsave (and --remove) with the built CLI on real QEMU, each checked with
// one-shot virsh: domstate --reason and dominfo's "Managed save". `npm run build` first.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './built-cli.js';
import { describeLab, startLab, type Lab } from './lab.js';
import { guestWrite, readsPattern } from './qemu-checks.js';


describeLab('save, restore and managed save (real QEMU, the built CLI)', () => {
  let lab: Lab;
  const dirs: string[] = [];
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const state = () => tmp('vs-save-state-');
  const virtsnap = (st: string, args: string[]) => runCli(st, ['-c', lab.uri, ...args]);
  const domstate = async (name: string) => (await lab.virsh('domstate', name, '--reason')).stdout.trim();
  const managedSave = async (name: string) => /Managed save:\s+(\S+)/.exec((await lab.virsh('dominfo', name)).stdout)?.[1];

  it('save stops the domain into a file, restore continues it; the plan says what is kept and by whom', async () => {
    const { name, disks } = await lab.newDomain();
    await guestWrite(lab, name, '0x71', '8M', '1M');
    const st = state();
    const file = join(tmp('vs-save-'), `${name}.sav`);
    const dry = await virtsnap(st, ['save', name, file, '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('Only memory is saved: keep the disks unchanged until the restore');
    expect(dry.stdout).toContain(`you keep ${file} (libvirt does not track it; it does not appear in the snapshot tree)`);
    expect(await domstate(name)).toBe('running (booted)');

    const started = Date.now();
    const saved = await virtsnap(st, ['save', name, file, '--yes']);
    const saveMs = Date.now() - started;
    expect(saved.exitCode, saved.stderr).toBe(0);
    expect(await domstate(name)).toBe('shut off (saved)');
    expect(existsSync(file)).toBe(true);
    expect(await managedSave(name)).toBe('no');
    // a second save to the same file is refused before anything runs
    expect((await virtsnap(st, ['save', name, file, '--yes'])).exitCode).toBe(2);

    const restored = await virtsnap(st, ['restore', file, '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`Restored ${name} from ${file}`);
    expect(await domstate(name)).toBe('running (restored)');
    expect(await readsPattern(disks.vda, '0x71', '8M', '1M')).toBe(true);
    // restoring a running domain is refused
    const again = await virtsnap(st, ['restore', file, '--yes']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('it already runs');
    console.log(`[measured] save of a 128 MiB TCG guest: ${saveMs} ms (CLI process included)`);
  });

  it('managedsave: libvirt keeps the image, the next start resumes; --remove drops it after a typed confirmation', async () => {
    const { name } = await lab.newDomain();
    const st = state();
    const saved = await virtsnap(st, ['managedsave', name, '--yes', '--json']);
    expect(saved.exitCode, saved.stderr).toBe(0);
    const plan = JSON.parse(saved.stdout.split('\n')[0]!) as { kind: string; consequences: string[] };
    expect(plan.kind).toBe('managedsave');
    expect(plan.consequences.join('\n')).toContain('its next start (virsh start, autostart after a host reboot) resumes it');
    expect(await domstate(name)).toBe('shut off (saved)');
    expect(await managedSave(name)).toBe('yes');

    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    expect(await domstate(name)).toBe('running (restored)');
    expect(await managedSave(name)).toBe('no');

    expect((await virtsnap(st, ['managedsave', name, '--yes'])).exitCode).toBe(0);
    const removePlan = await virtsnap(st, ['managedsave', name, '--remove', '--dry-run', '--json']);
    expect(JSON.parse(removePlan.stdout.split('\n')[0]!)).toMatchObject({ kind: 'managedsave-remove', confirmation: { kind: 'type-name', text: name } });
    const removed = await virtsnap(st, ['managedsave', name, '--remove', '--yes']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(await managedSave(name)).toBe('no');
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    expect(await domstate(name)).toBe('running (booted)');
    // nothing to remove now
    const none = await virtsnap(st, ['managedsave', name, '--remove', '--yes']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('has no managed save image');
  });
});
