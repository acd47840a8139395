// The executable starts virsh while the rest of the program loads, and the session takes that
// process over: a command still runs exactly one virsh, and commands that open no host run none.

import { execa } from 'execa';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'vs-early-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const realVirsh = (await execa('sh', ['-c', 'command -v virsh'])).stdout.trim();
const startsLog = join(work, 'starts.log');
// A virsh on PATH that records each start, then is the real one.
writeFileSync(join(work, 'virsh'), `#!/bin/sh\necho "$*" >> '${startsLog}'\nexec '${realVirsh}' "$@"\n`);
chmodSync(join(work, 'virsh'), 0o755);

async function starts(args: string[]): Promise<{ exitCode: number | undefined; stdout: string; starts: string[] }> {
  rmSync(startsLog, { force: true });
  const result = await execa('node', [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { PATH: `${work}:${process.env.PATH ?? ''}`, NO_COLOR: '1' },
  });
  const lines = existsSync(startsLog) ? readFileSync(startsLog, 'utf8').split('\n').filter(Boolean) : [];
  return { exitCode: result.exitCode, stdout: result.stdout, starts: lines };
}

it('a command runs exactly one virsh: the one started before the program loaded', async () => {
  const list = await starts(['--demo', 'list', '--json']);
  expect(list.exitCode).toBe(0);
  expect(JSON.parse(list.stdout).map((d: { name: string }) => d.name)).toContain('web-01');
  expect(list.starts).toHaveLength(1);
  expect(list.starts[0]).toMatch(/^-q -c test:\/\/.*demo-host\.xml$/);

  const readonly = await starts(['tree', 'web-01', '--demo', '-r', '--json']);
  expect(readonly.exitCode).toBe(0);
  expect(readonly.starts).toEqual([expect.stringMatching(/^-q -r -c test:/)]);
});

it('help, version and journal start no virsh; an early virsh nobody takes does not keep the process alive', async () => {
  for (const args of [['--help'], ['--version'], ['list', '--help'], ['journal', '--json']]) {
    const r = await starts(args);
    expect(r.exitCode, args.join(' ')).toBe(0);
    expect(r.starts, args.join(' ')).toEqual([]);
  }
  // commander refuses this, so the early virsh is never taken: it must not keep the process alive.
  const refused = await starts(['--demo', 'list', '--no-such-option']);
  expect(refused.exitCode).toBe(2);
});
