// The pure parts of merge, flatten and copy: the offline definition edit, the wizard's default
// ranges and mark moves, and qemu-img percentages as block-job progress events.

import { describe, expect, it } from 'vitest';
import { definedTops, offlineDefinition } from '../../../src/engine/flows/offline-define.js';
import { defaultMarks, moveMark, type WizardDisk } from '../../../src/engine/flows/merge-chains.js';
import { OfflineProgress } from '../../../src/engine/flows/offline-qemu-img.js';
import { parseQemuImgProgress } from '../../../src/engine/parse/qemu-img-progress.js';

const XML = `<domain type='kvm'>
  <name>vm</name>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/img/vm-vda.e1.qcow2'/>
      <backingStore type='file'>
        <format type='qcow2'/>
        <source file='/img/vm-vda.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/img/vm-vdb.e1.qcow2'/>
      <backingStore type='file'>
        <format type='qcow2'/>
        <source file='/img/vm-vdb.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>
`;

describe('offlineDefinition', () => {
  it('points a merged disk at its new top with its format, drops only its <backingStore>, keeps the rest byte for byte', () => {
    const out = offlineDefinition(XML, new Map([['vda', { file: '/img/vm-vda.qcow2', format: 'raw' }]]));
    const tops = definedTops(out);
    expect(tops.get('vda')).toEqual({ file: '/img/vm-vda.qcow2', backingStore: false });
    expect(tops.get('vdb')).toEqual({ file: '/img/vm-vdb.e1.qcow2', backingStore: true });
    expect(out).toContain("<driver name='qemu' type='raw'/>\n      <source file='/img/vm-vda.qcow2'/>");
    // vdb's disk element is untouched
    const vdb = /<disk[\s\S]*?<\/disk>/g;
    expect([...XML.matchAll(vdb)][1]![0]).toBe([...out.matchAll(vdb)][1]![0]);
  });

  it('refuses a disk the definition does not have', () => {
    expect(() => offlineDefinition(XML, new Map([['sda', { file: '/x', format: 'qcow2' }]]))).toThrow(/no disk sda/);
  });
});

const disk = (files: [string, string[]][]): WizardDisk => ({ target: 'vda', layers: files.map(([source, createdBy]) => ({ source, format: 'qcow2', createdBy })) });

describe('wizard ranges', () => {
  const chain = disk([
    ['/img/e3.qcow2', ['e3']],
    ['/img/e2.qcow2', ['e2']],
    ['/img/e1.qcow2', ['e1']],
    ['/img/base.qcow2', []],
  ]);

  it("merge defaults to the snapshot's own layer into its backing file; flatten to everything below the top", () => {
    expect(defaultMarks('commit', chain, 'e3')).toEqual({ top: 0, base: 1 });
    expect(defaultMarks('commit', chain, 'e2')).toEqual({ top: 1, base: 2 });
    expect(defaultMarks('commit', chain, 'e1')).toEqual({ top: 2, base: 3 });
    // a snapshot without a layer here: the active layer
    expect(defaultMarks('commit', chain, 'other')).toEqual({ top: 0, base: 1 });
    expect(defaultMarks('pull', chain, 'e2')).toEqual({ top: 0, base: 3 });
    expect(defaultMarks('commit', disk([['/img/only.qcow2', []]]), null)).toBeNull();
  });

  it('marks move inside the chain and never cross', () => {
    expect(moveMark('commit', { top: 1, base: 2 }, 'top', -1, 4)).toEqual({ top: 0, base: 2 });
    expect(moveMark('commit', { top: 1, base: 2 }, 'top', 1, 4)).toEqual({ top: 1, base: 2 });
    expect(moveMark('commit', { top: 1, base: 2 }, 'base', 1, 4)).toEqual({ top: 1, base: 3 });
    expect(moveMark('commit', { top: 1, base: 3 }, 'base', 1, 4)).toEqual({ top: 1, base: 3 });
    expect(moveMark('commit', { top: 1, base: 2 }, 'base', -1, 4)).toEqual({ top: 1, base: 2 });
    expect(moveMark('pull', { top: 0, base: 3 }, 'top', -1, 4)).toEqual({ top: 0, base: 2 });
    expect(moveMark('pull', { top: 0, base: 1 }, 'base', -1, 4)).toEqual({ top: 0, base: 1 });
  });
});

describe('OfflineProgress', () => {
  it("turns qemu-img's -p output into block-job events: bytes of the estimate, never 100 % before the end", () => {
    const progress = new OfflineProgress('vm', 'vda', 'commit', 64 * 1024 * 1024, 0);
    const percents = parseQemuImgProgress('    (0.00/100%)\r    (50.00/100%)\r    (100.00/100%)\r');
    expect(percents).toEqual([0, 50, 100]);
    const events = percents.map((p) => progress.running(p));
    expect(events.map((e) => e.cur)).toEqual([0, 32 * 1024 * 1024, 64 * 1024 * 1024]);
    expect(events.every((e) => e.phase === 'running' && e.percent < 100)).toBe(true);
    expect(progress.ended('completed')).toMatchObject({ phase: 'completed', percent: 100, cur: 64 * 1024 * 1024, eta: 0 });
    expect(progress.ended('aborted', 'stopped')).toMatchObject({ phase: 'aborted', message: 'stopped' });
  });
});
