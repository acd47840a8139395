// The merge wizard end to end in a real terminal on real QEMU: the built CLI under tmux at
// 80×24, the keys an operator presses (Tab to the tree, m, Tab Tab → → for 10 MiB/s, Enter,
// → Enter), the jobs panel's bar watched until the end, the result checked with one-shot virsh,
// qemu-img and qemu-io. `npm run build` first.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import stringWidth from 'string-width';
import { describeLab, startLab, type Lab } from '../lab.js';
import { BIN, tmuxSession } from './tmux-session.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames, vdaSource } from '../qemu-checks.js';

const { tmux, keys, waitFor, screens } = tmuxSession('merge');

describeLab('the merge wizard in tmux on real QEMU', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await tmux('kill-server');
    await lab?.stop();
  });

  it('m, the defaults with 10 MiB/s, Proceed: the bar in the jobs panel runs to the end, the pivot follows, the data is in the base', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x5e', '0', '48M');
    const started = await tmux('new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', `env CI=true CONTINUOUS_INTEGRATION=1 NO_COLOR=1 node ${BIN} -c '${lab.uri}'; code=$?; echo; echo "exit=$code"; sleep 60`);
    expect(started.exitCode).toBe(0);
    await waitFor((s) => s.includes(`${name}: 1 snapshot`), 'the tree');
    await keys('Tab');
    await waitFor((s) => s.includes(`▶ ${name}: 1 snapshot`) && s.includes('>*e1'), 'e1 selected');

    await keys('m');
    let s = await waitFor((x) => x.includes(`Merge ${name} vda from “e1”: online (block jobs)`), 'the wizard');
    expect(s).toMatch(/T▸ vm\d+-vda\.e1\.qcow2 ← e1\s+merged ↓/);
    await keys('Tab', 'Tab', 'Right', 'Right');
    await waitFor((x) => x.includes('[10]'), '10 MiB/s');
    await keys('Enter');
    s = await waitFor((x) => x.includes('Pre-flight: commit (pivot)') && x.includes('>Cancel'), 'the pre-flight, Cancel focused');
    await keys('Right');
    await waitFor((x) => x.includes('>Proceed'), 'Proceed focused');
    await keys('Enter');

    // the bar, as the jobs panel draws it, until the job has ended
    const percents = new Set<string>();
    await waitFor(
      (x) => {
        for (const m of x.matchAll(/vda active-commit (?:running|ready: p pivots) [█░]+ +(\d+\.\d) %/g)) percents.add(m[1]!);
        return /active-commit completed/.test(x);
      },
      'the job completed',
      90_000,
    );
    expect(percents.size, [...percents].join(' ')).toBeGreaterThanOrEqual(2);
    // under the bar: bytes, the measured rate, the limit and the time left
    expect(screens.some((x) => /\d+\.\d MiB\/48\.0 MiB {2}\d+\.\d MiB\/s \(limit 10 MiB\/s\) {2}eta \d+s/.test(x))).toBe(true);
    // VIRTSNAP_TMUX_SCREENS=FILE keeps every screen seen, for a look at what the operator saw.
    if (process.env.VIRTSNAP_TMUX_SCREENS) writeFileSync(process.env.VIRTSNAP_TMUX_SCREENS, screens.join('\n\n'));
    s = await waitFor((x) => /done/.test(x) && !x.includes('block jobs: 1 running'), 'the flow done');
    for (const shown of screens) {
      const lines = shown.split('\n');
      expect(lines.length).toBeLessThanOrEqual(24);
      for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(80);
    }

    expect(await vdaSource(lab, name)).toBe(disks.vda);
    await flushDisk(lab, name);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await readsPattern(disks.vda, '0x5e', '0', '48M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);

    await keys('q');
    s = await waitFor((x) => x.includes('exit='), 'exit');
    expect(s).toContain('exit=0');
  });
});
