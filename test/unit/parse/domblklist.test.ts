import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDomblklist } from '../../../src/engine/parse/domblklist.js';
import { ParseError } from '../../../src/engine/parse/parse-error.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseDomblklist', () => {
  it('reads targets and sources, a source with a space and an empty cdrom', () => {
    expect(parseDomblklist(fixture('outputs/multi.domblklist.txt'), false)).toEqual([
      { target: 'vda', source: '/fake/web vda.qcow2', type: null, device: null },
      { target: 'vdb', source: '/dev/vg0/data', type: null, device: null },
      { target: 'sda', source: null, type: null, device: null },
    ]);
  });

  it('reads --details', () => {
    expect(parseDomblklist(fixture('outputs/multi.domblklist-details.txt'), true)).toEqual([
      { target: 'vda', source: '/fake/web vda.qcow2', type: 'file', device: 'disk' },
      { target: 'vdb', source: '/dev/vg0/data', type: 'block', device: 'disk' },
      { target: 'sda', source: null, type: 'file', device: 'cdrom' },
    ]);
  });

  it('reads the outputs of the lab notes, header included', () => {
    // libvirt-lab.md §4.1 (run without -q: the header widens the columns).
    const plain = [
      ' Target   Source',
      '--------------------------------------',
      ' vda      /tmp/lv/img/demo-vda.qcow2',
      ' vdb      /tmp/lv/img/demo-vdb.qcow2',
      '',
    ].join('\n');
    expect(parseDomblklist(plain, false)).toEqual([
      { target: 'vda', source: '/tmp/lv/img/demo-vda.qcow2', type: null, device: null },
      { target: 'vdb', source: '/tmp/lv/img/demo-vdb.qcow2', type: null, device: null },
    ]);
    const details = [
      ' Type   Device   Target   Source',
      '------------------------------------------------------',
      ' file   disk     vda      /tmp/lv/img/demo-vda.qcow2',
      '',
    ].join('\n');
    expect(parseDomblklist(details, true)).toEqual([
      { target: 'vda', source: '/tmp/lv/img/demo-vda.qcow2', type: 'file', device: 'disk' },
    ]);
  });

  it('decodes escaped control characters in paths', () => {
    expect(parseDomblklist(' vda   /img/a\\x09b\n', false)[0]?.source).toBe('/img/a\tb');
  });

  it('reads empty output as no disks and rejects a row without a source', () => {
    expect(parseDomblklist('', false)).toEqual([]);
    expect(() => parseDomblklist(' vda\n', false)).toThrow(ParseError);
  });
});
