import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNameList } from '../../../src/engine/parse/name-list.js';
import { ParseError } from '../../../src/engine/parse/parse-error.js';
import { parseSnapshotTable, parseSnapshotTableWithLeaves, splitSnapshotTable } from '../../../src/engine/parse/snapshot-table.js';
import { parseVirshTime, parseVirshTimeAt } from '../../../src/engine/parse/virsh-time.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');
const namesOf = (path: string): string[] => parseNameList(fixture(path));
const parentsByName = (rows: { name: string; parent: string | null }[]): Record<string, string | null> =>
  Object.fromEntries(rows.map((row) => [row.name, row.parent]));

const ODD_NAME_PARENTS = {
  ' lead': 'trail ',
  "'quoted'": 'a b <&> ü',
  '-lead': "'quoted'",
  'a b <&> ü': null,
  'tab\there': '日本語',
  trail: 'tab\there',
  'trail ': 'tab\there',
  'x\\xy': ' lead',
  'zz child': null,
  до: 'снимок',
  по: 'до',
  снимок: 'a b <&> ü',
  日本語: 'снимок',
};

describe('parseSnapshotTable', () => {
  it('reads the shared fixture driver', () => {
    expect(parseSnapshotTable(fixture('outputs/fixture.snapshot-list-parent.txt'), ['base', 'branch', 'updates'])).toEqual([
      { name: 'base', creationTime: 1700000000, state: 'shutoff', parent: null },
      { name: 'branch', creationTime: 1700000200, state: 'disk-snapshot', parent: 'base' },
      { name: 'updates', creationTime: 1700000100, state: 'running', parent: 'base' },
    ]);
  });

  it.each(['C', 'C.UTF-8'])('resolves awkward names printed under LC_ALL=%s', (locale) => {
    const known = namesOf('outputs/odd-names.snapshot-list-name.txt');
    const rows = parseSnapshotTable(fixture(`outputs/odd-names.snapshot-list-parent.${locale}.txt`), known);
    expect(rows.map((row) => row.name)).toEqual(known);
    expect(parentsByName(rows)).toEqual(ODD_NAME_PARENTS);
    expect(rows.every((row) => row.state === 'running' && Number.isInteger(row.creationTime))).toBe(true);
    expect(rows.some((row) => 'parentCandidates' in row)).toBe(false);
  });

  it('reads a table without the Parent column', () => {
    const known = namesOf('outputs/odd-names.snapshot-list-name.txt');
    const rows = parseSnapshotTable(fixture('outputs/odd-names.snapshot-list-plain.C.txt'), known);
    expect(rows.map((row) => row.name)).toEqual(known);
    expect(rows.every((row) => row.parent === null)).toBe(true);
  });

  it('lists the candidates when LC_ALL=C makes a parent ambiguous', () => {
    // до, по and ко all print as \xff\xff\xff\xff; ко's parent is до.
    const rows = parseSnapshotTable(
      fixture('outputs/same-bytes.snapshot-list-parent.C.txt'),
      namesOf('outputs/same-bytes.snapshot-list-name.txt'),
    );
    expect(rows).toEqual([
      { name: 'до', creationTime: expect.any(Number), state: 'running', parent: null },
      { name: 'ко', creationTime: expect.any(Number), state: 'running', parent: null, parentCandidates: ['до', 'по'] },
      // A row's own name is ruled out, but that still leaves two.
      { name: 'по', creationTime: expect.any(Number), state: 'running', parent: null, parentCandidates: ['до', 'ко'] },
    ]);
  });

  it('finds the real time cell when a name and a parent contain a time-like text', () => {
    const rows = parseSnapshotTable(
      fixture('outputs/time-like-name.snapshot-list-parent.txt'),
      namesOf('outputs/time-like-name.snapshot-list-name.txt'),
    );
    const tricky = 'x   2023-11-14 22:13:20 +0000   running   y';
    expect(rows.map(({ name, parent, state }) => ({ name, parent, state }))).toEqual([
      { name: 'child', parent: tricky, state: 'running' },
      { name: tricky, parent: null, state: 'running' },
    ]);
    expect(rows[0]?.creationTime).not.toBe(1700000000);
  });

  it('reads a 200-deep chain', () => {
    const rows = parseSnapshotTable(
      fixture('outputs/chain200.snapshot-list-parent.txt'),
      namesOf('outputs/chain200.snapshot-list-name.txt'),
    );
    expect(rows).toHaveLength(200);
    const parents = parentsByName(rows);
    expect(parents['s1']).toBeNull();
    for (let i = 2; i <= 200; i++) expect(parents[`s${i}`]).toBe(`s${i - 1}`);
  });

  it('keeps what the table shows for a name missing from knownNames', () => {
    const rows = parseSnapshotTable(fixture('outputs/odd-names.snapshot-list-parent.C.txt'), []);
    expect(rows.map((row) => row.name)).toContain('tab\there');
    expect(rows.map((row) => row.name)).toContain('x\\xy');
    expect(rows.map((row) => row.name)).toContain('\\xff\\xff\\xff\\xff');
  });

  it('skips the header, dashes and separator of output without -q', () => {
    // command-log-libvirt-9.0.md "list --parent", run in a UTF-8 locale.
    const table = [
      ' Name       Creation Time               State     Parent',
      '------------------------------------------------------------',
      ' my snap    2026-11-22 01:26:43 +0000   running   ',
      ' x<&>y      2026-11-22 01:26:43 +0000   running   снимок-ü',
      ' снимок-ü   2026-11-22 01:26:43 +0000   running   my snap',
      '',
      '',
    ].join('\n');
    expect(parseSnapshotTable(table, ['my snap', 'x<&>y', 'снимок-ü'])).toEqual([
      { name: 'my snap', creationTime: 1795310803, state: 'running', parent: null },
      { name: 'x<&>y', creationTime: 1795310803, state: 'running', parent: 'снимок-ü' },
      { name: 'снимок-ü', creationTime: 1795310803, state: 'running', parent: 'my snap' },
    ]);
  });

  it('reads the states of the lab notes', () => {
    const table = [
      ' e1     2026-11-22 01:21:11 +0000   disk-snapshot   s2',
      ' m1     2026-11-22 01:21:13 +0000   running         e1',
      ' s1     2026-11-22 01:21:04 +0000   running         ',
      '',
    ].join('\n');
    expect(parseSnapshotTable(table, ['e1', 'm1', 's1']).map(({ state, parent }) => [state, parent])).toEqual([
      ['disk-snapshot', 's2'],
      ['running', 'e1'],
      ['running', null],
    ]);
  });

  it('reads empty output as no snapshots', () => {
    expect(parseSnapshotTable('', [])).toEqual([]);
  });

  it('throws a ParseError carrying the offending row', () => {
    const bad = ' s1     yesterday   running   ';
    expect(() => parseSnapshotTable(`${bad}\n`, ['s1'])).toThrow(ParseError);
    try {
      parseSnapshotTable(`${bad}\n`, ['s1']);
    } catch (error) {
      expect((error as ParseError).line).toBe(bad);
      expect((error as ParseError).lineNumber).toBe(1);
    }
  });
});

describe('parseVirshTime', () => {
  it('honours the UTC offset', () => {
    expect(parseVirshTime('2023-11-14 22:13:20 +0000')).toBe(1700000000);
    expect(parseVirshTime('2023-11-15 00:13:20 +0200')).toBe(1700000000);
    expect(parseVirshTime('2023-11-14 17:43:20 -0430')).toBe(1700000000);
    expect(parseVirshTime('2023-11-14 22:13:20')).toBeNull();
  });

  it('reads a timestamp inside a row digit by digit exactly as the pattern does', () => {
    const texts = ['2023-11-14 22:13:20 +0000', '2023-11-15 00:13:20 +0200', '2023-11-14 17:43:20 -0430', '1999-12-31 23:59:59 +1400'];
    const broken = ['2023-11-14 22:13:20 *0000', '2023-1a-14 22:13:20 +0000', '2023-11-14T22:13:20 +0000', '2023-11-14 22:13:20 +000', '2023-11-14 22-13:20 +0000'];
    for (const text of [...texts, ...broken]) expect(parseVirshTimeAt(` name   ${text}   running`, 8)).toBe(parseVirshTime(text));
    expect(parseVirshTimeAt('2023-11-14 22:13:20 +0000', 1)).toBeNull();
  });
});

describe('rows split by their only time cell, and rows that need the names', () => {
  it('gives the same rows either way, whatever the names hold', () => {
    // one colon, two, a time-like name, a parent with a time-like text, unicode and spaces
    const known = ['a:b', 'c:d:e', 'x   2023-01-01 00:00:00 +0000   y', 'plain', 'ü é', ' lead'];
    const table = [
      ' a:b                                 2023-11-14 22:13:20 +0000   running   ',
      ' c:d:e                               2023-11-14 22:13:21 +0000   shutoff   a:b',
      ' x   2023-01-01 00:00:00 +0000   y   2023-11-14 22:13:22 +0000   running   plain',
      ' plain                               2023-11-14 22:13:23 +0000   running   x   2023-01-01 00:00:00 +0000   y',
      ' ü é                                 2023-11-14 22:13:24 +0000   paused    plain',
      '  lead                               2023-11-14 22:13:25 +0000   running   ü é',
    ].join('\n');
    const split = splitSnapshotTable(table);
    // the rows with one time-like text are split without names; the other two wait for them
    expect(split.split.map((row) => row !== null)).toEqual([false, false, false, false, true, true]);
    const rows = parseSnapshotTable(split, known);
    expect(rows).toEqual(parseSnapshotTable(table, known));
    expect(rows.map((row) => [row.name, row.parent, row.state, row.creationTime - 1700000000])).toEqual([
      ['a:b', null, 'running', 0],
      ['c:d:e', 'a:b', 'shutoff', 1],
      ['x   2023-01-01 00:00:00 +0000   y', 'plain', 'running', 2],
      ['plain', 'x   2023-01-01 00:00:00 +0000   y', 'running', 3],
      ['ü é', 'plain', 'paused', 4],
      [' lead', 'ü é', 'running', 5],
    ]);
  });
});

describe('parseSnapshotTableWithLeaves', () => {
  const known = namesOf('outputs/odd-names.snapshot-list-name.txt');
  const parents = new Set(Object.values(ODD_NAME_PARENTS).filter((p) => p !== null));
  const leaves = known.filter((name) => !parents.has(name));
  const utf8Table = fixture('outputs/odd-names.snapshot-list-parent.C.UTF-8.txt');

  it('finds every exact name from the Parent column and the leaves, in virsh order', () => {
    // `trail` is a leaf and `trail ` a parent: the name column shows both as `trail`.
    expect(leaves).toContain('trail');
    expect(parents.has('trail ')).toBe(true);
    const exact = parseSnapshotTableWithLeaves(utf8Table, leaves);
    expect(exact?.names).toEqual(known);
    expect(parentsByName(exact!.rows)).toEqual(ODD_NAME_PARENTS);
    expect(exact!.rows).toEqual(parseSnapshotTable(utf8Table, known));
  });

  it('stays exact whatever names were read before (stale, missing or extra ones)', () => {
    for (const hint of [known, ['trail  ', 'trail', 'gone'], known.filter((name) => name !== 'trail '), [' lead ', 'x\\xy ']]) {
      expect(parseSnapshotTableWithLeaves(utf8Table, leaves, hint)?.names).toEqual(known);
    }
  });

  it('gives up when the table cannot be exact or the leaves do not add up', () => {
    // LC_ALL=C shows every non-ASCII byte as \xff
    expect(parseSnapshotTableWithLeaves(fixture('outputs/odd-names.snapshot-list-parent.C.txt'), leaves)).toBeNull();
    // a leaf missing (deleted between the two listings), or one the table lacks
    expect(parseSnapshotTableWithLeaves(utf8Table, leaves.slice(1))).toBeNull();
    expect(parseSnapshotTableWithLeaves(utf8Table, [...leaves, 'new'])).toBeNull();
  });

  it("takes a leaf's trailing spaces, which the name column hides, from the leaves listing", () => {
    const withSpace = leaves.map((name) => (name === 'zz child' ? 'zz child ' : name));
    expect(parseSnapshotTableWithLeaves(utf8Table, withSpace, known)?.names).toEqual(known.map((name) => (name === 'zz child' ? 'zz child ' : name)));
  });

  it('gives up on a name holding a time-like text', () => {
    // the row splits two ways: only the names can tell which
    const table = ' a   2023-11-14 22:13:20 +0000   2023-11-14 22:13:20 +0000   running   \n';
    expect(parseSnapshotTableWithLeaves(table, ['a   2023-11-14 22:13:20 +0000'])).toBeNull();
  });

  it('reads a domain without snapshots', () => {
    expect(parseSnapshotTableWithLeaves('', [])).toEqual({ rows: [], names: [] });
  });
});
