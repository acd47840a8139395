import { describe, expect, it } from 'vitest';
import { parseXml, serializeXml } from '../../../src/engine/xml/document.js';
import {
  InvalidDomainXmlError,
  readDomainDisks,
  readDomainIdentity,
} from '../../../src/engine/xml/domain-xml.js';
import { SAMPLES, read } from './corpus.js';

describe('readDomainDisks', () => {
  it('reads a live domain: index on every layer, empty <backingStore/> ends the chain', () => {
    expect(readDomainDisks(read(SAMPLES, 'domain-dumpxml-live.xml'))).toEqual([
      {
        target: 'vda',
        device: 'disk',
        source: '/tmp/lv-demo/img/demo-vda.qcow2',
        type: 'file',
        format: 'qcow2',
        readonly: false,
        chain: [{ source: '/tmp/lv-demo/img/demo-vda.qcow2', type: 'file', format: 'qcow2', index: 3 }],
      },
      {
        target: 'vdb',
        device: 'disk',
        source: '/tmp/lv-demo/img/vdb.u2',
        type: 'file',
        format: 'qcow2',
        readonly: false,
        chain: [
          { source: '/tmp/lv-demo/img/vdb.u2', type: 'file', format: 'qcow2', index: 1 },
          { source: '/tmp/lv-demo/img/demo-vdb.qcow2', type: 'file', format: 'qcow2', index: 2 },
        ],
      },
    ]);
  });

  it('reads an inactive domain: no indexes, chain without the closing empty store', () => {
    const disks = readDomainDisks(read(SAMPLES, 'domain-dumpxml-inactive.xml'));
    expect(disks.map((d) => d.chain)).toEqual([
      [{ source: '/tmp/lv-demo/img/demo-vda.qcow2', type: 'file', format: 'qcow2', index: null }],
      [
        { source: '/tmp/lv-demo/img/vdb.u2', type: 'file', format: 'qcow2', index: null },
        { source: '/tmp/lv-demo/img/demo-vdb.qcow2', type: 'file', format: 'qcow2', index: null },
      ],
    ]);
  });

  it('follows a three-layer chain from the disk fragment sample', () => {
    const fragment = read(SAMPLES, 'dumpxml-disk-backing-chain.xml');
    const disks = readDomainDisks(`<domain type='qemu'><name>demo</name><devices>\n${fragment}</devices></domain>`);
    expect(disks.map((d) => d.chain.map((l) => [l.source, l.index]))).toEqual([
      [
        ['/tmp/lv/img/vda.x4', 6],
        ['/tmp/lv/img/vda.x3', 5],
        ['/tmp/lv/img/demo-vda.qcow2', 2],
      ],
      [['/tmp/lv/img/demo-vdb.qcow2', 1]],
    ]);
  });

  it('takes an already parsed element, such as a snapshot’s embedded <domain>', () => {
    const snapshot = parseXml(read(SAMPLES, 'snapshot-dumpxml-external-memory.xml'));
    const domain = snapshot.root.children.find((n) => n.type === 'element' && n.name === 'domain');
    if (domain?.type !== 'element') throw new Error('sample has <domain>');
    expect(readDomainDisks(domain).map((d) => d.target)).toEqual(['vda', 'vdb']);
  });

  it('reads the source attribute virsh domblklist would, and empty or read-only devices', () => {
    const disks = readDomainDisks(`<domain>
      <devices>
        <disk type='block' device='disk'><source dev='/dev/vg/lv'/><target dev='vda'/></disk>
        <disk type='network' device='disk'><driver type='raw'/><source protocol='rbd' name='pool/image'><host name='mon'/></source><target dev='vdb'/></disk>
        <disk type='volume' device='disk'><source pool='default' volume='vol1'/><target dev='vdc'/></disk>
        <disk type='file' device='cdrom'><target dev='sda'/><readonly/></disk>
        <disk type='vhostuser' device='disk'><source type='unix' path='/run/vhost.sock'/><target dev='vdd'/></disk>
      </devices>
    </domain>`);
    expect(disks.map((d) => [d.target, d.device, d.type, d.source, d.readonly, d.chain.length])).toEqual([
      ['vda', 'disk', 'block', '/dev/vg/lv', false, 1],
      ['vdb', 'disk', 'network', 'pool/image', false, 1],
      ['vdc', 'disk', 'volume', 'vol1', false, 1],
      ['sda', 'cdrom', 'file', null, true, 0],
      ['vdd', 'disk', 'vhostuser', '/run/vhost.sock', false, 1],
    ]);
  });

  it('follows a chain hundreds of layers deep', () => {
    const layers = 300;
    let store = '<backingStore/>';
    for (let i = 1; i < layers; i += 1) {
      store = `<backingStore type='file' index='${i}'><format type='qcow2'/><source file='/img/${i}'/>${store}</backingStore>`;
    }
    const xml = `<domain><devices><disk type='file' device='disk'><driver type='qcow2'/><source file='/img/${layers}' index='${layers}'/>${store}<target dev='vda'/></disk></devices></domain>`;
    const [disk] = readDomainDisks(xml);
    expect(disk?.chain).toHaveLength(layers);
    expect(disk?.chain.at(-1)).toEqual({ source: '/img/1', type: 'file', format: 'qcow2', index: 1 });
    expect(serializeXml(parseXml(xml))).toBe(xml);
  });

  it('gives no disks for a domain without devices', () => {
    expect(readDomainDisks('<domain><name>x</name></domain>')).toEqual([]);
  });

  it('rejects other documents and disks without a target', () => {
    expect(() => readDomainDisks('<network/>')).toThrow(InvalidDomainXmlError);
    expect(() => readDomainDisks('<domain><devices><disk/></devices></domain>')).toThrow(/target/);
  });
});

describe('readDomainIdentity', () => {
  it('reads name and uuid', () => {
    expect(readDomainIdentity(read(SAMPLES, 'domain-dumpxml-live.xml'))).toEqual({
      name: 'demo',
      uuid: 'df5d8626-cbf1-4f17-845b-71be71f20622',
    });
  });

  it('requires a name', () => {
    expect(() => readDomainIdentity('<domain><uuid>u</uuid></domain>')).toThrow(InvalidDomainXmlError);
  });
});
