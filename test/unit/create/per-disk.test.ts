// Per-disk choices: mixes on the two-disk guest, manual disks (seed 002), paused domains, and
// the disks libvirt leaves out or refuses (read-only, cdrom, empty, raw, network, block).

import { describe, expect, it } from 'vitest';
import { diskModes, environment, IMG, plan, qcow2Disk, twoDiskDomain } from './helpers.js';

describe('mixes on a two-disk domain', () => {
  it('disk-only with vda external and vdb left out: a transaction on vda alone', () => {
    const p = plan(twoDiskDomain('running'), {
      name: 's',
      flags: { diskOnly: true },
      disks: [{ target: 'vda', mode: 'external', file: `${IMG}/s.vda.qcow2` }, { target: 'vdb', mode: 'no' }],
    });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('transaction');
    expect(diskModes(p)).toEqual({ vda: 'external', vdb: 'no' });
    expect(p.files).toEqual([{ path: `${IMG}/s.vda.qcow2`, role: 'overlay', disk: 'vda', exists: false }]);
    expect(p.resolved?.state).toBe('disk-snapshot');
  });

  it('disk-only naming only vda: vdb follows the default (external, with the default overlay name)', () => {
    const p = plan(twoDiskDomain('running'), {
      name: 's',
      flags: { diskOnly: true },
      disks: [{ target: 'vda', file: `${IMG}/s.vda.qcow2` }],
    });
    expect(p.verdict).toBe('ok');
    expect(p.resolved?.disks).toEqual([
      { target: 'vda', mode: 'external', file: `${IMG}/s.vda.qcow2` },
      { target: 'vdb', mode: 'external', file: `${IMG}/demo-vdb.s` },
    ]);
  });

  it('an internal snapshot cannot leave a disk out', () => {
    const p = plan(twoDiskDomain('running'), { disks: [{ target: 'vda', mode: 'internal' }, { target: 'vdb', mode: 'no' }] });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toBe("disk 'vdb' must use snapshot mode 'internal'");
  });

  it('external memory with vda external and vdb excluded: migrate, then a transaction on vda', () => {
    const p = plan(twoDiskDomain('running'), {
      name: 's',
      memory: { mode: 'external', file: `${IMG}/s.mem` },
      disks: [{ target: 'vda', file: `${IMG}/s.vda.qcow2` }, { target: 'vdb', mode: 'no' }],
    });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('migrate+transaction');
    expect(p.files.map((f) => [f.role, f.path])).toEqual([
      ['memory', `${IMG}/s.mem`],
      ['overlay', `${IMG}/s.vda.qcow2`],
    ]);
  });

  it('external memory with an internal disk is a mix libvirt 9.0 refuses', () => {
    const p = plan(twoDiskDomain('running'), {
      memory: { mode: 'external', file: `${IMG}/s.mem` },
      disks: [{ target: 'vda', mode: 'internal' }],
    });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toContain('mixing internal and external targets');
  });

  it('disk-only on a running domain refuses an internal disk', () => {
    const p = plan(twoDiskDomain('running'), { flags: { diskOnly: true }, disks: [{ target: 'vda', mode: 'internal' }] });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toBe('active qemu domains require external disk snapshots; disk vda requested internal');
  });

  it('shut off, disk-only, vda internal and vdb external: a mix', () => {
    const p = plan(twoDiskDomain('shutoff'), { flags: { diskOnly: true }, disks: [{ target: 'vda', mode: 'internal' }] });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toContain('mixing internal and external targets');
  });

  it('shut off, vda internal and vdb left to the default: qemu-img on both', () => {
    const p = plan(twoDiskDomain('shutoff'), { disks: [{ target: 'vda', mode: 'internal' }] });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('qemu-img');
    expect(diskModes(p)).toEqual({ vda: 'internal', vdb: 'internal' });
    expect(p.resolved?.memory).toEqual({ mode: 'no', file: null });
  });

  it('a disk can be named by its source path, as libvirt allows', () => {
    const p = plan(twoDiskDomain('running'), {
      name: 's',
      flags: { diskOnly: true },
      disks: [{ target: `${IMG}/demo-vdb.qcow2`, mode: 'no' }],
    });
    expect(p.verdict).toBe('ok');
    expect(diskModes(p)).toEqual({ vda: 'external', vdb: 'no' });
  });

  it('an unknown disk, a disk named twice, more disks than the domain has', () => {
    const domain = twoDiskDomain('running');
    expect(plan(domain, { flags: { diskOnly: true }, disks: [{ target: 'vdz' }] }).reason).toBe("no disk named 'vdz'");
    expect(plan(domain, { flags: { diskOnly: true }, disks: [{ target: 'vda' }, { target: 'vda' }] }).reason).toBe(
      "disk 'vda' specified twice",
    );
    const three = [{ target: 'vda' }, { target: 'vdb' }, { target: 'vdc' }];
    expect(plan(domain, { flags: { diskOnly: true }, disks: three }).reason).toBe('too many disk snapshot requests for domain');
  });

  it('two disks whose default overlay names collide', () => {
    const domain = twoDiskDomain('running', {
      disks: [qcow2Disk('vda', { source: `${IMG}/x.qcow2` }), qcow2Disk('vdb', { source: `${IMG}/x.img` })],
    });
    const p = plan(domain, { name: 's', flags: { diskOnly: true } });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toBe("cannot generate external snapshot name for disk 'vdb': collision with disk 'vda'");
  });

  it('two disks given the same overlay file, or an overlay over another disk’s image', () => {
    const domain = twoDiskDomain('running');
    const same = plan(domain, {
      flags: { diskOnly: true },
      disks: [{ target: 'vda', file: `${IMG}/o.qcow2` }, { target: 'vdb', file: `${IMG}/o.qcow2` }],
    });
    expect(same.verdict).toBe('invalid');
    expect(same.reason).toContain('would both be written to');
    const over = plan(domain, { flags: { diskOnly: true }, disks: [{ target: 'vda', file: `${IMG}/demo-vdb.qcow2` }, { target: 'vdb', mode: 'no' }] });
    expect(over.verdict).toBe('invalid');
    expect(over.reason).toContain('the image of disk vdb');
  });
});

describe('manual disks (seed 002)', () => {
  const threeDisks = twoDiskDomain('running', { disks: [qcow2Disk('vda'), qcow2Disk('vdb'), qcow2Disk('vdc')] });
  const seedRequest = {
    name: 's',
    memory: { mode: 'external' as const, file: '/path/to/memory/img' },
    disks: [
      { target: 'vda', mode: 'manual' as const },
      { target: 'vdb', mode: 'external' as const },
      { target: 'vdc', mode: 'no' as const },
    ],
  };

  it("the seed's example: memory saved, vdb external, vda left to the user, the guest left paused", () => {
    const p = plan(threeDisks, seedRequest);
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('migrate+transaction');
    expect(diskModes(p)).toEqual({ vda: 'manual', vdb: 'external', vdc: 'no' });
    expect(p.pause.kind).toBe('until-resumed');
    expect(p.pause.description).toContain('paused right away');
    expect(p.domainStateAfter).toBe('paused');
    expect(p.warnings.some((w) => w.includes('left paused') && w.includes('virsh resume demo'))).toBe(true);
    expect(p.commands).toEqual([
      [
        'snapshot-create-as',
        '--domain=demo',
        '--name=s',
        '--memspec=file=/path/to/memory/img,snapshot=external',
        '--diskspec=vda,snapshot=manual',
        '--diskspec=vdb,snapshot=external',
        '--diskspec=vdc,snapshot=no',
      ],
    ]);
    expect(p.files).toEqual([
      { path: '/path/to/memory/img', role: 'memory', exists: false },
      { path: `${IMG}/demo-vdb.s`, role: 'overlay', disk: 'vdb', exists: false },
    ]);
  });

  it('with --live the guest runs during the memory copy, then stays paused', () => {
    const p = plan(threeDisks, { ...seedRequest, flags: { live: true } });
    expect(p.verdict).toBe('ok');
    expect(p.pause.kind).toBe('until-resumed');
    expect(p.pause.description).toContain('keeps running while its memory is copied');
  });

  it('external memory with every disk manual: only the memory is saved (migrate)', () => {
    const p = plan(twoDiskDomain('running'), {
      memory: { mode: 'external', file: `${IMG}/m.mem` },
      disks: [{ target: 'vda', mode: 'manual' }, { target: 'vdb', mode: 'manual' }],
    });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('migrate');
    expect(p.domainStateAfter).toBe('paused');
  });

  it('manual disks without external memory and without --disk-only: refused (the default is internal)', () => {
    const p = plan(twoDiskDomain('running'), { disks: [{ target: 'vda', mode: 'manual' }, { target: 'vdb', mode: 'manual' }] });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toBe("disk 'vda' must use snapshot mode 'internal'");
  });

  it('disk-only with every disk manual: nothing for libvirt to do', () => {
    const p = plan(twoDiskDomain('running'), {
      flags: { diskOnly: true },
      disks: [{ target: 'vda', mode: 'manual' }, { target: 'vdb', mode: 'manual' }],
    });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toBe('nothing selected for snapshot');
  });

  it('disk-only with vda manual and vdb external on a running domain: the guest is left paused', () => {
    const p = plan(twoDiskDomain('running'), {
      name: 's',
      flags: { diskOnly: true },
      disks: [{ target: 'vda', mode: 'manual' }, { target: 'vdb', file: `${IMG}/s.vdb.qcow2` }],
    });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('transaction');
    expect(p.pause.kind).toBe('until-resumed');
    expect(p.domainStateAfter).toBe('paused');
  });

  it('shut off, disk-only, vda manual: libvirt only makes vdb’s overlay and says so', () => {
    const p = plan(twoDiskDomain('shutoff'), {
      name: 's',
      flags: { diskOnly: true },
      disks: [{ target: 'vda', mode: 'manual' }, { target: 'vdb', file: `${IMG}/s.vdb.qcow2` }],
    });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('qemu-img');
    expect(p.pause.kind).toBe('none');
    expect(p.warnings.some((w) => w.includes('libvirt does nothing for vda (manual)'))).toBe(true);
  });
});

describe('paused domains', () => {
  it('an internal snapshot holds the memory; the domain stays paused', () => {
    const p = plan(twoDiskDomain('paused'));
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('savevm');
    expect(p.resolved?.memory.mode).toBe('internal');
    expect(p.resolved?.state).toBe('paused');
    expect(p.pause).toEqual({ kind: 'none', description: 'The domain is already paused and stays paused.' });
    expect(p.domainStateAfter).toBe('paused');
  });

  it('disk-only: a transaction, the snapshot state is disk-snapshot', () => {
    const p = plan(twoDiskDomain('paused'), { flags: { diskOnly: true } });
    expect(p.method).toBe('transaction');
    expect(p.resolved?.state).toBe('disk-snapshot');
    expect(p.domainStateAfter).toBe('paused');
  });

  it('external memory: warns that a second one needs a resume in between (QEMU refuses it)', () => {
    const p = plan(twoDiskDomain('paused'), { memory: { mode: 'external', file: `${IMG}/m.mem` } });
    expect(p.verdict).toBe('ok');
    expect(p.method).toBe('migrate+transaction');
    expect(p.warnings.some((w) => w.includes('paused due to previous migration'))).toBe(true);
  });

  it('known to be paused since an earlier external memory snapshot: refused until resumed', () => {
    const domain = twoDiskDomain('paused', { pausedSinceMemorySnapshot: true });
    const p = plan(domain, { memory: { mode: 'external', file: `${IMG}/m.mem` } });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toContain("Can't migrate the vm that was paused due to previous migration");
    const fresh = plan(twoDiskDomain('paused', { pausedSinceMemorySnapshot: false }), { memory: { mode: 'external', file: `${IMG}/m.mem` } });
    expect(fresh.verdict).toBe('ok');
    expect(fresh.warnings.some((w) => w.includes('previous migration'))).toBe(false);
  });

  it('memory=no is still refused: a paused domain is online', () => {
    expect(plan(twoDiskDomain('paused'), { memory: { mode: 'no' } }).reason).toBe(
      'internal snapshot of a running VM must include the memory state',
    );
  });
});

describe('disks libvirt leaves out or refuses', () => {
  const withSpecialDisks = (state: 'running' | 'shutoff') =>
    twoDiskDomain(state, {
      disks: [
        qcow2Disk('vda'),
        qcow2Disk('vdb', { readonly: true }),
        { target: 'hdc', device: 'cdrom', type: 'file', format: 'raw', source: null, readonly: true },
        { target: 'hdd', device: 'cdrom', type: 'file', format: 'raw', source: '/iso/debian.iso', readonly: true },
      ],
    });

  it('read-only disks, cdroms and empty drives are left out of an internal snapshot, with a warning each', () => {
    const p = plan(withSpecialDisks('running'));
    expect(p.verdict).toBe('ok');
    expect(diskModes(p)).toEqual({ vda: 'internal', vdb: 'no', hdc: 'no', hdd: 'no' });
    expect(p.warnings).toEqual(
      expect.arrayContaining([
        'vdb is read-only and is left out of the snapshot.',
        'hdc (cdrom) is an empty drive and is left out of the snapshot.',
        'hdd (cdrom) is read-only and is left out of the snapshot.',
      ]),
    );
  });

  it('and of an external one', () => {
    const p = plan(withSpecialDisks('shutoff'), { name: 's', flags: { diskOnly: true } });
    expect(p.verdict).toBe('ok');
    expect(p.resolved?.disks).toEqual([
      { target: 'vda', mode: 'external', file: `${IMG}/demo-vda.s` },
      { target: 'vdb', mode: 'no', file: null },
      { target: 'hdc', mode: 'no', file: null },
      { target: 'hdd', mode: 'no', file: null },
    ]);
  });

  it("a disk the domain marks snapshot='no' blocks an internal snapshot unless named explicitly", () => {
    const domain = twoDiskDomain('shutoff', { disks: [qcow2Disk('vda'), qcow2Disk('vdc', { snapshotDefault: 'no' })] });
    const p = plan(domain);
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toBe('internal and full system snapshots require all disks to be selected for snapshot');
    expect(plan(domain, { disks: [{ target: 'vdc', mode: 'internal' }] }).verdict).toBe('ok');
  });

  it('a raw disk cannot hold an internal snapshot, but can get an overlay', () => {
    const domain = twoDiskDomain('running', { disks: [qcow2Disk('vda'), qcow2Disk('vdb', { format: 'raw', source: `${IMG}/demo-vdb.raw` })] });
    const internal = plan(domain);
    expect(internal.verdict).toBe('unsupported');
    expect(internal.reason).toBe('internal snapshot for disk vdb unsupported for storage type raw');
    const external = plan(domain, { name: 's', flags: { diskOnly: true } });
    expect(external.verdict).toBe('ok');
    expect(external.resolved?.disks[1]).toEqual({ target: 'vdb', mode: 'external', file: `${IMG}/demo-vdb.s` });
  });

  it('network disks: no overlay name can be made up, and nothing works while shut off', () => {
    const net = qcow2Disk('vdb', { type: 'network', format: 'raw', source: 'pool/image' });
    const running = twoDiskDomain('running', { disks: [qcow2Disk('vda'), net] });
    const noFile = plan(running, { flags: { diskOnly: true } });
    expect(noFile.verdict).toBe('unsupported');
    expect(noFile.reason).toContain("source for disk 'vdb' is not a regular file");
    const withFile = plan(running, { flags: { diskOnly: true }, disks: [{ target: 'vdb', file: `${IMG}/net.qcow2` }] });
    expect(withFile.verdict).toBe('ok');
    expect(withFile.warnings.some((w) => w.startsWith('vdb is a network disk'))).toBe(true);
    const off = plan(twoDiskDomain('shutoff', { disks: [qcow2Disk('vda'), { ...net, format: 'qcow2' }] }));
    expect(off.verdict).toBe('unsupported');
    expect(off.reason).toBe("internal inactive snapshots are not supported on 'network' disks");
  });

  it('block devices need an explicit overlay', () => {
    const block = qcow2Disk('vdb', { type: 'block', format: 'raw', source: '/dev/vg/lv' });
    const domain = twoDiskDomain('running', { disks: [qcow2Disk('vda'), block] });
    expect(plan(domain, { flags: { diskOnly: true } }).reason).toContain('not a regular file');
    const p = plan(domain, { flags: { diskOnly: true }, disks: [{ target: 'vdb', file: '/dev/vg/lv-snap', sourceType: 'block' }] }, environment({ '/dev/vg/lv-snap': 0 }));
    expect(p.verdict).toBe('ok');
    expect(p.xml).toContain("<source dev='/dev/vg/lv-snap'/>");
    const missing = plan(domain, { flags: { diskOnly: true }, disks: [{ target: 'vdb', file: '/dev/vg/nope', sourceType: 'block' }] });
    expect(missing.reason).toBe("block device snapshot target '/dev/vg/nope' doesn't exist");
  });

  it('a disk under a block job, and a SCSI passthrough lun, are refused', () => {
    const busy = twoDiskDomain('running', { disks: [qcow2Disk('vda', { blockJob: true }), qcow2Disk('vdb')] });
    expect(plan(busy).reason).toBe("disk 'vda' already in active block job");
    const lun = twoDiskDomain('running', { disks: [qcow2Disk('vda'), qcow2Disk('sda', { device: 'lun', type: 'block', source: '/dev/sdx' })] });
    const p = plan(lun, { flags: { diskOnly: true }, disks: [{ target: 'sda', file: `${IMG}/lun.qcow2` }] });
    expect(p.reason).toBe('external active snapshots are not supported on scsi passthrough devices');
  });

  it('an overlay format QEMU cannot create is refused', () => {
    const p = plan(twoDiskDomain('running'), { flags: { diskOnly: true }, disks: [{ target: 'vda', file: `${IMG}/o.vmdk`, driverType: 'vmdk' }] });
    expect(p.verdict).toBe('unsupported');
    expect(p.reason).toBe('external snapshot format for disk vda is unsupported: vmdk');
  });
});

describe('mixing internal and external snapshots in one chain', () => {
  it('an internal snapshot of a disk that runs on an overlay', () => {
    const domain = twoDiskDomain('running', { disks: [qcow2Disk('vda', { chainDepth: 1, source: `${IMG}/demo-vda.e1` }), qcow2Disk('vdb')] });
    const p = plan(domain);
    expect(p.verdict).toBe('ok');
    expect(p.warnings.some((w) => w.startsWith('vda runs on an external overlay') && w.includes('drops the overlays'))).toBe(true);
    expect(p.warnings.some((w) => w.startsWith('vdb runs'))).toBe(false);
  });

  it('an external snapshot of a disk holding internal snapshots', () => {
    const domain = twoDiskDomain('running', { disks: [qcow2Disk('vda', { hasInternalSnapshots: true }), qcow2Disk('vdb')] });
    const p = plan(domain, { flags: { diskOnly: true } });
    expect(p.warnings.some((w) => w.startsWith('vda holds internal snapshots'))).toBe(true);
    expect(p.warnings.some((w) => w.startsWith('vdb holds'))).toBe(false);
  });

  it('no mixing warning for a plain chain', () => {
    const p = plan(twoDiskDomain('running', { disks: [qcow2Disk('vda', { chainDepth: 0, hasInternalSnapshots: false }), qcow2Disk('vdb')] }));
    expect(p.warnings.filter((w) => w.includes('mixing'))).toEqual([]);
  });

  it("a default overlay name needs the disk's image to be a regular file on the host, as libvirt stat()s it", () => {
    const domain = twoDiskDomain('running');
    const req = { name: 's', flags: { diskOnly: true }, disks: [{ target: 'vda', mode: 'external' as const }, { target: 'vdb', mode: 'no' as const }] };
    const regular = (answer: boolean | null) => ({ ...environment(), isRegularFile: () => answer });
    const refused = plan(domain, req, regular(false));
    expect(refused.verdict).toBe('unsupported');
    expect(refused.reason).toMatch(/^source for disk 'vda' is not a regular file; refusing to generate external snapshot name \(.*give the overlay a file: --diskspec vda,snapshot=external,file=PATH\)$/);
    // a regular file, or one the host could not tell about: libvirt names the overlay itself
    for (const answer of [true, null]) expect(plan(domain, req, regular(answer)).verdict).toBe('ok');
    // an overlay given by name never asks
    const named = { ...req, disks: [{ target: 'vda', mode: 'external' as const, file: `${IMG}/o.qcow2` }, { target: 'vdb', mode: 'no' as const }] };
    expect(plan(domain, named, regular(false)).verdict).toBe('ok');
  });
});
