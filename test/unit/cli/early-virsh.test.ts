// The connection the executable guesses from argv to start virsh early must be the one
// commander will open, or none.

import { describe, expect, it } from 'vitest';
import { earlyConnection } from '../../../src/early-virsh.js';
import { demoUri } from '../../../src/engine/package-root.js';

const env = {};

describe('earlyConnection', () => {
  it('takes -c, --connect and --connect= in any position, then LIBVIRT_DEFAULT_URI, then qemu:///system', () => {
    expect(earlyConnection(['list', '-c', 'test:///default'], env, false)).toEqual({ uri: 'test:///default', readonly: false });
    expect(earlyConnection(['--connect', 'qemu:///session', 'tree', 'd'], env, false)?.uri).toBe('qemu:///session');
    expect(earlyConnection(['tree', 'd', '--connect=qemu+ssh://h/system'], env, false)?.uri).toBe('qemu+ssh://h/system');
    expect(earlyConnection(['list'], { LIBVIRT_DEFAULT_URI: 'test:///x' }, false)?.uri).toBe('test:///x');
    expect(earlyConnection(['list'], env, false)?.uri).toBe('qemu:///system');
  });

  it('knows --demo and --readonly, and a value of -c is not the subcommand', () => {
    expect(earlyConnection(['--demo', 'list', '-r'], env, false)).toEqual({ uri: demoUri(), readonly: true });
    expect(earlyConnection(['-c', 'journal', 'list'], env, false)?.uri).toBe('journal');
  });

  it('starts nothing for help, version, commands that open no host or another one, one-shot mode, or usage', () => {
    for (const argv of [
      ['--help'],
      ['list', '-h'],
      ['-V'],
      ['journal'],
      ['resume', 'abc'],
      ['completion', 'bash'],
      ['list', '--virsh-mode', 'one-shot'],
      ['list', '--virsh-mode=one-shot'],
      ['--demo', '-c', 'test:///default', 'list'],
    ]) {
      expect(earlyConnection(argv, env, true), argv.join(' ')).toBeNull();
    }
    // No subcommand: the TUI with a terminal, only the usage without one.
    expect(earlyConnection(['--demo'], env, false)).toBeNull();
    expect(earlyConnection(['--demo'], env, true)?.uri).toBe(demoUri());
  });
});
