// The lab itself: a private libvirtd comes up, runs real TCG QEMU domains on their own disks,
// and leaves nothing behind when stopped.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, pidAlive, startLab, type Lab } from './lab.js';

interface QemuImgInfo {
  format: string;
  'virtual-size': number;
  filename: string;
}

async function qemuImgInfo(file: string): Promise<QemuImgInfo> {
  // -U: the running QEMU holds the image lock
  const r = await execa('qemu-img', ['info', '-U', '--output=json', file]);
  return JSON.parse(r.stdout) as QemuImgInfo;
}

describeLab('private libvirt lab', () => {
  let lab: Lab | undefined;
  const stopLab = async (): Promise<void> => {
    await lab?.stop();
  };

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(stopLab);

  it('serves a private socket URI with a live libvirtd', async () => {
    const l = lab!;
    expect(l.uri).toBe(`qemu:///system?socket=${l.dir}/libvirt-sock`);
    expect(l.dir).toMatch(/^\/tmp\/vsl-/);
    const pid = l.pids().libvirtd;
    expect(pid).toBeTypeOf('number');
    expect(pidAlive(pid!)).toBe(true);
    const uri = await l.virsh('uri');
    expect(uri).toEqual({ stdout: l.uri, stderr: '', exitCode: 0 });
  });

  it('creates running domains with their own qcow2 disks', async () => {
    const l = lab!;
    const a = await l.newDomain();
    const b = await l.newDomain({ running: false });
    expect(a.name).not.toBe(b.name);
    expect(a.disks.vda).not.toBe(b.disks.vda);

    const list = await l.virsh('list', '--all', '--name');
    expect(list.exitCode).toBe(0);
    expect(list.stdout.split('\n').sort()).toEqual([a.name, b.name].sort());
    expect((await l.virsh('domstate', a.name)).stdout).toBe('running');
    expect((await l.virsh('domstate', b.name)).stdout).toBe('shut off');

    const running = await l.virsh('list');
    expect(running.stdout).toMatch(new RegExp(`^\\s*\\d+\\s+${a.name}\\s+running$`, 'm'));
    expect(running.stdout).not.toContain(b.name);

    const blk = await l.virsh('domblklist', a.name);
    const rows = blk.stdout.split('\n').map((line) => line.trim().split(/\s+/));
    expect(rows).toEqual([
      ['vda', a.disks.vda],
      ['vdb', a.disks.vdb],
    ]);

    const vda = await qemuImgInfo(a.disks.vda);
    const vdb = await qemuImgInfo(a.disks.vdb);
    expect(vda).toMatchObject({ format: 'qcow2', 'virtual-size': 128 * 1024 * 1024 });
    expect(vdb).toMatchObject({ format: 'qcow2', 'virtual-size': 64 * 1024 * 1024 });

    const qemu = l.pids().qemu[a.name];
    expect(qemu).toBeTypeOf('number');
    expect(pidAlive(qemu!)).toBe(true);
    expect(l.pids().qemu[b.name]).toBeUndefined();
  });

  it('takes a real internal snapshot of a running TCG guest', async () => {
    const l = lab!;
    const { name, disks } = await l.newDomain({ name: 'snapme', fillMiB: 8 });
    const created = await l.virsh('snapshot-create-as', name, 'first one', 'made by lab.test');
    expect(created).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await l.virsh('snapshot-list', name, '--name')).stdout).toBe('first one');
    const img = await execa('qemu-img', ['snapshot', '-U', '-l', disks.vda]);
    expect(img.stdout).toContain('first one');
    expect((await qemuImgInfo(disks.vda))['virtual-size']).toBe(128 * 1024 * 1024);
  });

  it('refuses a second domain with the same name', async () => {
    await expect(lab!.newDomain({ name: 'snapme' })).rejects.toThrow(/already exists/);
  });

  it('stops only its own processes and leaves nothing running', async () => {
    const l = lab!;
    const before = l.pids();
    const recorded = [before.libvirtd!, ...Object.values(before.qemu)];
    expect(recorded.length).toBeGreaterThanOrEqual(3);
    recorded.forEach((pid) => expect(pidAlive(pid)).toBe(true));

    await l.stop();

    recorded.forEach((pid) => expect(pidAlive(pid), `pid ${pid} still alive`).toBe(false));
    expect(existsSync(l.dir)).toBe(false);
    await l.stop(); // idempotent
  });
});
