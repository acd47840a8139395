import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/engine/parse/parse-error.js';
import { parseQemuImgInfoChain } from '../../../src/engine/parse/qemu-img-info.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseQemuImgInfoChain', () => {
  it('reads a backing chain, top first, with internal snapshots', () => {
    expect(parseQemuImgInfoChain(fixture('samples/qemu-img-info-backing-chain.json'))).toEqual([
      {
        filename: '/tmp/lv/img/vda.e1',
        format: 'qcow2',
        virtualSize: 134217728,
        actualSize: 204800,
        backingFilename: '/tmp/lv/img/demo-vda.qcow2',
        fullBackingFilename: '/tmp/lv/img/demo-vda.qcow2',
        snapshots: [],
      },
      {
        filename: '/tmp/lv/img/demo-vda.qcow2',
        format: 'qcow2',
        virtualSize: 134217728,
        actualSize: 1265664,
        backingFilename: null,
        fullBackingFilename: null,
        snapshots: [
          { id: '1', name: 'off1', vmStateSize: 0, dateSec: 1795310887 },
          { id: '2', name: 'r1', vmStateSize: 980257, dateSec: 1795310888 },
        ],
      },
    ]);
  });

  it('reads the single-image form and a missing actual-size', () => {
    const [top] = JSON.parse(fixture('samples/qemu-img-info-backing-chain.json')) as Record<string, unknown>[];
    delete top?.['actual-size'];
    expect(parseQemuImgInfoChain(JSON.stringify(top))).toMatchObject([{ filename: '/tmp/lv/img/vda.e1', actualSize: null }]);
  });

  it('rejects malformed output', () => {
    expect(() => parseQemuImgInfoChain('qemu-img: Could not open')).toThrow(ParseError);
    expect(() => parseQemuImgInfoChain('[{"filename": "x"}]')).toThrow(ParseError);
  });
});
