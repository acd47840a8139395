// The TUI's edit flows on a real QEMU host, in a real terminal: the editor takes the
// terminal over (and the TUI draws nothing meanwhile), then the TUI comes back; the results
// are checked with one-shot virsh.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLab, startLab, type Lab } from '../lab.js';

const BIN = fileURLToPath(new URL('../../../dist/virtsnap/bin.js', import.meta.url));
const SOCKET = `virtsnap-e2e-qemu-${process.pid}`;
const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args], { reject: false });
const screen = async () => (await tmux('capture-pane', '-p', '-t', 'tui')).stdout;

async function waitFor(check: (s: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
}

const dumpxml = async (lab: Lab, domain: string, snapshot: string) => (await lab.virsh('snapshot-dumpxml', domain, snapshot)).stdout;

describeLab('TUI edit flows on real QEMU, in tmux', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await tmux('kill-server');
    await lab?.stop();
  });

  it('edits a description, the XML through $EDITOR, and renames an external snapshot keeping its child', async () => {
    const { name } = await lab.newDomain();
    const dir = mkdtempSync(join(tmpdir(), 'vs-tmux-editor-'));
    expect((await lab.virsh('snapshot-create-as', name, '--name', 'base', '--description', 'first')).exitCode).toBe(0);
    expect(
      (await lab.virsh('snapshot-create-as', name, '--name', 'x1', '--disk-only', '--diskspec', `vda,file=${lab.dir}/img/${name}-x1.qcow2`, '--diskspec', 'vdb,snapshot=no')).exitCode,
    ).toBe(0);
    expect(
      (await lab.virsh('snapshot-create-as', name, '--name', 'x2', '--disk-only', '--diskspec', `vda,file=${lab.dir}/img/${name}-x2.qcow2`, '--diskspec', 'vdb,snapshot=no')).exitCode,
    ).toBe(0);
    // The editor shows itself, waits for a key on the terminal, then edits the description.
    const editor = join(dir, 'editor.sh');
    writeFileSync(
      editor,
      `#!/bin/sh
printf '\\033[2J\\033[HEDITOR OWNS THE TERMINAL\\n'
read answer < /dev/tty
sed -i 's|<description>first</description>|<description>edited in a real editor</description>|' "$1"
`,
      { mode: 0o755 },
    );
    const started = await tmux(
      'new-session', '-d', '-s', 'tui', '-x', '120', '-y', '40',
      `env -u VISUAL CI=true EDITOR=${editor} NO_COLOR=1 node ${BIN} -c '${lab.uri}'; code=$?; echo; echo "exit=$code"; sleep 60`,
    );
    expect(started.exitCode).toBe(0);
    await waitFor((s) => s.includes(`${name}: 3 snapshots`), 'the tree');
    // select the domain under test, then the tree, then "base"
    await tmux('send-keys', '-t', 'tui', 'Tab');
    await waitFor((s) => s.includes(`▶ ${name}: 3 snapshots`), 'the tree focused');
    await tmux('send-keys', '-t', 'tui', 'g');
    await waitFor((s) => s.includes('>base [int]'), 'base selected');

    await tmux('send-keys', '-t', 'tui', 'e');
    const during = await waitFor((s) => s.includes('EDITOR OWNS THE TERMINAL'), 'the editor');
    expect(during).not.toContain('snapshots'); // the TUI draws nothing while the editor runs
    await tmux('send-keys', '-t', 'tui', 'Enter');
    await waitFor((s) => s.includes('redefined from your XML'), 'the TUI back, edit applied');
    expect(await dumpxml(lab, name, 'base')).toContain('<description>edited in a real editor</description>');

    // description edit without an editor
    await tmux('send-keys', '-t', 'tui', 't');
    await waitFor((s) => s.includes('Description of “base”'), 'description prompt');
    await tmux('send-keys', '-t', 'tui', '-l', ' + more');
    await tmux('send-keys', '-t', 'tui', 'Enter');
    await waitFor((s) => s.includes('description of “base” saved'), 'saved');
    expect(await dumpxml(lab, name, 'base')).toContain('<description>edited in a real editor + more</description>');

    // rename the external middle snapshot x1: its child x2 must follow
    await tmux('send-keys', '-t', 'tui', 'j');
    await waitFor((s) => s.includes('>x1'), 'x1 selected');
    await tmux('send-keys', '-t', 'tui', 'R');
    await waitFor((s) => s.includes('New name for “x1”'), 'rename prompt');
    await tmux('send-keys', '-t', 'tui', 'BSpace', 'BSpace');
    await tmux('send-keys', '-t', 'tui', '-l', 'middle layer');
    await tmux('send-keys', '-t', 'tui', 'Enter');
    await waitFor((s) => s.includes('Rename “x1” to “middle layer”'), 'rename plan');
    await tmux('send-keys', '-t', 'tui', 'Right');
    await tmux('send-keys', '-t', 'tui', 'Enter');
    await waitFor((s) => s.includes('middle layer [ext]'), 'renamed in the tree');
    expect((await lab.virsh('snapshot-parent', name, 'x2')).stdout.trim()).toBe('middle layer');
    expect((await lab.virsh('snapshot-current', name, '--name')).stdout.trim()).toBe('x2');
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.split('\n').filter(Boolean).sort()).toEqual(['base', 'middle layer', 'x2']);

    await tmux('send-keys', '-t', 'tui', 'q');
    expect(await waitFor((s) => s.includes('exit='), 'exit')).toContain('exit=0');
  });
});
