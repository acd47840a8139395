// A <domainsnapshot> file into a CreateRequest.

import { describe, expect, it } from 'vitest';
import { createRequestFromXml, FromXmlError } from '../../../src/engine/create/from-xml.js';
import { InvalidSnapshotXmlError } from '../../../src/engine/xml/snapshot-xml.js';
import { XmlSyntaxError } from '../../../src/engine/xml/document.js';

describe('createRequestFromXml', () => {
  it('reads name, description, memory and disks', () => {
    const xml = `<domainsnapshot>
  <name>fx &amp; ü</name>
  <description>from a "file"</description>
  <memory snapshot='external' file='/img/fx mem,1'/>
  <disks>
    <disk name='vda' snapshot='external'><driver type='qcow2'/><source file='/img/vda.fx.qcow2'/></disk>
    <disk name='vdb' snapshot='no'/>
    <disk name='sda' type='block'><source dev='/dev/vg/snap'/></disk>
  </disks>
</domainsnapshot>`;
    expect(createRequestFromXml(xml)).toEqual({
      name: 'fx & ü',
      description: 'from a "file"',
      memory: { mode: 'external', file: '/img/fx mem,1' },
      disks: [
        { target: 'vda', mode: 'external', driverType: 'qcow2', sourceType: 'file', file: '/img/vda.fx.qcow2' },
        { target: 'vdb', mode: 'no' },
        { target: 'sda', mode: 'external', sourceType: 'block', file: '/dev/vg/snap' },
      ],
      flags: {},
    });
  });

  it('leaves out what the file leaves out', () => {
    expect(createRequestFromXml('<domainsnapshot/>')).toEqual({ disks: [], flags: {} });
    expect(createRequestFromXml('<domainsnapshot><memory snapshot="no"/></domainsnapshot>')).toEqual({
      memory: { mode: 'no' },
      disks: [],
      flags: {},
    });
  });

  it('gives the line and column of malformed XML', () => {
    let caught: unknown;
    try {
      createRequestFromXml('<domainsnapshot>\n  <name>x</nam>\n</domainsnapshot>');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(XmlSyntaxError);
    expect((caught as XmlSyntaxError).line).toBe(2);
    expect((caught as Error).message).toMatch(/^Malformed XML at line 2, column \d+: /);
  });

  it('rejects other documents and modes libvirt rejects', () => {
    expect(() => createRequestFromXml('<domain/>')).toThrow(InvalidSnapshotXmlError);
    expect(() => createRequestFromXml("<domainsnapshot><memory snapshot='sometimes'/></domainsnapshot>")).toThrow(/unknown memory snapshot mode/);
    expect(() => createRequestFromXml("<domainsnapshot><disks><disk snapshot='no'/></disks></domainsnapshot>")).toThrow(/no name attribute/);
    expect(() => createRequestFromXml("<domainsnapshot><memory snapshot='manual'/></domainsnapshot>")).toThrow(FromXmlError);
    expect(() =>
      createRequestFromXml("<domainsnapshot><disks><disk name='vda'/><disk name='vda' snapshot='no'/></disks></domainsnapshot>"),
    ).toThrow(/listed twice/);
  });
});
