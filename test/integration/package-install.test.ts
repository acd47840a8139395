// virtsnap installs the way Node CLIs do: `npm pack` gives a tarball with the built files and the
// demo host, and `npm install -g` of that tarball gives a working `virtsnap` on the prefix's PATH.

import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from './lab.js';

const work = mkdtempSync(join(tmpdir(), 'vs-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('the packed tarball installs into a fresh prefix and runs', async () => {
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO_ROOT });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const paths = info!.files.map((f) => f.path);
  expect(paths).toContain('dist/virtsnap/bin.js');
  expect(paths).toContain('fixtures/demo-host.xml');
  expect(paths.some((p) => p.startsWith('test/') || p.startsWith('src/'))).toBe(false);

  const prefix = join(work, 'prefix');
  // --prefer-offline: the dependencies are in npm's cache after `npm ci`
  await execa('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, info!.filename)], { cwd: work });
  const bin = join(prefix, 'bin', 'virtsnap');
  const version = await execa(bin, ['--version'], { cwd: work });
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  const list = await execa(bin, ['--demo', 'list'], { cwd: work, stdin: 'ignore' });
  expect(list.stdout).toMatch(/^NAME +STATE/);
  expect(list.stdout).toContain('web-01');
}, 120_000);
