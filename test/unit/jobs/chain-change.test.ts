import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BlockPlanError, chainChange, resolveLayer } from '../../../src/engine/flows/block-chain-change.js';
import { readDomainDisks } from '../../../src/engine/xml/domain-xml.js';

// libvirt 9.0's live XML of a disk on vda.x4 <- vda.x3 <- demo-vda.qcow2 (indexes 6, 5, 2).
const disksXml = readFileSync(new URL('./fixtures/dumpxml-disk-backing-chain.xml', import.meta.url), 'utf8');
const vda = readDomainDisks(`<domain><name>demo</name><devices>${disksXml}</devices></domain>`)[0]!;
const [x4, x3, base] = ['/tmp/lv/img/vda.x4', '/tmp/lv/img/vda.x3', '/tmp/lv/img/demo-vda.qcow2'];

describe('resolveLayer', () => {
  it('takes a path, a DISK[index] or a file name that occurs once', () => {
    expect(resolveLayer(vda.chain, 'vda', x3)).toBe(1);
    expect(resolveLayer(vda.chain, 'vda', 'vda[2]')).toBe(2);
    expect(resolveLayer(vda.chain, 'vda', 'vda.x4')).toBe(0);
  });

  it('names the chain when the layer is not in it', () => {
    expect(() => resolveLayer(vda.chain, 'vda', 'nope.qcow2')).toThrow(/not in vda's chain \(\/tmp\/lv\/img\/vda.x4 <- /);
    expect(() => resolveLayer(vda.chain, 'vda', 'vdb[2]')).toThrow(BlockPlanError);
  });
});

describe('chainChange', () => {
  it('active commit with pivot: the disk ends on the base, the overlays leave the chain', () => {
    const c = chainChange(vda.chain, { kind: 'commit', top: 0, base: 2, mode: 'pivot' });
    expect(c.after).toEqual([base]);
    expect(c.merges).toEqual([{ into: base, from: [x4, x3] }]);
    expect(c.unused).toEqual([x4, x3]);
    expect(c).toMatchObject({ target: base, mapImage: x4, depthFrom: 0, depthTo: 2 });
  });

  it('active commit kept synchronized or with the overlay kept: the chain stays', () => {
    for (const mode of ['synchronized', 'keep-overlay'] as const) {
      const c = chainChange(vda.chain, { kind: 'commit', top: 0, base: 1, mode });
      expect(c.after).toEqual([x4, x3, base]);
      expect(c.unused).toEqual([]);
      expect(c.target).toBe(x3);
    }
  });

  it('intermediate commit: the layers between top and base drop out', () => {
    const c = chainChange(vda.chain, { kind: 'commit', top: 1, base: 2, mode: 'complete' });
    expect(c.after).toEqual([x4, base]);
    expect(c.unused).toEqual([x3]);
    expect(c).toMatchObject({ mapImage: x3, depthFrom: 0, depthTo: 1 });
  });

  it('refuses a base above the top, and modes that do not fit the layer', () => {
    expect(() => chainChange(vda.chain, { kind: 'commit', top: 2, base: 1, mode: 'complete' })).toThrow(/below the top/);
    expect(() => chainChange(vda.chain, { kind: 'commit', top: 1, base: 2, mode: 'pivot' })).toThrow(/active layer/);
    expect(() => chainChange(vda.chain, { kind: 'commit', top: 0, base: 2, mode: 'complete' })).toThrow(/needs a mode/);
  });

  it('pull of the whole chain, and down to a base', () => {
    const whole = chainChange(vda.chain, { kind: 'pull', base: null });
    expect(whole.after).toEqual([x4]);
    expect(whole.unused).toEqual([x3, base]);
    expect(whole).toMatchObject({ target: x4, mapImage: x4, depthFrom: 1, depthTo: 3 });
    const partial = chainChange(vda.chain, { kind: 'pull', base: 2 });
    expect(partial.after).toEqual([x4, base]);
    expect(partial.unused).toEqual([x3]);
    expect(() => chainChange(vda.chain, { kind: 'pull', base: 1 })).toThrow(/nothing to pull/);
  });

  it('refuses a disk without a backing chain', () => {
    expect(() => chainChange(vda.chain.slice(0, 1), { kind: 'pull', base: null })).toThrow(/no backing chain/);
  });
});
