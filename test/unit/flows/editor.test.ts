import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EditorError, editorFromEnv, editorInvocation, runEditor } from '../../../src/engine/editor.js';

describe('editorFromEnv', () => {
  it('prefers $VISUAL, then $EDITOR, then vi; blank values count as unset', () => {
    expect(editorFromEnv({ VISUAL: 'nano', EDITOR: 'vim' })).toBe('nano');
    expect(editorFromEnv({ VISUAL: '  ', EDITOR: 'vim' })).toBe('vim');
    expect(editorFromEnv({ EDITOR: '' })).toBe('vi');
    expect(editorFromEnv({})).toBe('vi');
  });
});

describe('editorInvocation', () => {
  it('runs a plain editor directly with the file', () => {
    expect(editorInvocation('vim', '/tmp/a.xml')).toEqual({ file: 'vim', args: ['/tmp/a.xml'], viaShell: false });
    expect(editorInvocation('/usr/bin/nano', '/tmp/a.xml')).toEqual({ file: '/usr/bin/nano', args: ['/tmp/a.xml'], viaShell: false });
  });

  it('splits plain values on spaces (editor options)', () => {
    expect(editorInvocation('code -w', '/t/x.xml')).toEqual({ file: 'code', args: ['-w', '/t/x.xml'], viaShell: false });
    expect(editorInvocation('  emacsclient   -t  ', '/t/x.xml')).toEqual({ file: 'emacsclient', args: ['-t', '/t/x.xml'], viaShell: false });
  });

  it('runs values with shell metacharacters through sh -c, the file passed as $1', () => {
    for (const editor of ['vim -c "set ft=xml"', 'EDITOR_OPTS=1 $HOME/bin/ed', 'cat >/dev/null; vi', "nano '+3'"]) {
      const inv = editorInvocation(editor, '/tmp/my file $x.xml');
      expect(inv.viaShell).toBe(true);
      expect(inv.file).toBe('sh');
      expect(inv.args).toEqual(['-c', `${editor} "$1"`, 'virtsnap-editor', '/tmp/my file $x.xml']);
    }
  });

  it('falls back to vi for an empty value', () => {
    expect(editorInvocation('', '/f')).toEqual({ file: 'vi', args: ['/f'], viaShell: false });
  });
});

describe('runEditor', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function scratch(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vs-editor-'));
    dirs.push(dir);
    return dir;
  }

  it('runs a plain editor with options and the file, around the handoff hooks', async () => {
    const dir = scratch();
    const script = join(dir, 'append.sh');
    writeFileSync(script, '#!/bin/sh\nprintf "%s|" "$@" >> "$2"\n');
    chmodSync(script, 0o755);
    const file = join(dir, 'doc with space.xml');
    writeFileSync(file, '');
    const events: string[] = [];
    await runEditor(file, {
      editor: `${script} --flag`,
      env: { PATH: process.env.PATH },
      handoff: { suspend: () => void events.push('suspend'), resume: () => void events.push('resume') },
    });
    expect(readFileSync(file, 'utf8')).toBe(`--flag|${file}|`);
    expect(events).toEqual(['suspend', 'resume']);
  });

  it('runs a shell snippet editor with the file as one argument, whatever its characters', async () => {
    const dir = scratch();
    const file = join(dir, "it's $HOME; `x`.xml");
    writeFileSync(file, 'before');
    await runEditor(file, { editor: 'f() { echo edited > "$1"; }; f', env: { PATH: process.env.PATH } });
    expect(readFileSync(file, 'utf8')).toBe('edited\n');
  });

  it('reports a failing editor with its exit code and still resumes', async () => {
    const events: string[] = [];
    const error = await runEditor('/nonexistent', {
      editor: 'false',
      env: { PATH: process.env.PATH },
      handoff: { suspend: () => void events.push('suspend'), resume: () => void events.push('resume') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EditorError);
    expect((error as EditorError).exitCode).toBe(1);
    expect(events).toEqual(['suspend', 'resume']);
  });

  it('reports an editor that does not exist', async () => {
    const error = await runEditor('/f', { editor: 'no-such-editor-xyz', env: { PATH: process.env.PATH } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EditorError);
    expect((error as EditorError).message).toMatch(/no-such-editor-xyz.*could not be started/);
    expect((error as EditorError).exitCode).toBeNull();
  });
});
