import { describe, expect, it } from 'vitest';
import {
  InvalidSnapshotXmlError,
  buildSnapshotXml,
  readSnapshot,
  type SnapshotSpec,
} from '../../../src/engine/xml/snapshot-xml.js';
import { SNAPSHOT_IN, SNAPSHOT_OUT, read } from './corpus.js';
import { SPECIAL_TEXT, SPECS, UNICODE_NAME } from './specs.js';

/** libvirt's output for a snapshot it created, minus what only libvirt can add. */
function withoutCreationTime(xml: string): string {
  return xml.replace(/^ {2}<creationTime>\d+<\/creationTime>\n/m, '');
}

describe('buildSnapshotXml writes what libvirt writes', () => {
  it.each([
    ['empty', {}],
    ['name_only', { name: 'snapshot1' }],
    ['description_only', { description: 'My description' }],
    ['name_and_description', { name: 'snap1', description: 'A longer description!' }],
  ] as Array<[string, SnapshotSpec]>)('matches in/%s.xml byte for byte', (file, spec) => {
    expect(buildSnapshotXml(spec)).toBe(read(SNAPSHOT_IN, `${file}.xml`));
  });

  it('matches libvirt’s own formatting of an external memory snapshot (out/external_vm.xml)', () => {
    const spec: SnapshotSpec = {
      name: 'my snap name',
      description: '!@#$%^',
      memory: { mode: 'external', file: '/dev/HostVG/GuestMemory' },
    };
    expect(buildSnapshotXml(spec)).toBe(withoutCreationTime(read(SNAPSHOT_OUT, 'external_vm.xml')));
  });

  it('matches libvirt’s own formatting of an external disk (out/disk_driver_name_null.xml)', () => {
    const spec: SnapshotSpec = { name: 'asdf', description: 'adsf', disks: [{ name: 'vda', file: '/tmp/foo' }] };
    expect(buildSnapshotXml(spec)).toBe(withoutCreationTime(read(SNAPSHOT_OUT, 'disk_driver_name_null.xml')));
  });

  it('orders disk attributes and children like libvirt: name, snapshot, type; driver, source', () => {
    expect(
      buildSnapshotXml({
        name: 'ext',
        memory: { mode: 'no' },
        disks: [
          { name: 'vda', mode: 'external', file: '/images/vda.ext', driverType: 'qcow2' },
          { name: 'sdb', mode: 'external', sourceType: 'block', file: '/dev/vg/sdb-ext' },
          { name: 'vdc', mode: 'no' },
        ],
      }),
    ).toBe(
      [
        '<domainsnapshot>',
        '  <name>ext</name>',
        "  <memory snapshot='no'/>",
        '  <disks>',
        "    <disk name='vda' snapshot='external' type='file'>",
        "      <driver type='qcow2'/>",
        "      <source file='/images/vda.ext'/>",
        '    </disk>',
        "    <disk name='sdb' snapshot='external' type='block'>",
        "      <source dev='/dev/vg/sdb-ext'/>",
        '    </disk>',
        "    <disk name='vdc' snapshot='no'/>",
        '  </disks>',
        '</domainsnapshot>',
        '',
      ].join('\n'),
    );
  });

  it('escapes text like libvirt', () => {
    expect(buildSnapshotXml({ name: UNICODE_NAME, description: SPECIAL_TEXT })).toBe(
      `<domainsnapshot>\n  <name>${UNICODE_NAME}</name>\n  <description>!@#$%^ &lt;&amp;&gt; &quot;q&quot; &apos;a&apos;</description>\n</domainsnapshot>\n`,
    );
  });
});

describe('buildSnapshotXml output reads back as the spec', () => {
  it.each(SPECS)('%s', (_what, spec) => {
    const detail = readSnapshot(buildSnapshotXml(spec));
    expect(detail.name).toBe(spec.name ?? '');
    expect(detail.description).toBe(spec.description ?? null);
    expect(detail.memory).toEqual({ mode: spec.memory?.mode ?? null, file: spec.memory?.file ?? null });
    expect(detail.disks).toEqual(
      (spec.disks ?? []).map((d) => {
        const namesImage = d.file !== undefined || d.driverType !== undefined;
        return {
          name: d.name,
          mode: d.mode ?? (namesImage ? 'external' : null),
          file: d.file ?? null,
          sourceType: namesImage ? (d.sourceType ?? 'file') : null,
          driverType: d.driverType ?? null,
        };
      }),
    );
  });
});

describe('buildSnapshotXml refuses what libvirt would refuse', () => {
  it.each([
    ['an empty name', { name: '' }, /name cannot be empty/],
    ['manual memory', { memory: { mode: 'manual' } }, /manual/],
    ['external memory without a file', { memory: { mode: 'external' } }, /needs a file/],
    ['a memory file with internal memory', { memory: { mode: 'internal', file: '/m' } }, /requires snapshot mode 'external'/],
    ['a relative memory file', { memory: { mode: 'external', file: 'snap.mem' } }, /absolute/],
    ['a disk without a name', { disks: [{ name: '' }] }, /needs a name/],
    ['a file on an internal disk', { disks: [{ name: 'vda', mode: 'internal', file: '/x' }] }, /requires snapshot mode 'external'/],
    ['a relative overlay', { disks: [{ name: 'vda', file: 'vda.overlay' }] }, /absolute/],
    ['a network overlay', { disks: [{ name: 'vda', mode: 'external', sourceType: 'network' }] }, /network/],
    ['a block overlay without a device', { disks: [{ name: 'vda', mode: 'external', sourceType: 'block' }] }, /device path/],
    ['a raw overlay', { disks: [{ name: 'vda', file: '/x', driverType: 'raw' }] }, /'raw' cannot hold an overlay/],
    ['the same disk twice', { disks: [{ name: 'vda' }, { name: 'vda' }] }, /specified twice/],
  ] as Array<[string, SnapshotSpec, RegExp]>)('%s', (_what, spec, message) => {
    expect(() => buildSnapshotXml(spec)).toThrow(InvalidSnapshotXmlError);
    expect(() => buildSnapshotXml(spec)).toThrow(message);
  });
});
