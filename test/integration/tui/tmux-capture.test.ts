// The capture keys end to end in a real terminal on real QEMU: the built CLI under tmux at 80×24,
// `C` (the methods with their trade-offs), then `b` on the domain: the directory typed over the
// default with Ctrl-U, Enter for the plan (Cancel focused), → Enter; the copy's percentages in the
// dialog, then the status line's result. Checked with qemu-img and one-shot virsh. `npm run build` first.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { describeLab, startLab, type Lab } from '../lab.js';
import { BIN, tmuxSession } from './tmux-session.js';
import { chainFiles, readsPattern, vdaSource } from '../qemu-checks.js';

const { tmux, keys, waitFor, screens } = tmuxSession('capture', 50);

describeLab('capture keys in tmux on real QEMU', () => {
  let lab: Lab;
  let out: string;
  beforeAll(async () => {
    lab = await startLab();
    out = mkdtempSync(join(tmpdir(), 'vs-tmux-bk-'));
  });
  afterAll(async () => {
    await tmux('kill-server');
    await lab?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('C shows the methods; b, a directory, Enter, → Enter: the copy in percent, then the backup done and the domain on its own files', async () => {
    const { name, disks } = await lab.newDomain({ fillMiB: 48 });
    const dir = join(out, 'bk');
    const state = mkdtempSync(join(tmpdir(), 'vs-tmux-state-'));
    const started = await tmux(
      'new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24',
      `env CI=true CONTINUOUS_INTEGRATION=1 NO_COLOR=1 XDG_STATE_HOME='${state}' node ${BIN} -c '${lab.uri}'; code=$?; echo; echo "exit=$code"; sleep 60`,
    );
    expect(started.exitCode).toBe(0);
    await waitFor((s) => s.includes(name) && s.includes('running'), 'the domain');

    await keys('C');
    let s = await waitFor((x) => x.includes(`Capture the state of ${name} (1/9)`), 'the capture menu');
    expect(s).toMatch(/> Internal snapshot\s+memory and disks\s+yes\s+yes/);
    expect(s).toMatch(/Save to a file\s+memory\s+no\s+no/);
    await keys('Escape');
    await waitFor((x) => !x.includes('Capture the state of'), 'menu closed');

    await keys('b');
    await waitFor((x) => x.includes(`Backup through a temporary snapshot: ${name}`), 'the backup form');
    await keys('C-u');
    await keys('-l', dir);
    await waitFor((x) => x.includes(`> directory: ${dir}`), 'the directory typed');
    await keys('Enter');
    s = await waitFor((x) => x.includes(`Back up ${name} (vda, vdb) to ${dir}`) && x.includes('>Cancel'), 'the plan, Cancel focused', 60_000);
    await keys('Right');
    await waitFor((x) => x.includes('>Proceed'), 'Proceed focused');
    await keys('Enter');
    const percents = new Set<string>();
    s = await waitFor(
      (x) => {
        for (const m of x.matchAll(/copy vda: (\d+) %/g)) percents.add(m[1]!);
        return x.includes(`backed up ${name} to ${dir}`);
      },
      'the backup done',
      180_000,
    );
    expect(percents.size, [...percents].join(' ')).toBeGreaterThanOrEqual(1);
    for (const shown of screens) {
      const lines = shown.split('\n');
      expect(lines.length).toBeLessThanOrEqual(24);
      for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(80);
    }

    expect((await execa('qemu-img', ['check', join(dir, 'vda.qcow2')])).exitCode).toBe(0);
    expect(await readsPattern(join(dir, 'vda.qcow2'), '0x5a', '0', '48M')).toBe(true);
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect((await lab.virsh('domstate', name)).stdout.trim()).toBe('running');
    await keys('q');
    await waitFor((x) => x.includes('exit=0'), 'quit');
    rmSync(state, { recursive: true, force: true });
  });
});
