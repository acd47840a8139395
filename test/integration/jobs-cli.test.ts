// The built `virtsnap commit/pull` as processes on real QEMU guests: output without a terminal,
// and Ctrl-C (SIGINT) without a terminal, which aborts the job. `npm run build` first.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describeLab, startLab, type Lab } from './lab.js';

const BIN = fileURLToPath(new URL('../../dist/src/bin.js', import.meta.url));

async function guestWrite(lab: Lab, domain: string, pattern: string, offset: string, length: string): Promise<void> {
  const r = await lab.virsh(
    'qemu-monitor-command',
    domain,
    '--hmp',
    `qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "write -P ${pattern} ${offset} ${length}"`,
  );
  expect(r.stdout).not.toMatch(/Error/i);
}

async function externalSnapshot(lab: Lab, domain: string, name: string): Promise<string> {
  const file = `${lab.dir}/img/${domain}-vda.${name}.qcow2`;
  const r = await lab.virsh('snapshot-create-as', domain, name, '--disk-only', '--atomic', '--diskspec', `vda,snapshot=external,file=${file}`, '--diskspec', 'vdb,snapshot=no');
  expect(r.stderr).toBe('');
  return file;
}

async function qemuImgChain(image: string): Promise<string[]> {
  const { stdout } = await execa('qemu-img', ['info', '-U', '--backing-chain', '--output=json', image]);
  return (JSON.parse(stdout) as { filename: string }[]).map((i) => i.filename);
}

describeLab('virtsnap commit/pull as processes', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('SIGINT without a terminal aborts the job and leaves the chain as it was', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x19', '0', '32M');

    const child = execa('node', [BIN, 'commit', name, 'vda', '--pivot', '--bandwidth', '1', '--yes', '--json', '-c', lab.uri], {
      reject: false,
      stdin: 'ignore',
    });
    let progress = 0;
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if ((JSON.parse(line) as { kind: string }).kind === 'progress' && ++progress === 3) child.kill('SIGINT');
      }
    });
    const result = await child;
    expect(progress).toBeGreaterThanOrEqual(3);
    expect(result.exitCode).toBe(1);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { kind: string; outcome: string; chainAfter: unknown };
    expect(last).toMatchObject({ kind: 'result', outcome: 'aborted' });
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
    expect((await lab.virsh('domblklist', name)).stdout).toContain(overlay);
    expect(await qemuImgChain(overlay)).toEqual([overlay, disks.vda]);
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('e1');
  });

  it('without a terminal: the plan on stdout, a progress line per 10 % on stderr, exit 0', async () => {
    const { name } = await lab.newDomain({ fillMiB: 32 });
    const overlay = await externalSnapshot(lab, name, 'e1');
    const result = await execa('node', [BIN, 'pull', name, 'vda', '--bandwidth', '8', '--yes', '-c', lab.uri], { reject: false, stdin: 'ignore' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^pull on .* vda, at most 8 MiB\/s\n/);
    expect(result.stdout).toContain(`chain after: ${overlay}\n`);
    expect(result.stdout).toMatch(/pull .* vda: done/);
    const lines = result.stderr.split('\n').filter((l) => / pull \[/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)).toMatch(/100\.00 % .* completed$/);
    expect(await qemuImgChain(overlay)).toEqual([overlay]);
  });
});
