import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/engine/parse/parse-error.js';
import { parseSnapshotInfo } from '../../../src/engine/parse/snapshot-info.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseSnapshotInfo', () => {
  it('reads a root and a current snapshot of the fixture driver', () => {
    expect(parseSnapshotInfo(fixture('outputs/fixture.snapshot-info-base.txt'))).toEqual({
      name: 'base',
      domain: 'fixture',
      current: false,
      state: 'shutoff',
      location: 'internal',
      parent: null,
      children: 2,
      descendants: 2,
      metadata: true,
    });
    expect(parseSnapshotInfo(fixture('outputs/fixture.snapshot-info-updates.txt'))).toMatchObject({
      name: 'updates',
      current: true,
      state: 'running',
      parent: 'base',
      children: 0,
    });
  });

  it('keeps quotes, unicode, tabs and trailing spaces of names', () => {
    expect(parseSnapshotInfo(fixture('outputs/odd-names.snapshot-info-quoted.txt'))).toMatchObject({
      name: "'quoted'",
      parent: 'a b <&> ü',
    });
    expect(parseSnapshotInfo(fixture('outputs/odd-names.snapshot-info-trail-space.txt'))).toMatchObject({
      name: 'trail ',
      parent: 'tab\there',
      children: 1,
      descendants: 2,
    });
  });

  it('reads an external snapshot of the command log', () => {
    const log = fixture('samples/command-log-libvirt-9.0.md');
    const start = log.indexOf('Name:           e1');
    const text = log.slice(start, log.indexOf('```', start));
    expect(parseSnapshotInfo(text)).toEqual({
      name: 'e1',
      domain: 'demo',
      current: false,
      state: 'disk-snapshot',
      location: 'external',
      parent: 's2',
      children: 1,
      descendants: 2,
      metadata: true,
    });
  });

  it('tolerates servers too old to report children, descendants and metadata', () => {
    const text = 'Name:           s1\nDomain:         demo\nCurrent:        yes\nState:          running\nLocation:       internal\nParent:         -\n';
    expect(parseSnapshotInfo(text)).toMatchObject({ children: null, descendants: null, metadata: null });
  });

  it('rejects output that is not snapshot-info', () => {
    expect(() => parseSnapshotInfo('Name: s1\n')).toThrow(ParseError);
    expect(() => parseSnapshotInfo('Name:           s1\n')).toThrow(ParseError);
  });
});
