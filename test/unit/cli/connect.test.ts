import { expect, it } from 'vitest';
import { isLocalUri, resolveUri } from '../../../src/engine/connect.js';

it('tells local URIs from remote ones', () => {
  for (const uri of ['qemu:///system', 'qemu:///session', 'test:///default', 'qemu+unix:///system?socket=/x/sock', 'qemu://localhost/system']) {
    expect(isLocalUri(uri), uri).toBe(true);
  }
  for (const uri of ['qemu+ssh://root@host/system', 'qemu+tcp://10.0.0.1/system', 'qemu://host/system']) {
    expect(isLocalUri(uri), uri).toBe(false);
  }
});

it('resolves the URI as virsh does', () => {
  expect(resolveUri('test:///default', { LIBVIRT_DEFAULT_URI: 'qemu:///session' })).toBe('test:///default');
  expect(resolveUri(undefined, { LIBVIRT_DEFAULT_URI: 'qemu:///session' })).toBe('qemu:///session');
  expect(resolveUri(undefined, {})).toBe('qemu:///system');
});
