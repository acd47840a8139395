import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDomainIdList } from '../../../src/engine/parse/domain-id-list.js';
import { parseDomainList } from '../../../src/engine/parse/domain-list.js';
import { ParseError } from '../../../src/engine/parse/parse-error.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseDomainList (list --all --uuid --name)', () => {
  it('keeps names with spaces and quotes whole', () => {
    expect(parseDomainList(fixture('outputs/multi.list-all-uuid-name.txt'))).toEqual([
      { uuid: 'aaaaaaaa-0000-0000-0000-000000000001', name: 'web' },
      { uuid: 'aaaaaaaa-0000-0000-0000-000000000003', name: 'paused one' },
      { uuid: 'aaaaaaaa-0000-0000-0000-000000000002', name: "it's a vm" },
    ]);
  });

  it('reads empty output as no domains', () => {
    expect(parseDomainList('')).toEqual([]);
  });

  it('keeps leading and trailing spaces of a name', () => {
    expect(parseDomainList('6695eb01-f6a4-8304-79aa-97f2502e193f  odd \n')).toEqual([
      { uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', name: ' odd ' },
    ]);
  });

  it('rejects a line without a uuid', () => {
    expect(() => parseDomainList('web\n')).toThrow(ParseError);
  });
});

describe('parseDomainIdList (list --all)', () => {
  it('reads ids, "-" for inactive domains, and two-word states', () => {
    expect(parseDomainIdList(fixture('outputs/multi.list-all.txt'))).toEqual([
      { id: 1, name: 'web', state: 'running' },
      { id: 2, name: 'paused one', state: 'paused' },
      { id: null, name: "it's a vm", state: 'shut off' },
    ]);
    expect(parseDomainIdList(fixture('outputs/multi.moved.list-all.txt'))).toEqual([
      { id: 2, name: 'paused one', state: 'running' },
      { id: 3, name: "it's a vm", state: 'running' },
      { id: null, name: 'web', state: 'shut off' },
    ]);
  });

  it('reads rows of the lab notes', () => {
    // libvirt-lab.md §4.1, without -q: the header widens the Id column.
    expect(parseDomainIdList(' Id   Name   State\n----------------------\n 3    demo   running\n\n')).toEqual([
      { id: 3, name: 'demo', state: 'running' },
    ]);
    expect(parseDomainIdList(' Id   Name   State\n-----------------------\n -    demo   shut off\n')).toEqual([
      { id: null, name: 'demo', state: 'shut off' },
    ]);
    expect(parseDomainIdList(' -   demo   shut off\n')).toEqual([{ id: null, name: 'demo', state: 'shut off' }]);
  });

  it('takes only the last cell as the state', () => {
    expect(parseDomainIdList(' 12   x   running   paused\n -    y              in shutdown\n')).toEqual([
      { id: 12, name: 'x   running', state: 'paused' },
      { id: null, name: 'y', state: 'in shutdown' },
    ]);
  });

  it('rejects rows without a known state', () => {
    expect(() => parseDomainIdList(' 1   web   sleeping\n')).toThrow(ParseError);
  });
});
