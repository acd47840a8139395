import { describe, expect, it } from 'vitest';
import { child, plainNode, type XmlElement } from '../../../src/engine/xml/document.js';
import { InvalidSnapshotXmlError, SnapshotXml, readSnapshot } from '../../../src/engine/xml/snapshot-xml.js';
import { SAMPLES, SNAPSHOT_OUT, SNAPSHOT_SAMPLES, read, xmlFiles } from './corpus.js';
import { SPECIAL_TEXT, UNICODE_NAME } from './specs.js';

const ESCAPED_SPECIAL = '!@#$%^ &lt;&amp;&gt; &quot;q&quot; &apos;a&apos;';

const documents = [
  ...xmlFiles(SNAPSHOT_OUT).map((name) => [`out/${name}`, read(SNAPSHOT_OUT, name)] as const),
  ...SNAPSHOT_SAMPLES.map((name) => [`samples/${name}`, read(SAMPLES, name)] as const),
];

describe('editing the description changes nothing else', () => {
  it.each(documents)('%s', (_name, original) => {
    const snapshot = SnapshotXml.parse(original);
    const before = snapshot.description();
    snapshot.setDescription(SPECIAL_TEXT);
    const written = snapshot.toXml();

    expect(readSnapshot(written)).toEqual({ ...readSnapshot(original), description: SPECIAL_TEXT });
    if (before !== null) {
      const escapedBefore = before.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      expect(written).toBe(
        original.replace(`<description>${escapedBefore}</description>`, `<description>${ESCAPED_SPECIAL}</description>`),
      );
    } else {
      expect(written).toBe(
        original.replace(/^( {2}<name>.*<\/name>\n)/m, `$1  <description>${ESCAPED_SPECIAL}</description>\n`),
      );
    }
  });
});

describe('edit → write → read', () => {
  it('keeps special characters and unicode in name, description and parent', () => {
    const snapshot = SnapshotXml.parse(read(SAMPLES, 'snapshot-dumpxml-external-memory.xml'));
    snapshot.setName(UNICODE_NAME);
    snapshot.setDescription(`${SPECIAL_TEXT} ${UNICODE_NAME}`);
    snapshot.setParent(`${UNICODE_NAME} <parent> & 'more'`);
    const reread = SnapshotXml.parse(snapshot.toXml());
    expect(reread.name()).toBe(UNICODE_NAME);
    expect(reread.description()).toBe(`${SPECIAL_TEXT} ${UNICODE_NAME}`);
    expect(reread.parent()).toBe(`${UNICODE_NAME} <parent> & 'more'`);
    expect(reread.detail()).toMatchObject({
      name: UNICODE_NAME,
      parent: `${UNICODE_NAME} <parent> & 'more'`,
      location: 'external',
    });
  });

  it('keeps an unknown element and namespaced <metadata> in the embedded domain', () => {
    const original = read(SNAPSHOT_OUT, 'metadata.xml').replace(
      '    <memory unit=',
      `    <virtsnap-unknown flag="1" other='two'>kept &amp; <inner/> as is</virtsnap-unknown>\n    <memory unit=`,
    );
    const domainOf = (xml: SnapshotXml): XmlElement => {
      const domain = child(xml.root, 'domain');
      if (!domain) throw new Error('fixture has <domain>');
      return domain;
    };
    const snapshot = SnapshotXml.parse(original);
    const domainBefore = plainNode(domainOf(snapshot));
    snapshot.setDescription('edited');
    const written = snapshot.toXml();

    expect(plainNode(domainOf(SnapshotXml.parse(written)))).toEqual(domainBefore);
    expect(written).toContain(
      `    <metadata>\n      <app1:foo xmlns:app1="http://foo.org/">fooish</app1:foo>\n      <app2:bar xmlns:app2="http://bar.com/" maman="baz">barish</app2:bar>\n    </metadata>\n`,
    );
    expect(written).toContain(`<virtsnap-unknown flag="1" other='two'>kept &amp; <inner/> as is</virtsnap-unknown>`);
    expect(written).toBe(original.replace('<description>!@#$%^</description>', '<description>edited</description>'));
  });

  it('removes the description with its line', () => {
    const original = read(SNAPSHOT_OUT, 'full_domain.xml');
    const snapshot = SnapshotXml.parse(original);
    snapshot.setDescription(null);
    expect(snapshot.toXml()).toBe(original.replace('  <description>!@#$%^</description>\n', ''));
    expect(snapshot.description()).toBeNull();
  });

  it('adds a parent where libvirt puts it, and removes it again', () => {
    const original = read(SNAPSHOT_OUT, 'noparent.xml');
    const snapshot = SnapshotXml.parse(original);
    snapshot.setParent('base');
    expect(snapshot.toXml()).toBe(
      original.replace(
        '  <state>running</state>\n',
        '  <state>running</state>\n  <parent>\n    <name>base</name>\n  </parent>\n',
      ),
    );
    snapshot.setParent('renamed');
    expect(snapshot.parent()).toBe('renamed');
    snapshot.setParent(null);
    expect(snapshot.toXml()).toBe(original);
  });

  it('renames in place', () => {
    const original = read(SNAPSHOT_OUT, 'all_parameters.xml');
    const snapshot = SnapshotXml.parse(original);
    expect(snapshot.name()).toBe('my snap name');
    snapshot.setName('renamed');
    expect(snapshot.toXml()).toBe(original.replace('<name>my snap name</name>', '<name>renamed</name>'));
  });

  it('fills in an empty <domainsnapshot/> in libvirt order and style', () => {
    const snapshot = SnapshotXml.parse('<domainsnapshot/>\n');
    snapshot.setParent('p');
    snapshot.setDescription('d');
    snapshot.setName('n');
    expect(snapshot.toXml()).toBe(
      '<domainsnapshot>\n  <name>n</name>\n  <description>d</description>\n  <parent>\n    <name>p</name>\n  </parent>\n</domainsnapshot>\n',
    );
  });

  it('refuses documents that are not snapshots, and empty names', () => {
    expect(() => SnapshotXml.parse('<domain/>')).toThrow(InvalidSnapshotXmlError);
    expect(() => SnapshotXml.parse('<domainsnapshot/>').setName('')).toThrow(InvalidSnapshotXmlError);
  });
});
