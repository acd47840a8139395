// The built `virtsnap commit/pull` as processes on real QEMU guests: output without a terminal,
// and Ctrl-C (SIGINT) without a terminal, which aborts the job. `npm run build` first.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, externalSnapshot, guestWrite } from './qemu-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

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
        if ((JSON.parse(line) as { type: string }).type === 'progress' && ++progress === 3) child.kill('SIGINT');
      }
    });
    const result = await child;
    expect(progress).toBeGreaterThanOrEqual(3);
    expect(result.exitCode).toBe(1);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { type: string; outcome: string; unfinished: boolean };
    // aborted: the chain is as it was, so the journal has nothing left open for this flow
    expect(last).toMatchObject({ type: 'result', status: 'failed', outcome: 'aborted', unfinished: false });
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
    expect((await lab.virsh('domblklist', name)).stdout).toContain(overlay);
    expect(await chainFiles(overlay)).toEqual([overlay, disks.vda]);
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('e1');
  });

  it('without a terminal: the plan on stdout, a progress line per 10 % on stderr, exit 0', async () => {
    const { name } = await lab.newDomain({ fillMiB: 32 });
    const overlay = await externalSnapshot(lab, name, 'e1');
    // the conventions of every mutating command: without --yes (no terminal) exit 2, --dry-run exit 0; no job either way
    const unasked = await execa('node', [BIN, 'pull', name, 'vda', '-c', lab.uri], { reject: false, stdin: 'ignore' });
    expect(unasked.exitCode).toBe(2);
    expect(unasked.stderr).toMatch(/add --yes/);
    const dry = await execa('node', [BIN, 'pull', name, 'vda', '--dry-run', '--json', '-c', lab.uri], { reject: false, stdin: 'ignore' });
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ type: 'plan', kind: 'block-pull', refusal: null, change: { after: [overlay] } });
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
    expect(await chainFiles(overlay)).toEqual([overlay, expect.stringContaining('-vda.qcow2')]);

    const result = await execa('node', [BIN, 'pull', name, 'vda', '--bandwidth', '8', '--yes', '-c', lab.uri], { reject: false, stdin: 'ignore' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^pull on .* vda, at most 8 MiB\/s\n/);
    expect(result.stdout).toContain(`chain after: ${overlay}\n`);
    expect(result.stdout).toMatch(/pull .* vda: done/);
    const lines = result.stderr.split('\n').filter((l) => / pull \[/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)).toMatch(/100\.00 % .* completed$/);
    expect(await chainFiles(overlay)).toEqual([overlay]);
  });
});
