import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDomstatsBlock } from '../../../src/engine/parse/domstats-block.js';
import { ParseError } from '../../../src/engine/parse/parse-error.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseDomstatsBlock (domstats --block --backing)', () => {
  it('reads every disk and backing layer', () => {
    const blocks = parseDomstatsBlock(fixture('samples/domstats-block-backing.txt'));
    expect([...blocks.keys()]).toEqual(['demo']);
    expect(blocks.get('demo')).toEqual([
      { index: 0, name: 'vda', path: '/tmp/lv/img/vda.e1', backingIndex: 3, allocation: 196616, capacity: 134217728, physical: 204800 },
      { index: 1, name: 'vda', path: '/tmp/lv/img/demo-vda.qcow2', backingIndex: 2, allocation: 0, capacity: 134217728, physical: 1265664 },
      { index: 2, name: 'vdb', path: '/tmp/lv/img/demo-vdb.qcow2', backingIndex: 1, allocation: 0, capacity: 67108864, physical: 221184 },
    ]);
  });

  it('orders groups numerically and leaves absent values null', () => {
    const text = "Domain: 'x'\n  block.count=11\n  block.10.name=vdk\n  block.2.name=vdc\n  block.2.path=/p\n";
    expect(parseDomstatsBlock(text).get('x')?.map(({ index, name, path, allocation }) => [index, name, path, allocation])).toEqual([
      [2, 'vdc', '/p', null],
      [10, 'vdk', null, null],
    ]);
  });

  it('rejects a non-numeric size', () => {
    expect(() => parseDomstatsBlock("Domain: 'x'\n  block.0.name=vda\n  block.0.capacity=big\n")).toThrow(ParseError);
  });
});
