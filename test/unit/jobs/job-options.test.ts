import { describe, expect, it } from 'vitest';
import { isLocalUri, spaceVerdict } from '../../../src/engine/flows/block-space.js';
import { parseBandwidth } from '../../../src/commands/job-options.js';
import { UsageError } from '../../../src/commands/errors.js';

describe('isLocalUri', () => {
  it('is local without a host part', () => {
    expect(isLocalUri('qemu:///system')).toBe(true);
    expect(isLocalUri('qemu:///system?socket=/tmp/vsl-x/libvirt-sock')).toBe(true);
    expect(isLocalUri('qemu+unix:///session')).toBe(true);
    expect(isLocalUri('qemu+ssh://root@host/system')).toBe(false);
    expect(isLocalUri('qemu+tls://host.example/system')).toBe(false);
  });
});

describe('parseBandwidth', () => {
  it('takes whole MiB/s, and 0 only where it means unlimited', () => {
    expect(parseBandwidth('30')).toBe(30);
    expect(parseBandwidth(undefined)).toBeUndefined();
    expect(parseBandwidth('0', true)).toBe(0);
    expect(() => parseBandwidth('0')).toThrow(UsageError);
    expect(() => parseBandwidth('1.5')).toThrow(/whole number/);
    expect(() => parseBandwidth('-3')).toThrow(UsageError);
  });
});

describe('spaceVerdict', () => {
  const MiB = 1024 * 1024;
  it('refuses a copy larger than the free space, warns above half of it', () => {
    expect(spaceVerdict(300 * MiB, 200 * MiB, '/img/base.qcow2')).toEqual({
      kind: 'insufficient',
      message: 'not enough space for /img/base.qcow2: up to 300.0 MiB to copy, 200.0 MiB free',
    });
    expect(spaceVerdict(150 * MiB, 200 * MiB, '/img/base.qcow2').kind).toBe('tight');
    expect(spaceVerdict(50 * MiB, 200 * MiB, '/img/base.qcow2')).toEqual({ kind: 'ok' });
  });
});
