// `virtsnap edit` in a real terminal (tmux): the re-edit / discard question after malformed XML
// and the rename confirmation. The scripted editor keeps a copy of what it was given on each
// run, which shows that a re-edit starts from the operator's own text.

import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));
const SOCKET = `virtsnap-edit-${process.pid}`;
const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args], { reject: false });

async function waitForScreen(session: string, check: (s: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    last = (await tmux('capture-pane', '-p', '-J', '-t', session)).stdout;
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('virtsnap edit in a terminal', () => {
  let dir: string;
  let editor: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vs-edit-tty-'));
    editor = join(dir, 'editor.sh');
    // run 1: types new text with a broken closing tag; run 2: fixes only the tag
    writeFileSync(
      editor,
      `#!/bin/sh
set -e
n=$(ls "${dir}" | grep -c '^seen-' || true)
cp "$1" "${dir}/seen-$n.xml"
echo "$1" > "${dir}/path"
if grep -q '</descriptio>' "$1"; then sed -i 's|</descriptio>|</description>|' "$1"
else sed -i 's|<description>.*</description>|<description>typed by hand</descriptio>|' "$1"; fi
`,
    );
    chmodSync(editor, 0o755);
  });

  afterAll(async () => {
    await tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  });

  function start(session: string, args: string[]) {
    const command = `cd ${quote(dir)} && EDITOR=${quote(editor)} NO_COLOR=1 node ${quote(BIN)} ${args.map(quote).join(' ')}; echo "exit=$?"; sleep 30`;
    return tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command);
  }

  it('asks re-edit / discard on malformed XML; Enter re-edits the operator\'s own text', async () => {
    for (const f of ['seen-0.xml', 'seen-1.xml']) rmSync(join(dir, f), { force: true });
    expect((await start('reedit', ['edit', '--demo', 'web-01', 'nginx configured'])).exitCode).toBe(0);
    await waitForScreen('reedit', (s) => s.includes('[RE-EDIT/discard]'), 'the question');
    const screen = await waitForScreen('reedit', (s) => s.includes('Malformed XML at line 3'), 'the error');
    expect(screen).toContain('Edit again (your text is kept) or discard it?');
    await tmux('send-keys', '-t', 'reedit', 'Enter');
    const done = await waitForScreen('reedit', (s) => s.includes('exit='), 'exit');
    expect(done).toContain("Snapshot 'nginx configured' redefined.");
    expect(done).toContain('exit=0');
    expect(readFileSync(join(dir, 'seen-1.xml'), 'utf8')).toContain('<description>typed by hand</descriptio>');
    expect(existsSync(readFileSync(join(dir, 'path'), 'utf8').trim())).toBe(false);
  });

  it('discard removes the text and changes nothing (exit 2)', async () => {
    for (const f of ['seen-0.xml', 'seen-1.xml']) rmSync(join(dir, f), { force: true });
    await start('discard', ['edit', '--demo', 'web-01', 'nginx configured']);
    await waitForScreen('discard', (s) => s.includes('[RE-EDIT/discard]'), 'the question');
    await tmux('send-keys', '-t', 'discard', '-l', 'discard');
    await tmux('send-keys', '-t', 'discard', 'Enter');
    const done = await waitForScreen('discard', (s) => s.includes('exit='), 'exit');
    expect(done).toContain('edit discarded; nothing was changed');
    expect(done).toContain('exit=2');
    expect(existsSync(readFileSync(join(dir, 'path'), 'utf8').trim())).toBe(false);
  });

  it('shows the rename plan and takes Enter as no', async () => {
    await start('rename', ['edit', '--demo', 'web-01', 'tls-renewal', '--rename', 'tls-x']);
    const screen = await waitForScreen('rename', (s) => s.includes('Proceed? [y/N]'), 'the confirmation');
    expect(screen).toContain("Rename “tls-renewal” to “tls-x” in web-01");
    expect(screen).toMatch(/snapshot-create --domain=web-01 --xmlfile=\S+new-tls-x\.xml --redefine --current/);
    await tmux('send-keys', '-t', 'rename', 'Enter');
    const done = await waitForScreen('rename', (s) => s.includes('exit='), 'exit');
    expect(done).toContain('cancelled; nothing was changed');
    expect(done).toContain('exit=2');
  });
});
