import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNameList } from '../../../src/engine/parse/name-list.js';
import { decodeTableCell, renderTableCell, type TableLocale } from '../../../src/engine/parse/table-cell.js';
import { compareNamesLikeVirsh, sortByNameLikeVirsh } from '../../../src/engine/parse/virsh-name-order.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('renderTableCell', () => {
  it.each([
    ['C', 'C'],
    ['C.UTF-8', 'UTF-8'],
  ] as const)('predicts every Name cell virsh printed under LC_ALL=%s', (locale, tableLocale: TableLocale) => {
    const names = parseNameList(fixture('outputs/odd-names.snapshot-list-name.txt'));
    const nameCells = fixture(`outputs/odd-names.snapshot-list-plain.${locale}.txt`)
      .split('\n')
      .filter((row) => row !== '')
      .map((row) => row.slice(1, row.search(/ {3}\d{4}-\d{2}-\d{2} /)).trimEnd());
    expect(nameCells).toEqual(names.map((name) => renderTableCell(name, tableLocale).trimEnd()));
  });

  it('shows how each locale escapes', () => {
    expect(renderTableCell('tab\there', 'C')).toBe('tab\\x09here');
    expect(renderTableCell('x\\xy', 'UTF-8')).toBe('x\\x5cxy');
    expect(renderTableCell('a\\b', 'C')).toBe('a\\b');
    expect(renderTableCell('ü', 'C')).toBe('\\xff\\xff');
    expect(renderTableCell('ü', 'UTF-8')).toBe('ü');
    expect(renderTableCell('a\u0085b', 'UTF-8')).toBe('a\\xff\\xffb');
  });
});

describe('decodeTableCell', () => {
  it('undoes the reversible escapes only', () => {
    expect(decodeTableCell('tab\\x09here x\\x5cxy \\xff\\xff')).toBe('tab\there x\\xy \\xff\\xff');
  });
});

describe('virsh name order', () => {
  it('matches the order of a captured --name listing', () => {
    const names = parseNameList(fixture('outputs/odd-names.snapshot-list-name.txt'));
    expect(sortByNameLikeVirsh([...names].reverse(), (name) => name)).toEqual(names);
  });

  it('folds ASCII case only and compares other bytes unsigned', () => {
    expect(compareNamesLikeVirsh('B', 'a')).toBeGreaterThan(0);
    expect(compareNamesLikeVirsh('b', 'C')).toBeLessThan(0);
    expect(compareNamesLikeVirsh('z', 'é')).toBeLessThan(0);
    expect(compareNamesLikeVirsh('trail', 'trail ')).toBeLessThan(0);
    expect(compareNamesLikeVirsh('Snap', 'snap')).toBeLessThan(0);
    expect(compareNamesLikeVirsh('same', 'same')).toBe(0);
  });
});
