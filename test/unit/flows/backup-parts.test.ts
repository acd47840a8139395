// The pure parts of the backup flows: parsers of qemu-img's progress, checkpoint XML and dominfo,
// the backup/checkpoint XML virtsnap writes, the manifest's restore chain, and the capture-method
// table that docs/capture-methods.md must carry unchanged.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseQemuImgProgress } from '../../../src/engine/parse/qemu-img-progress.js';
import { parseCheckpointXml } from '../../../src/engine/parse/checkpoint-xml.js';
import { hasManagedSave } from '../../../src/engine/parse/dominfo.js';
import { backupXmlOf, checkpointXmlOf } from '../../../src/engine/flows/backup-push.js';
import { restoreChain, type BackupManifest, type ManifestEntry } from '../../../src/engine/flows/backup-manifest.js';
import { captureMethodsMarkdown } from '../../../src/engine/capture-methods.js';

describe('parsers', () => {
  it('reads every percentage of a qemu-img -p chunk (carriage-return separated, as captured)', () => {
    expect(parseQemuImgProgress('    (0.00/100%)\r    (3.12/100%)\r    (6.25/100%)\r')).toEqual([0, 3.12, 6.25]);
    expect(parseQemuImgProgress('    (100.00/100%)\n')).toEqual([100]);
    expect(parseQemuImgProgress('')).toEqual([]);
  });

  it('reads a checkpoint: parent, time and the bitmap of each disk (virsh checkpoint-dumpxml --no-domain)', () => {
    const xml = `<domaincheckpoint>
  <name>vs-2</name>
  <parent>
    <name>vs-1</name>
  </parent>
  <creationTime>1796007984</creationTime>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='vs-2'/>
    <disk name='vdb' checkpoint='no'/>
  </disks>
</domaincheckpoint>
`;
    expect(parseCheckpointXml(xml)).toEqual({
      name: 'vs-2',
      parent: 'vs-1',
      creationTime: 1796007984,
      disks: [
        { name: 'vda', checkpoint: 'bitmap', bitmap: 'vs-2' },
        { name: 'vdb', checkpoint: 'no', bitmap: null },
      ],
    });
  });

  it('tells a managed save image from dominfo', () => {
    expect(hasManagedSave('Id:             -\nName:           demo\nManaged save:   yes\nSecurity model: none\n')).toBe(true);
    expect(hasManagedSave('Managed save:   no\n')).toBe(false);
  });
});

describe('backup and checkpoint XML', () => {
  it('an incremental backup: <incremental>, one target per disk, the others left out; names escaped', () => {
    expect(backupXmlOf({ since: 'cp<1>', disks: [{ target: 'vda', source: '/i/vda.qcow2', file: "/b/it's.qcow2", virtualSize: 1 }], skipped: ['vdb'] })).toBe(
      `<domainbackup>
  <incremental>cp&lt;1&gt;</incremental>
  <disks>
    <disk name='vda' type='file'>
      <target file='/b/it&apos;s.qcow2'/>
      <driver type='qcow2'/>
    </disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
`,
    );
    expect(checkpointXmlOf('virtsnap-x', ['vda'], ['vdb'])).toContain("<disk name='vda' checkpoint='bitmap'/>\n    <disk name='vdb' checkpoint='no'/>");
  });
});

describe('restoreChain', () => {
  const entry = (id: string, kind: 'full' | 'incremental', since: string | null, method: ManifestEntry['method'] = 'push'): ManifestEntry => ({
    id,
    kind,
    method,
    checkpoint: method === 'push' ? id : null,
    since,
    time: '',
    disks: [],
    domainXml: null,
    quiesced: false,
  });
  const manifest = (backups: ManifestEntry[]): BackupManifest => ({ version: 1, domain: 'd', uri: 'qemu:///system', backups });

  it('stacks the last full backup and the incrementals after it, up to the one asked for', () => {
    const m = manifest([entry('a', 'full', null), entry('b', 'incremental', 'a'), entry('c', 'full', null), entry('d', 'incremental', 'c'), entry('e', 'incremental', 'd')]);
    expect(restoreChain(m).map((b) => b.id)).toEqual(['c', 'd', 'e']);
    expect(restoreChain(m, 'd').map((b) => b.id)).toEqual(['c', 'd']);
    expect(restoreChain(m, 'b').map((b) => b.id)).toEqual(['a', 'b']);
  });

  it('refuses a gap: an incremental whose checkpoint is not the backup before it', () => {
    expect(() => restoreChain(manifest([entry('a', 'full', null), entry('c', 'incremental', 'b')]))).toThrow(/counts changes since b/);
    expect(() => restoreChain(manifest([]))).toThrow(/lists no backups/);
    expect(() => restoreChain(manifest([entry('a', 'full', null)]), 'zz')).toThrow(/no backup zz/);
  });
});

it('docs/capture-methods.md carries the engine table unchanged', () => {
  const doc = readFileSync(new URL('../../../docs/capture-methods.md', import.meta.url), 'utf8');
  const inDoc = /<!-- capture-methods:begin -->\n([\s\S]*?)<!-- capture-methods:end -->/.exec(doc)?.[1];
  expect(inDoc).toBe(captureMethodsMarkdown());
});
