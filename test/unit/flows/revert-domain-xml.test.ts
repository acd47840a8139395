import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskSources, guestMemoryBytes, pointDisksAt, snapshotDefinition } from '../../../src/engine/flows/revert-domain-xml.js';
import { readDomainDisks } from '../../../src/engine/xml/domain-xml.js';

// `virsh snapshot-dumpxml` of an external memory+disk snapshot of a running domain (libvirt 9.0):
// it has both <domain> (live, with <backingStore> chains) and <inactiveDomain>.
const SAMPLE = readFileSync(new URL('../../../fixtures/samples/snapshot-dumpxml-external-memory.xml', import.meta.url), 'utf8');

describe('the domain XML of a guided revert', () => {
  it('takes the recorded persistent definition (<inactiveDomain>) as a <domain>', () => {
    const definition = snapshotDefinition(SAMPLE)!;
    expect(definition.startsWith("<domain type='qemu'>")).toBe(true);
    expect(definition.trimEnd().endsWith('</domain>')).toBe(true);
    expect(diskSources(definition)).toEqual(new Map([['vda', '/tmp/lv-demo/img/demo-vda.qcow2'], ['vdb', '/tmp/lv-demo/img/vdb.u2']]));
  });

  it('points the disks at new images and drops every backingStore, the empty one included', () => {
    const definition = snapshotDefinition(SAMPLE)!;
    const edited = pointDisksAt(definition, new Map([['vda', '/img/vda.ev2-r1.qcow2'], ['vdb', '/img/vdb.ev2-r1.qcow2']]));
    expect(edited).not.toContain('backingStore');
    expect(readDomainDisks(edited).map((d) => [d.target, d.source, d.chain.length])).toEqual([
      ['vda', '/img/vda.ev2-r1.qcow2', 1],
      ['vdb', '/img/vdb.ev2-r1.qcow2', 1],
    ]);
    // Everything else is written back as it was: only the disk lines differ.
    const before = definition.split('\n').filter((l) => !/backingStore|<source file=|<format /.test(l));
    const after = edited.split('\n').filter((l) => !/<source file=/.test(l));
    expect(after).toEqual(before);
  });

  it('a live <domain> loses its runtime id and source index; a disk left out keeps its source but not its chain', () => {
    const live = SAMPLE.slice(SAMPLE.indexOf('<domain '), SAMPLE.indexOf('</domain>') + '</domain>'.length).replace("<domain type='qemu'>", "<domain type='qemu' id='7'>").replace("<source file='/tmp/lv-demo/img/demo-vda.qcow2'/>", "<source file='/tmp/lv-demo/img/demo-vda.qcow2' index='3'/>");
    const edited = pointDisksAt(live, new Map([['vda', '/img/new.qcow2']]));
    expect(edited).not.toMatch(/ id='7'|index='3'|backingStore/);
    expect(diskSources(edited).get('vdb')).toBe('/tmp/lv-demo/img/vdb.u2');
    expect(() => pointDisksAt(live, new Map([['vdz', '/img/x.qcow2']]))).toThrow(/no disk vdz/);
  });

  it('reads the guest memory size', () => {
    expect(guestMemoryBytes(snapshotDefinition(SAMPLE)!)).toBe(128 * 1024 * 1024);
  });
});
