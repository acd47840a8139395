import { describe, expect, it } from 'vitest';
import type { SnapshotDetail } from '../../../src/engine/model.js';
import { XmlSyntaxError } from '../../../src/engine/xml/document.js';
import { InvalidSnapshotXmlError, readSnapshot } from '../../../src/engine/xml/snapshot-xml.js';
import { SAMPLES, SNAPSHOT_IN, SNAPSHOT_OUT, isInvalidCase, read, xmlFiles } from './corpus.js';

const UUID_9D = '9d37b878-a7cc-9f9a-b78f-49b3abad25a8';

describe('user-written snapshot XML (qemudomainsnapshotxml2xmlin)', () => {
  it.each(xmlFiles(SNAPSHOT_IN))('%s parses', (name) => {
    const detail = readSnapshot(read(SNAPSHOT_IN, name));
    expect(detail.active).toBeNull();
  });

  // The -invalid files break the RELAX NG schema (see schema.test.ts), not the structure
  // libvirt's parser needs, so the reader accepts them: validity is validate.ts's verdict.
  it.each(xmlFiles(SNAPSHOT_IN).filter(isInvalidCase))('%s is read leniently', (name) => {
    expect(readSnapshot(read(SNAPSHOT_IN, name)).disks).toHaveLength(1);
  });
});

/**
 * The in→out rows of libvirt's qemudomainsnapshotxml2xmltest.c. Without REDEFINE libvirt
 * ignores <creationTime>, <state>, <parent> and <domain> on input; its mock clock sets the
 * creation time (and the name when there is none), RUNNING sets the state, and a uuid
 * argument adds the <domain><uuid/></domain> stub. Everything else must read the same.
 */
const IN_OUT_PAIRS: Array<{ test: string; uuid: string | null; time: number; running?: boolean }> = [
  { test: 'empty', uuid: UUID_9D, time: 1386166249 },
  { test: 'noparent', uuid: UUID_9D, time: 1272917631, running: true },
  { test: 'external_vm', uuid: null, time: 1555419243 },
  { test: 'disk_snapshot', uuid: null, time: 1555419243 },
  { test: 'disk_driver_name_null', uuid: null, time: 1555419243 },
  { test: 'disk-seclabel', uuid: UUID_9D, time: 581484660 },
  { test: 'qcow2-metadata-cache', uuid: UUID_9D, time: 1386166249 },
];

function asLibvirtFormatsIt(input: SnapshotDetail, pair: (typeof IN_OUT_PAIRS)[number]): SnapshotDetail {
  return {
    ...input,
    name: input.name || String(pair.time),
    creationTime: pair.time,
    state: pair.running ? 'running' : null,
    parent: null,
    domainUuid: pair.uuid,
    domainName: null,
    domainDisks: [],
  };
}

describe('in/out pairs give the same model', () => {
  it.each(IN_OUT_PAIRS)('$test', (pair) => {
    const input = readSnapshot(read(SNAPSHOT_IN, `${pair.test}.xml`));
    const output = readSnapshot(read(SNAPSHOT_OUT, `${pair.test}.xml`));
    expect(output).toEqual(asLibvirtFormatsIt(input, pair));
  });

  it.each(['name_and_description', 'description_only', 'name_only'])('%s (in→in) is stable', (test) => {
    const text = read(SNAPSHOT_IN, `${test}.xml`);
    expect(readSnapshot(text)).toEqual(readSnapshot(text));
  });

  it('out/name_and_description reads like the in file', () => {
    expect(readSnapshot(read(SNAPSHOT_OUT, 'name_and_description.xml'))).toEqual(
      readSnapshot(read(SNAPSHOT_IN, 'name_and_description.xml')),
    );
  });
});

describe('libvirt-written snapshot XML (qemudomainsnapshotxml2xmlout)', () => {
  it.each(xmlFiles(SNAPSHOT_OUT))('%s parses', (name) => {
    expect(readSnapshot(read(SNAPSHOT_OUT, name)).name).not.toBe('');
  });

  it('reads every field of all_parameters', () => {
    expect(readSnapshot(read(SNAPSHOT_OUT, 'all_parameters.xml'))).toEqual({
      name: 'my snap name',
      description: '!@#$%^',
      state: 'running',
      parent: 'earlier_snap',
      creationTime: 1272917631,
      memory: { mode: 'internal', file: null },
      disks: [],
      location: 'internal',
      domainDisks: [],
      domainName: null,
      domainUuid: UUID_9D,
      active: true,
    });
  });

  it('reads disk snapshot modes, overlay files and source types', () => {
    const { disks, location } = readSnapshot(read(SNAPSHOT_OUT, 'disk_snapshot_redefine.xml'));
    expect(location).toBe('external');
    expect(disks).toEqual([
      { name: 'hda', mode: 'no', file: null, sourceType: null, driverType: null },
      { name: 'hdb', mode: 'no', file: null, sourceType: null, driverType: null },
      { name: 'hdc', mode: 'internal', file: null, sourceType: null, driverType: null },
      { name: 'hdd', mode: 'external', file: '/path/to/generated4', sourceType: 'file', driverType: 'qed' },
      { name: 'hde', mode: 'external', file: '/path/to/new', sourceType: 'file', driverType: 'qcow2' },
      { name: 'hdf', mode: 'external', file: '/path/to/generated5', sourceType: 'file', driverType: 'qcow2' },
    ]);
  });

  it('reads block and network overlay paths from dev and name', () => {
    const { disks } = readSnapshot(read(SNAPSHOT_OUT, 'disk_snapshot.xml'));
    expect(disks.filter((d) => d.name === 'hdf' || d.name === 'hdg').map((d) => [d.sourceType, d.file])).toEqual([
      ['block', '/path/to/new3'],
      ['network', 'volume/path'],
    ]);
  });

  it('reads the embedded domain, not the inactive one', () => {
    const detail = readSnapshot(read(SNAPSHOT_OUT, 'memory-snapshot-inactivedomain.xml'));
    expect(detail).toMatchObject({
      name: 'test-snap',
      location: 'external',
      memory: { mode: 'external', file: '/tmp/ble.img' },
      domainName: 'snapshot-inactivedomain',
      domainUuid: '14beef2c-8cae-4ea8-bf55-e48fe0cd4b73',
    });
  });

  it('reads the disks of the embedded domain', () => {
    const { domainDisks } = readSnapshot(read(SNAPSHOT_OUT, 'external_vm_redefine.xml'));
    expect(domainDisks).toEqual([
      {
        target: 'hda',
        device: 'disk',
        source: '/dev/HostVG/QEMUGuest1',
        type: 'block',
        format: 'raw',
        readonly: false,
        chain: [{ source: '/dev/HostVG/QEMUGuest1', type: 'block', format: 'raw', index: null }],
      },
    ]);
  });
});

describe('virsh snapshot-dumpxml samples', () => {
  it('internal running snapshot', () => {
    const detail = readSnapshot(read(SAMPLES, 'snapshot-dumpxml-internal-running.xml'));
    expect(detail).toMatchObject({
      name: 's1',
      description: 'first internal snapshot',
      state: 'running',
      parent: null,
      creationTime: 1795310464,
      memory: { mode: 'internal', file: null },
      location: 'internal',
      domainName: 'demo',
      domainUuid: 'a984a0f5-11ba-418d-b318-d266b1fc28f4',
      active: null,
    });
    expect(detail.disks.map((d) => [d.name, d.mode])).toEqual([
      ['vda', 'internal'],
      ['vdb', 'internal'],
    ]);
    expect(detail.domainDisks.map((d) => [d.target, d.source, d.chain.length])).toEqual([
      ['vda', '/tmp/lv/img/demo-vda.qcow2', 1],
      ['vdb', '/tmp/lv/img/demo-vdb.qcow2', 1],
    ]);
  });

  it('external disk-only snapshot', () => {
    const detail = readSnapshot(read(SAMPLES, 'snapshot-dumpxml-external-disk-only.xml'));
    expect(detail).toMatchObject({ name: 'e1', state: 'disk-snapshot', parent: 's2', location: 'external' });
    expect(detail.memory).toEqual({ mode: 'no', file: null });
    expect(detail.disks[0]).toEqual({
      name: 'vda',
      mode: 'external',
      file: '/tmp/lv/img/demo-vda.e1.qcow2',
      sourceType: 'file',
      driverType: 'qcow2',
    });
  });

  it('external snapshot with memory, whose domain has a backing chain', () => {
    const detail = readSnapshot(read(SAMPLES, 'snapshot-dumpxml-external-memory.xml'));
    expect(detail).toMatchObject({
      name: 'ev2',
      description: null,
      parent: 'ev1',
      location: 'external',
      memory: { mode: 'external', file: '/tmp/lv-demo/img/ev2.mem' },
    });
    expect(detail.domainDisks[1]?.chain).toEqual([
      { source: '/tmp/lv-demo/img/vdb.u2', type: 'file', format: 'qcow2', index: null },
      { source: '/tmp/lv-demo/img/demo-vdb.qcow2', type: 'file', format: 'qcow2', index: null },
    ]);
  });
});

describe('location, as virsh snapshot-info derives it', () => {
  const snapshot = (body: string) => readSnapshot(`<domainsnapshot><name>s</name>${body}</domainsnapshot>`);

  it('without <memory>, only a disk-only snapshot is external', () => {
    expect(snapshot('<state>disk-snapshot</state>').location).toBe('external');
    expect(snapshot('<state>shutoff</state>').location).toBe('internal');
    expect(
      snapshot(`<state>running</state><disks><disk name='vda' snapshot='external'/></disks>`).location,
    ).toBe('internal');
  });

  it('with <memory>, external when memory or any disk is', () => {
    expect(snapshot(`<memory snapshot='internal'/>`).location).toBe('internal');
    expect(snapshot(`<memory snapshot='external' file='/m'/>`).location).toBe('external');
    expect(
      snapshot(`<memory snapshot='no'/><disks><disk name='vda' snapshot='internal'/><disk name='vdb' snapshot='external'/></disks>`)
        .location,
    ).toBe('external');
  });

  it("applies libvirt's defaults: a file or format means external", () => {
    const detail = snapshot(
      `<memory file='/m'/><disks><disk name='vda'><source file='/o'/></disk><disk name='vdb'><driver type='qcow2'/></disk><disk name='vdc'/></disks>`,
    );
    expect(detail.memory).toEqual({ mode: 'external', file: '/m' });
    expect(detail.disks.map((d) => [d.name, d.mode, d.sourceType])).toEqual([
      ['vda', 'external', 'file'],
      ['vdb', 'external', 'file'],
      ['vdc', null, null],
    ]);
    expect(snapshot(`<memory snapshot='no'/><disks><disk name='vda'><source file='/o'/></disk></disks>`).location).toBe(
      'external',
    );
  });

  it('treats empty elements as absent, like libvirt', () => {
    expect(snapshot('<description></description><parent><name/></parent>')).toMatchObject({
      description: null,
      parent: null,
    });
  });
});

describe('errors', () => {
  it.each([
    ['the root is not <domainsnapshot>', '<domaincheckpoint><name>c</name></domaincheckpoint>', /<domaincheckpoint>/],
    ['a disk has no name', `<domainsnapshot><disks><disk snapshot='no'/></disks></domainsnapshot>`, /no name/],
    ['a disk mode is unknown', `<domainsnapshot><disks><disk name='vda' snapshot='sideways'/></disks></domainsnapshot>`, /sideways/],
    ['the memory mode is unknown', `<domainsnapshot><memory snapshot='maybe'/></domainsnapshot>`, /maybe/],
    ['creationTime is not a number', '<domainsnapshot><creationTime>soon</creationTime></domainsnapshot>', /soon/],
    ['active is not a number', '<domainsnapshot><active>yes</active></domainsnapshot>', /active/],
    [
      'an embedded disk has no target',
      `<domainsnapshot><domain type='kvm'><name>d</name><devices><disk/></devices></domain></domainsnapshot>`,
      /embedded <domain>.*target/,
    ],
  ])('InvalidSnapshotXmlError when %s', (_why, xml, message) => {
    expect(() => readSnapshot(xml)).toThrow(InvalidSnapshotXmlError);
    expect(() => readSnapshot(xml)).toThrow(message);
  });

  it('XmlSyntaxError when the XML is malformed', () => {
    expect(() => readSnapshot('<domainsnapshot><name>x</domainsnapshot>')).toThrow(XmlSyntaxError);
  });
});
