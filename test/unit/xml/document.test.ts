import { describe, expect, it } from 'vitest';
import {
  XmlSyntaxError,
  appendChild,
  attr,
  child,
  childPath,
  childText,
  children,
  element,
  ensureChild,
  newDocument,
  parseXml,
  plainTree,
  removeAttr,
  removeChild,
  serializeXml,
  setAttr,
  setText,
  textNode,
  textOf,
} from '../../../src/engine/xml/document.js';
import { DOMAIN_SAMPLES, SAMPLES, SNAPSHOT_IN, SNAPSHOT_OUT, SNAPSHOT_SAMPLES, read, xmlFiles } from './corpus.js';

const SPECIAL = `!@#$%^ <&> "q" 'a'`;

function roundTrip(text: string): string {
  return serializeXml(parseXml(text));
}

function expectLossless(text: string): void {
  const doc = parseXml(text);
  const written = serializeXml(doc);
  expect(plainTree(parseXml(written))).toEqual(plainTree(doc));
  expect(written).toBe(text);
}

describe('lossless round trip', () => {
  const corpus = [
    ...xmlFiles(SNAPSHOT_IN).map((name) => [`in/${name}`, read(SNAPSHOT_IN, name)] as const),
    ...xmlFiles(SNAPSHOT_OUT).map((name) => [`out/${name}`, read(SNAPSHOT_OUT, name)] as const),
    ...[...SNAPSHOT_SAMPLES, ...DOMAIN_SAMPLES, 'test-driver-fixture.xml'].map(
      (name) => [`samples/${name}`, read(SAMPLES, name)] as const,
    ),
  ];

  it.each(corpus)('%s is written back byte for byte', (_name, text) => {
    expectLossless(text);
  });

  it('keeps the disk fragment sample exact once wrapped in a domain', () => {
    const wrapped = `<domain>\n  <devices>\n${read(SAMPLES, 'dumpxml-disk-backing-chain.xml')}  </devices>\n</domain>\n`;
    expectLossless(wrapped);
  });

  it('keeps declarations, comments, CDATA, processing instructions and odd spacing', () => {
    const text = [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<!DOCTYPE domainsnapshot>`,
      `<!-- before -->`,
      `<domainsnapshot  a = "1"\tb='2' >`,
      `  <?virtsnap keep   this ?>`,
      `  <name>a&amp;b &#65;&#x42; &lt;tag&gt;</name>`,
      `  <empty></empty>`,
      `  <spaced ></spaced >`,
      `  <code><![CDATA[<not> & parsed]]></code>`,
      `  <!-- inside -->`,
      `  <app:foo xmlns:app="http://example.org/app" app:x='y'>ns</app:foo>`,
      `  <mixed>text <b>bold</b> tail</mixed>`,
      `  <inline><a/><b/></inline>`,
      `</domainsnapshot>`,
      `<!-- after -->`,
      ``,
      ``,
    ].join('\n');
    expectLossless(text);
  });

  it('keeps a byte order mark and element names that are JavaScript property names', () => {
    expectLossless('\uFEFF<a>\n  <toString/>\n  <hasOwnProperty x="1"/>\n</a>\n');
  });

  it('keeps CRLF line endings while the tree holds plain newlines', () => {
    const text = `<domainsnapshot>\r\n  <description>two\r\nlines</description>\r\n</domainsnapshot>\r\n`;
    const doc = parseXml(text);
    expect(doc.lineEnding).toBe('\r\n');
    expect(childText(doc.root, 'description')).toBe('two\nlines');
    expect(serializeXml(doc)).toBe(text);
  });

  it('keeps whitespace-only text nodes and untrimmed values', () => {
    const doc = parseXml(`<a>  <b x='  padded  '>  spaced  </b>\n\t</a>`);
    expect(doc.root.children.map((n) => n.type)).toEqual(['text', 'element', 'text']);
    const b = child(doc.root, 'b');
    expect(b && attr(b, 'x')).toBe('  padded  ');
    expect(b && textOf(b)).toBe('  spaced  ');
  });
});

describe('entities and special characters', () => {
  it('decodes references exactly once', () => {
    const doc = parseXml(`<a v='&amp;lt;'>&amp;lt; &amp;amp; &lt;</a>`);
    expect(attr(doc.root, 'v')).toBe('&lt;');
    expect(textOf(doc.root)).toBe('&lt; &amp; <');
  });

  it('decodes numeric character references without HTML entities', () => {
    expect(textOf(parseXml('<a>&#65;&#x42;&#x1F600;</a>').root)).toBe('AB😀');
  });

  it('normalises literal whitespace in attribute values but keeps referenced whitespace', () => {
    const doc = parseXml(`<a v='one\ntwo' w='one&#10;two'/>`);
    expect(attr(doc.root, 'v')).toBe('one two');
    expect(attr(doc.root, 'w')).toBe('one\ntwo');
    const rewritten = parseXml(serializeXml(doc));
    expect(attr(rewritten.root, 'w')).toBe('one\ntwo');
  });

  it('writes special characters and unicode so they read back unchanged', () => {
    const values = [SPECIAL, 'ünïcødé 快照 😀', '&lt; stays literal', ']]> and --', 'tab\there', 'cr\rhere'];
    for (const value of values) {
      const doc = newDocument(element('a', { v: value }, [textNode(value)]));
      const written = serializeXml(doc);
      const back = parseXml(written);
      expect(attr(back.root, 'v')).toBe(value);
      expect(textOf(back.root)).toBe(value);
    }
  });

  it("escapes like libvirt: single-quoted attributes, all five characters", () => {
    const doc = newDocument(element('a', { v: SPECIAL }, [textNode(SPECIAL)]));
    expect(serializeXml(doc)).toBe(
      `<a v='!@#$%^ &lt;&amp;&gt; &quot;q&quot; &apos;a&apos;'>!@#$%^ &lt;&amp;&gt; &quot;q&quot; &apos;a&apos;</a>\n`,
    );
  });

  it('re-escapes a changed value that came from a double-quoted attribute', () => {
    const doc = parseXml(`<a v="x"/>`);
    setAttr(doc.root, 'v', `it's "quoted"`);
    expect(serializeXml(doc)).toBe(`<a v="it&apos;s &quot;quoted&quot;"/>`);
    expect(attr(parseXml(serializeXml(doc)).root, 'v')).toBe(`it's "quoted"`);
  });

  it('drops characters XML cannot carry, as libvirt does', () => {
    const doc = newDocument(element('a', {}, [textNode('bell\u0007 here')]));
    expect(serializeXml(doc)).toBe('<a>bell here</a>\n');
  });
});

describe('malformed input', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['an unclosed element', '<a>\n  <b>\n</a>', /line 3, column 1: Expected closing tag 'b'/],
    ['a bare ampersand', '<a>\n fish & chips</a>', /line 2, column 7/],
    ['an undefined entity', '<a>\n  &nbsp;</a>', /line 2, column 3: undefined entity '&nbsp;'/],
    ['a reference to a non-character', '<a>&#0;</a>', /line 1, column 4: character reference/],
    ['< inside an attribute', `<a>\n<b v='<'/></a>`, /line 2, column 7: '<' is not allowed/],
    ['a control character', '<a>\u0001</a>', /line 1, column 4: character U\+0001/],
    ['two root elements', '<a/>\n<b/>', /more than one root|Multiple possible root/],
    ['text after the root', '<a/>\ntrailing', /line 2, column 1: unexpected content after the root/],
    ['an empty document', '', /Start tag expected|no root element/],
    ['a repeated attribute', `<a x='1' x='2'/>`, /Attribute 'x' is repeated/],
    ['an unquoted attribute', '<a x=1/>', /line 1/],
  ];

  it.each(cases)('rejects %s with a positioned XmlSyntaxError', (_what, text, message) => {
    let caught: unknown;
    try {
      parseXml(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(XmlSyntaxError);
    expect((caught as XmlSyntaxError).message).toMatch(/^Malformed XML/);
    expect((caught as XmlSyntaxError).message).toMatch(message);
  });

  it('rejects nesting deeper than any libvirt document needs', () => {
    const nested = (depth: number) => '<a>'.repeat(depth) + '</a>'.repeat(depth);
    expect(serializeXml(parseXml(nested(990)))).toBe(nested(990));
    expect(() => parseXml(nested(1100))).toThrow(XmlSyntaxError);
  });

  it('exposes line and column as fields', () => {
    try {
      parseXml('<a>\n  <b>\n</a>');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: 'XmlSyntaxError', line: 3, column: 1 });
    }
  });
});

describe('tree helpers', () => {
  const libvirtStyle = `<domainsnapshot>\n  <name>s1</name>\n  <state>running</state>\n</domainsnapshot>\n`;

  it('finds children, paths, attributes and text', () => {
    const doc = parseXml(read(SNAPSHOT_OUT, 'disk_snapshot.xml'));
    const disks = child(doc.root, 'disks');
    expect(disks && children(disks, 'disk').map((d) => attr(d, 'name'))).toEqual([
      '/dev/HostVG/QEMUGuest1',
      'hdb',
      'hdc',
      'hdd',
      'hde',
      'hde',
      'hdf',
      'hdg',
      'hdh',
    ]);
    expect(childText(doc.root, 'description')).toBe('!@#$%^');
    expect(childPath(doc.root, 'disks', 'disk', 'source')).toBeNull();
    expect(childText(doc.root, 'missing')).toBeNull();
  });

  it('inserts new elements in order with the indentation of their siblings', () => {
    const doc = parseXml(libvirtStyle);
    setText(ensureChild(doc.root, 'description', ['name', 'description', 'state']), 'new');
    expect(serializeXml(doc)).toBe(
      `<domainsnapshot>\n  <name>s1</name>\n  <description>new</description>\n  <state>running</state>\n</domainsnapshot>\n`,
    );
  });

  it('inserts before the first ranked sibling when nothing ranks lower', () => {
    const doc = parseXml(`<domainsnapshot>\n  <state>running</state>\n</domainsnapshot>\n`);
    setText(ensureChild(doc.root, 'name', ['name', 'state']), 'first');
    expect(serializeXml(doc)).toBe(
      `<domainsnapshot>\n  <name>first</name>\n  <state>running</state>\n</domainsnapshot>\n`,
    );
  });

  it('lays out children added to an empty element, nested ones too', () => {
    const doc = parseXml('<domainsnapshot/>\n');
    const parent = ensureChild(doc.root, 'parent');
    setText(ensureChild(parent, 'name'), 'base');
    appendChild(doc.root, element('memory', { snapshot: 'no' }));
    expect(serializeXml(doc)).toBe(
      `<domainsnapshot>\n  <parent>\n    <name>base</name>\n  </parent>\n  <memory snapshot='no'/>\n</domainsnapshot>\n`,
    );
  });

  it('indents a new element nested inside an indented document', () => {
    const doc = parseXml(read(SNAPSHOT_OUT, 'disk_driver_name_null.xml'));
    const disks = child(doc.root, 'disks');
    if (!disks) throw new Error('fixture has <disks>');
    appendChild(disks, element('disk', { name: 'vdb', snapshot: 'no' }));
    expect(serializeXml(doc)).toContain(
      `    </disk>\n    <disk name='vdb' snapshot='no'/>\n  </disks>\n`,
    );
  });

  it('removes an element together with its indentation', () => {
    const doc = parseXml(libvirtStyle);
    const name = child(doc.root, 'name');
    if (!name) throw new Error('fixture has <name>');
    removeChild(doc.root, name);
    expect(serializeXml(doc)).toBe(`<domainsnapshot>\n  <state>running</state>\n</domainsnapshot>\n`);
    const state = child(doc.root, 'state');
    if (!state) throw new Error('fixture has <state>');
    removeChild(doc.root, state);
    expect(serializeXml(doc)).toBe(`<domainsnapshot/>\n`);
  });

  it('keeps children that the source wrote inline on one line', () => {
    const doc = parseXml(`<os><type arch='x86_64'>hvm</type></os>`);
    appendChild(doc.root, element('boot', { dev: 'hd' }));
    expect(serializeXml(doc)).toBe(`<os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>`);
  });

  it('edits attributes in place, keeping position and quoting', () => {
    const doc = parseXml(`<disk name="vda"  snapshot='no' type="file"/>`);
    setAttr(doc.root, 'snapshot', 'external');
    setAttr(doc.root, 'extra', 'x');
    removeAttr(doc.root, 'type');
    expect(serializeXml(doc)).toBe(`<disk name="vda"  snapshot='external' extra='x'/>`);
  });
});
