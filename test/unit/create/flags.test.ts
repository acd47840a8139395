// Each creation flag's rules in libvirt 9.0, and the guest pause each method implies.

import { describe, expect, it } from 'vitest';
import { environment, IMG, plan, twoDiskDomain } from './helpers.js';

const externalMemory = { mode: 'external' as const, file: `${IMG}/m.mem` };

describe('--quiesce', () => {
  it('requires --disk-only', () => {
    const p = plan(twoDiskDomain('running'), { flags: { quiesce: true } });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toContain("Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'");
  });

  it('needs a guest agent channel on a running domain', () => {
    const p = plan(twoDiskDomain('running'), { flags: { diskOnly: true, quiesce: true } });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toContain('QEMU guest agent is not configured');
  });

  it('with a channel: ok, with a warning that the agent must run in the guest', () => {
    const p = plan(twoDiskDomain('running', { guestAgent: true }), { flags: { diskOnly: true, quiesce: true } });
    expect(p.verdict).toBe('ok');
    expect(p.commands[0]).toContain('--quiesce');
    expect(p.warnings).toContain('--quiesce: the QEMU guest agent must be running in the guest, or the snapshot fails.');
  });

  it('does nothing on a shut-off domain (libvirt accepts it)', () => {
    const p = plan(twoDiskDomain('shutoff'), { flags: { diskOnly: true, quiesce: true } });
    expect(p.verdict).toBe('ok');
    expect(p.warnings).toContain('--quiesce has no effect: the domain is shut off.');
  });
});

describe('--live', () => {
  it('with external memory: the guest keeps running during the copy', () => {
    const p = plan(twoDiskDomain('running'), { memory: externalMemory, flags: { live: true } });
    expect(p.verdict).toBe('ok');
    expect(p.pause.kind).toBe('none');
    expect(p.pause.description).toContain('keeps running while its memory is copied');
    expect(p.commands[0]).toContain('--live');
  });

  it.each([
    ['an internal snapshot', 'running', {}],
    ['explicit internal memory', 'running', { memory: { mode: 'internal' as const } }],
    ['a disk-only snapshot', 'running', { flags: { diskOnly: true, live: true } }],
    ['a shut-off domain', 'shutoff', {}],
  ] as const)('is refused for %s', (_what, state, extra) => {
    const p = plan(twoDiskDomain(state), { flags: { live: true }, ...extra });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toContain('live snapshot creation is supported only during full system snapshots');
  });
});

describe('--halt', () => {
  it('shuts the domain off after the snapshot', () => {
    const p = plan(twoDiskDomain('running'), { flags: { halt: true } });
    expect(p.verdict).toBe('ok');
    expect(p.domainStateAfter).toBe('shutoff');
    expect(p.pause.description).toContain('Then the domain is shut off (--halt).');
    expect(p.warnings).toContain('--halt: demo is shut off after the snapshot.');
  });

  it('does nothing to a shut-off domain', () => {
    const p = plan(twoDiskDomain('shutoff'), { flags: { halt: true } });
    expect(p.verdict).toBe('ok');
    expect(p.warnings).toContain('--halt has no effect: the domain is already shut off.');
  });

  it('is refused for a transient domain', () => {
    const p = plan(twoDiskDomain('running', { persistent: false }), { flags: { halt: true } });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toBe('cannot halt after transient domain snapshot');
  });
});

describe('--atomic', () => {
  it('is passed on, and said to change nothing for savevm', () => {
    const internal = plan(twoDiskDomain('running'), { flags: { atomic: true } });
    expect(internal.commands[0]).toContain('--atomic');
    expect(internal.warnings.some((w) => w.startsWith('--atomic changes nothing'))).toBe(true);
    const external = plan(twoDiskDomain('running'), { flags: { atomic: true, diskOnly: true } });
    expect(external.verdict).toBe('ok');
    expect(external.warnings.some((w) => w.startsWith('--atomic'))).toBe(false);
  });
});

describe('--no-metadata', () => {
  it('warns that libvirt forgets the snapshot', () => {
    const p = plan(twoDiskDomain('running'), { flags: { noMetadata: true } });
    expect(p.verdict).toBe('ok');
    expect(p.commands[0]).toContain('--no-metadata');
    expect(p.warnings.some((w) => w.startsWith('--no-metadata: libvirt forgets the snapshot'))).toBe(true);
  });

  it("lifts libvirt's name rules and the taken-name check (nothing is written under the name)", () => {
    const domain = twoDiskDomain('running', { snapshotNames: ['taken'] });
    expect(plan(domain, { name: '.hidden', flags: { noMetadata: true } }).verdict).toBe('ok');
    expect(plan(domain, { name: 'taken', flags: { noMetadata: true } }).verdict).toBe('ok');
    expect(plan(domain, { name: 'taken' }).reason).toBe('domain moment taken already exists');
  });
});

describe('--reuse-external and existing files', () => {
  const overlay = `${IMG}/o.vda.qcow2`;
  const diskOnlyVda = { flags: { diskOnly: true }, disks: [{ target: 'vda', file: overlay }, { target: 'vdb', mode: 'no' as const }] };

  it('an existing overlay without --reuse-external is refused', () => {
    const p = plan(twoDiskDomain('running'), diskOnlyVda, environment({ [overlay]: 196_624 }));
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toContain(`external snapshot file for disk vda already exists and is not a block device: ${overlay}`);
  });

  it('an existing but empty file is used (libvirt writes the overlay into it), with a warning', () => {
    const p = plan(twoDiskDomain('running'), diskOnlyVda, environment({ [overlay]: 0 }));
    expect(p.verdict).toBe('ok');
    expect(p.files).toEqual([{ path: overlay, role: 'overlay', disk: 'vda', exists: true }]);
    expect(p.warnings.some((w) => w.includes('exists but is empty'))).toBe(true);
  });

  it('with --reuse-external the file must exist, and is then used as it is', () => {
    const reuse = { ...diskOnlyVda, flags: { diskOnly: true, reuseExternal: true } };
    const missing = plan(twoDiskDomain('running'), reuse);
    expect(missing.verdict).toBe('invalid');
    expect(missing.reason).toBe(`missing existing file for disk vda: ${overlay} (--reuse-external needs an existing file)`);
    const present = plan(twoDiskDomain('running'), reuse, environment({ [overlay]: 196_624 }));
    expect(present.verdict).toBe('ok');
    expect(present.commands[0]).toContain('--reuse-external');
    expect(present.warnings.some((w) => w.startsWith('--reuse-external: libvirt uses'))).toBe(true);
  });

  it('--reuse-external with a default overlay name needs that file to exist too', () => {
    const p = plan(twoDiskDomain('running'), { name: 's', flags: { diskOnly: true, reuseExternal: true } });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toContain(`${IMG}/demo-vda.s`);
  });

  it('an existing memory file is overwritten: a warning, not a refusal', () => {
    const p = plan(twoDiskDomain('running'), { memory: externalMemory }, environment({ [externalMemory.file]: 4096 }));
    expect(p.verdict).toBe('ok');
    expect(p.files[0]).toEqual({ path: externalMemory.file, role: 'memory', exists: true });
    expect(p.warnings).toContain(`The memory file ${externalMemory.file} already exists and will be overwritten.`);
  });
});

describe('memory requests', () => {
  it('external memory needs a file, and only external memory takes one', () => {
    expect(plan(twoDiskDomain('running'), { memory: { mode: 'external' } }).reason).toBe('external memory snapshots require a filename');
    expect(plan(twoDiskDomain('running'), { memory: { mode: 'internal', file: '/m' } }).reason).toBe(
      "memory filename '/m' requires external snapshot",
    );
  });

  it('paths must be absolute', () => {
    expect(plan(twoDiskDomain('running'), { memory: { mode: 'external', file: 'm.mem' } }).reason).toBe(
      'memory snapshot file path (m.mem) must be absolute',
    );
    const p = plan(twoDiskDomain('running'), { flags: { diskOnly: true }, disks: [{ target: 'vda', file: 'o.qcow2' }] });
    expect(p.reason).toBe("disk snapshot image path 'o.qcow2' must be absolute");
  });
});

describe('the guest pause', () => {
  it.each([
    ['savevm for an internal snapshot', 'running', {}, 'savevm'],
    ['the memory copy for external memory', 'running', { memory: externalMemory }, 'memory-copy'],
    ['none for a disk-only transaction', 'running', { flags: { diskOnly: true } }, 'none'],
    ['none for a shut-off domain', 'shutoff', {}, 'none'],
  ] as const)('%s', (_what, state, req, kind) => {
    const p = plan(twoDiskDomain(state), req);
    expect(p.verdict).toBe('ok');
    expect(p.pause.kind).toBe(kind);
  });

  it('names the memory file and the rate in the memory-copy description', () => {
    const p = plan(twoDiskDomain('running'), { memory: externalMemory });
    expect(p.pause.description).toContain(externalMemory.file);
    expect(p.pause.description).toContain('300 MiB');
  });

  it('a refused plan pauses nothing and runs nothing', () => {
    const p = plan(twoDiskDomain('running'), { memory: { mode: 'no' } });
    expect(p.pause.kind).toBe('none');
    expect(p.commands).toEqual([]);
    expect(p.files).toEqual([]);
    expect(p.resolved).toBeNull();
    expect(p.domainStateAfter).toBeNull();
  });
});

describe('what libvirt 9.0 cannot undo', () => {
  it('every external plan says libvirt cannot revert to it itself, and that virtsnap revert can', () => {
    const p = plan(twoDiskDomain('running'), { flags: { diskOnly: true } });
    expect(p.warnings.some((w) => w.startsWith('libvirt before 9.9 cannot revert to an external snapshot itself; `virtsnap revert`'))).toBe(true);
    const internal = plan(twoDiskDomain('running'));
    expect(internal.warnings.some((w) => w.includes('cannot revert'))).toBe(false);
  });

  it('--disk-only on a shut-off domain with internal disks: accepted, but nothing is snapshotted', () => {
    const p = plan(twoDiskDomain('shutoff'), {
      flags: { diskOnly: true },
      disks: [{ target: 'vda', mode: 'internal' }, { target: 'vdb', mode: 'internal' }],
    });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBeNull();
    expect(p.warnings.some((w) => w.includes('get no internal snapshot'))).toBe(true);
  });
});
