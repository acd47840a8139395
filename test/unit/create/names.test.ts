// Names: the default (creation time), libvirt's rules, odd characters through the XML and the
// virsh command, default overlay paths, and commas in paths.

import { describe, expect, it } from 'vitest';
import { defaultOverlayPath, defaultSnapshotName, snapshotNameProblem } from '../../../src/engine/create/default-names.js';
import { diskspec, memspec } from '../../../src/engine/create/plan-commands.js';
import { IMG, NOW, plan, qcow2Disk, twoDiskDomain } from './helpers.js';

describe('the default name', () => {
  it('is the creation time in seconds, as libvirt and xl do', () => {
    expect(defaultSnapshotName(1_345_047_528)).toBe('1345047528');
    expect(defaultSnapshotName(1_345_047_528.9)).toBe('1345047528');
  });

  it('is fixed in the plan: XML, command and default overlay paths all use it', () => {
    const p = plan(twoDiskDomain('running'), { flags: { diskOnly: true } });
    expect(p.xml).toContain(`<name>${NOW}</name>`);
    expect(p.commands[0]).toContain(`--name=${NOW}`);
    expect(p.files.map((f) => f.path)).toEqual([`${IMG}/demo-vda.${NOW}`, `${IMG}/demo-vdb.${NOW}`]);
  });

  it('an empty name is refused, as virsh refuses an empty argument (only a missing name gets the default)', () => {
    const p = plan(twoDiskDomain('running'), { name: '' });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toMatch(/cannot be empty/);
    expect(p.commands).toEqual([]);
  });

  it('a name whose default overlay file name would pass 255 bytes is refused in the plan', () => {
    const long = 'n'.repeat(250);
    expect(plan(twoDiskDomain('running'), { name: long }).verdict).toBe('ok');
    const p = plan(twoDiskDomain('running'), { name: long, flags: { diskOnly: true } });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toMatch(/longer than 255 bytes/);
  });
});

describe('default overlay paths (virDomainSnapshotDefAssignExternalNames)', () => {
  it.each([
    ['/img/demo-vda.qcow2', '/img/demo-vda.s1'],
    ['/img/disk', '/img/disk.s1'],
    ['/img/disk.img.qcow2', '/img/disk.img.s1'],
    ['/img.d/disk', '/img.d/disk.s1'],
    ['/img/demo-vdb.raw', '/img/demo-vdb.s1'],
  ])('%s → %s', (source, overlay) => {
    expect(defaultOverlayPath(source, 's1')).toBe(overlay);
  });
});

describe("libvirt's name rules", () => {
  it.each([
    ['a/b', "invalid snapshot name 'a/b': name can't contain '/'"],
    ['.hidden', "invalid snapshot name '.hidden': name can't start with '.'"],
  ])('%s is refused', (name, reason) => {
    expect(snapshotNameProblem(name, false)).toBe(reason);
    const p = plan(twoDiskDomain('running'), { name });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toBe(reason);
  });

  it('a name already taken is refused', () => {
    const p = plan(twoDiskDomain('running', { snapshotNames: ['s1', 'taken'] }), { name: 'taken' });
    expect(p.verdict).toBe('invalid');
    expect(p.reason).toBe('domain moment taken already exists');
  });
});

describe('odd names go through unchanged', () => {
  it.each([
    ['my snap', '<name>my snap</name>'],
    ['снимок-ü', '<name>снимок-ü</name>'],
    ['x<&>y', '<name>x&lt;&amp;&gt;y</name>'],
    [`it's "quoted"`, '<name>it&apos;s &quot;quoted&quot;</name>'],
    ['-x', '<name>-x</name>'],
    ['--force', '<name>--force</name>'],
    ['a,b', '<name>a,b</name>'],
  ])('%s', (name, xmlName) => {
    const p = plan(twoDiskDomain('running'), { name, description: 'd <&> "q"' });
    expect(p.verdict).toBe('ok');
    expect(p.xml).toContain(xmlName);
    // Values travel as --option=value: a leading '-' can never read as an option.
    expect(p.commands[0]).toEqual(['snapshot-create-as', '--domain=demo', `--name=${name}`, '--description=d <&> "q"']);
  });

  it('a default overlay path carries the name as it is', () => {
    const p = plan(twoDiskDomain('running'), { name: 'my snap ü', flags: { diskOnly: true } });
    expect(p.files[0]?.path).toBe(`${IMG}/demo-vda.my snap ü`);
  });
});

describe('commas in paths are doubled in --memspec and --diskspec', () => {
  it('memspec and diskspec', () => {
    expect(memspec({ mode: 'external', file: '/img/a,b.mem' })).toBe('file=/img/a,,b.mem,snapshot=external');
    expect(memspec({ mode: 'no' })).toBe('snapshot=no');
    expect(diskspec({ target: 'vda', mode: 'external', driverType: 'qcow2', sourceType: 'file', file: '/img/x,y.qcow2' })).toBe(
      'vda,snapshot=external,driver=qcow2,stype=file,file=/img/x,,y.qcow2',
    );
    expect(diskspec({ target: 'vdb' })).toBe('vdb');
  });

  it('in the whole command, while the XML keeps the path as it is', () => {
    const p = plan(twoDiskDomain('running'), {
      name: 's',
      memory: { mode: 'external', file: '/img/a,b.mem' },
      disks: [{ target: 'vda', file: '/img/x,,y.qcow2' }, { target: 'vdb', mode: 'no' }],
      flags: { atomic: true, live: true },
    });
    expect(p.verdict).toBe('ok');
    expect(p.commands).toEqual([
      [
        'snapshot-create-as',
        '--domain=demo',
        '--name=s',
        '--atomic',
        '--live',
        '--memspec=file=/img/a,,b.mem,snapshot=external',
        '--diskspec=vda,file=/img/x,,,,y.qcow2',
        '--diskspec=vdb,snapshot=no',
      ],
    ]);
    expect(p.xml).toContain("<memory snapshot='external' file='/img/a,b.mem'/>");
    expect(p.xml).toContain("<source file='/img/x,,y.qcow2'/>");
  });

  it('a disk named by a path with a comma', () => {
    const domain = twoDiskDomain('running', { disks: [qcow2Disk('vda', { source: '/img/a,b.qcow2' }), qcow2Disk('vdb')] });
    const p = plan(domain, { name: 's', flags: { diskOnly: true }, disks: [{ target: '/img/a,b.qcow2', mode: 'no' }] });
    expect(p.verdict).toBe('ok');
    expect(p.commands[0]).toContain('--diskspec=/img/a,,b.qcow2,snapshot=no');
  });
});
