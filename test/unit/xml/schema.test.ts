// Everything virtsnap writes must satisfy libvirt's own RELAX NG schema, checked with
// xmllint exactly as libvirt's virschematest does.

import { beforeAll, describe, expect, it } from 'vitest';
import { SnapshotXml, buildSnapshotXml } from '../../../src/engine/xml/snapshot-xml.js';
import {
  validateSnapshotXml,
  validateSnapshotXmlBatch,
  type SchemaValidation,
} from '../../../src/engine/xml/validate.js';
import {
  SAMPLES,
  SNAPSHOT_IN,
  SNAPSHOT_OUT,
  SNAPSHOT_SAMPLES,
  SNAPSHOT_SCHEMA,
  isInvalidCase,
  read,
  xmlFiles,
} from './corpus.js';
import { SPECIAL_TEXT, SPECS, UNICODE_NAME } from './specs.js';

const options = { schema: SNAPSHOT_SCHEMA };

/** Validate labelled documents in one xmllint run; each test then looks up its own verdict. */
function validatedOnce(documents: () => Array<[string, string]>): (label: string) => SchemaValidation {
  const verdicts = new Map<string, SchemaValidation>();
  beforeAll(async () => {
    const list = documents();
    const results = await validateSnapshotXmlBatch(
      list.map(([, xml]) => xml),
      options,
    );
    list.forEach(([label], i) => verdicts.set(label, results[i] as SchemaValidation));
  });
  return (label) => {
    const verdict = verdicts.get(label);
    if (!verdict) throw new Error(`no verdict for ${label}`);
    return verdict;
  };
}

const corpusIn = xmlFiles(SNAPSHOT_IN);
const snapshotDocuments = [
  ...xmlFiles(SNAPSHOT_OUT).map((name): [string, string] => [`out/${name}`, read(SNAPSHOT_OUT, name)]),
  ...SNAPSHOT_SAMPLES.map((name): [string, string] => [`samples/${name}`, read(SAMPLES, name)]),
];

describe('the validator agrees with libvirt’s virschematest', () => {
  it.each(corpusIn.filter(isInvalidCase))('rejects in/%s with xmllint’s reason', async (name) => {
    const result = await validateSnapshotXml(read(SNAPSHOT_IN, name), options);
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/Relax-NG validity error/);
  });

  const accepted: Array<[string, string]> = [
    ...corpusIn.filter((name) => !isInvalidCase(name)).map((name): [string, string] => [`in/${name}`, read(SNAPSHOT_IN, name)]),
    ...snapshotDocuments,
  ];
  const verdict = validatedOnce(() => accepted);
  it.each(accepted.map(([label]) => label))('accepts %s', (label) => {
    expect(verdict(label)).toEqual({ ok: true, errors: [] });
  });

  it('finds the bundled schema by itself', async () => {
    expect(await validateSnapshotXml('<domainsnapshot/>')).toEqual({ ok: true, errors: [] });
  });

  it('reports malformed XML as invalid', async () => {
    const result = await validateSnapshotXml('<domainsnapshot>', options);
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/parser error/);
  });

  it('attributes each message to its own document in a batch', async () => {
    const [valid, invalid, malformed, alsoValid] = await validateSnapshotXmlBatch(
      ['<domainsnapshot/>', read(SNAPSHOT_IN, 'disk-invalid.xml'), '<domainsnapshot>', '<domainsnapshot><name>x</name></domainsnapshot>'],
      options,
    );
    expect(valid).toEqual({ ok: true, errors: [] });
    expect(invalid?.ok).toBe(false);
    expect(invalid?.errors.join('\n')).toMatch(/Extra element disks/);
    expect(malformed).toMatchObject({ ok: false, errors: [expect.stringMatching(/^Malformed XML/)] });
    expect(alsoValid).toEqual({ ok: true, errors: [] });
  });

  it('says so when xmllint cannot be run', async () => {
    await expect(validateSnapshotXml('<domainsnapshot/>', { ...options, xmllint: '/nonexistent/xmllint' })).rejects.toThrow(
      /could not run xmllint/,
    );
  });
});

describe('new snapshot XML validates', () => {
  const verdict = validatedOnce(() => SPECS.map(([label, spec]) => [label, buildSnapshotXml(spec)]));
  it.each(SPECS.map(([label]) => label))('%s', (label) => {
    expect(verdict(label)).toEqual({ ok: true, errors: [] });
  });
});

describe('edited snapshot XML validates', () => {
  const edits: Array<[string, (s: SnapshotXml) => void]> = [
    ['special description', (s) => s.setDescription(SPECIAL_TEXT)],
    ['no description', (s) => s.setDescription(null)],
    ['unicode name', (s) => s.setName(UNICODE_NAME)],
    ['new parent', (s) => s.setParent(`${UNICODE_NAME} & <co>`)],
    ['no parent', (s) => s.setParent(null)],
    ['all of these', (s) => edits.slice(0, -1).forEach(([, edit]) => edit(s))],
  ];
  const cases = snapshotDocuments.flatMap(([document, original]) =>
    edits.map(([edit, apply]): [string, string] => {
      const snapshot = SnapshotXml.parse(original);
      apply(snapshot);
      return [`${document}: ${edit}`, snapshot.toXml()];
    }),
  );
  const verdict = validatedOnce(() => cases);
  it.each(cases.map(([label]) => label))('%s', (label) => {
    expect(verdict(label)).toEqual({ ok: true, errors: [] });
  });
});
