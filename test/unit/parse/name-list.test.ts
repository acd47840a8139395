import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNameList } from '../../../src/engine/parse/name-list.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseNameList', () => {
  it('keeps every name exactly, spaces and tabs included', () => {
    expect(parseNameList(fixture('outputs/odd-names.snapshot-list-name.txt'))).toEqual([
      ' lead',
      "'quoted'",
      '-lead',
      'a b <&> ü',
      'tab\there',
      'trail',
      'trail ',
      'x\\xy',
      'zz child',
      'до',
      'по',
      'снимок',
      '日本語',
    ]);
  });

  it('reads domain names', () => {
    expect(parseNameList(fixture('outputs/multi.list-all-name.txt'))).toEqual(['web', 'paused one', "it's a vm"]);
  });

  it('reads a name printed without a newline (snapshot-current --name under -q)', () => {
    expect(parseNameList(fixture('outputs/odd-names.snapshot-current-name.txt'))).toEqual(['по']);
  });

  it('ignores the separator line virsh adds without -q', () => {
    expect(parseNameList('e1\nm1\n\n')).toEqual(['e1', 'm1']);
  });

  it('reads empty output as no names', () => {
    expect(parseNameList('')).toEqual([]);
  });
});
