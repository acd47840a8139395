// The CLI's own words: unknown commands, --version, the usage shown without a terminal (generated
// by commander from the same tree that parses, so it lists every command), and completion scripts.

import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };

function virtsnap(args: string[]) {
  return execa('node', [BIN, ...args], { reject: false, env: { NO_COLOR: '1' }, stdin: 'ignore' });
}

describe('virtsnap usage', () => {
  it('names an unknown command, suggests a close one, and exits 2', async () => {
    const bogus = await virtsnap(['bogus']);
    expect(bogus.exitCode).toBe(2);
    expect(bogus.stderr).toMatch(/unknown command 'bogus'/);
    expect(bogus.stderr).not.toMatch(/too many arguments/);
    const typo = await virtsnap(['lsit']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/did you mean 'list'/);
    // a subcommand still refuses words it does not take
    const extra = await virtsnap(['list', '--demo', 'extra']);
    expect(extra.exitCode).toBe(2);
  });

  it("backup's --bandwidth: a whole number, and only for the temporary-snapshot method", async () => {
    const push = await virtsnap(['backup', '--demo', 'web-01', '--to', '/nonexistent/vs', '--method', 'push', '--bandwidth', '4', '--dry-run']);
    expect(push.exitCode).toBe(2);
    expect(push.stderr).toMatch(/--bandwidth limits the merge back of the temporary-snapshot method/);
    const bad = await virtsnap(['backup', '--demo', 'web-01', '--to', '/nonexistent/vs', '--bandwidth', 'fast', '--dry-run']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--bandwidth takes a whole number of MiB\/s/);
  });

  it('prints its version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await virtsnap([flag]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim()).toBe(PACKAGE.version);
    }
  });

  it('without a terminal shows the usage of every registered command, and exits 2', async () => {
    const r = await virtsnap([]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/needs a terminal/);
    const help = await virtsnap(['--help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['list', 'tree', 'edit', 'create', 'commit', 'pull', 'jobs', 'job', 'completion']));
    for (const command of commands) expect(r.stderr).toContain(`  ${command} `);
  });

  it('prints bash and zsh completion scripts that the shells accept and that complete subcommands', async () => {
    const bash = await virtsnap(['completion', 'bash']);
    expect(bash.exitCode).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'vs-completion-'));
    const script = join(dir, 'virtsnap.bash');
    writeFileSync(script, bash.stdout);
    // load the script, then ask for completions of `virtsnap cr` and of `virtsnap revert --`
    const probe = await execa('bash', [
      '-c',
      `source ${script}; COMP_WORDS=(virtsnap cr); COMP_CWORD=1; _virtsnap; echo "\${COMPREPLY[@]}"; COMP_WORDS=(virtsnap create --d); COMP_CWORD=2; _virtsnap; echo "\${COMPREPLY[@]}"`,
    ]);
    const [first, second] = probe.stdout.split('\n');
    expect(first).toBe('create');
    expect(second).toContain('--dry-run');
    const zsh = await virtsnap(['completion', 'zsh']);
    expect(zsh.exitCode).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef virtsnap/);
    const bad = await virtsnap(['completion', 'fish']);
    expect(bad.exitCode).toBe(2);
  });
});
