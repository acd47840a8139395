// Snapshot creation specs that cover every shape buildSnapshotXml writes.

import type { SnapshotSpec } from '../../../src/engine/xml/snapshot-xml.js';

export const SPECIAL_TEXT = `!@#$%^ <&> "q" 'a'`;
export const UNICODE_NAME = 'snapshot ünïcødé 快照 😀';

export const SPECS: Array<[string, SnapshotSpec]> = [
  ['nothing (libvirt picks the name)', {}],
  ['a name', { name: 's1' }],
  ['a unicode name and special description', { name: UNICODE_NAME, description: SPECIAL_TEXT }],
  ['only a description', { description: 'only a description' }],
  ['no memory', { name: 'disk-only', memory: { mode: 'no' } }],
  ['internal memory', { name: 'full', memory: { mode: 'internal' } }],
  ['external memory', { name: 'ext-mem', memory: { mode: 'external', file: '/var/lib/libvirt/qemu/snap.mem' } }],
  [
    'internal and excluded disks',
    { name: 'int', disks: [{ name: 'vda', mode: 'internal' }, { name: 'vdb', mode: 'no' }] },
  ],
  [
    'an external qcow2 overlay',
    { name: 'ext', disks: [{ name: 'vda', mode: 'external', file: '/images/vda.ext.qcow2', driverType: 'qcow2' }] },
  ],
  ['an external disk libvirt names itself', { name: 'auto', disks: [{ name: 'vda', mode: 'external' }] }],
  ['a file without a mode', { name: 'implied', disks: [{ name: 'vda', file: '/images/vda.implied' }] }],
  ['only a driver type', { name: 'fmt', disks: [{ name: 'vda', driverType: 'qed' }] }],
  [
    'a block device overlay',
    { name: 'blk', disks: [{ name: 'sda', mode: 'external', sourceType: 'block', file: '/dev/vg/snap' }] },
  ],
  ['a manual disk', { name: 'manual', disks: [{ name: 'vda', mode: 'manual' }] }],
  ['a disk named by path', { name: 'bypath', disks: [{ name: '/dev/HostVG/QEMUGuest1', mode: 'internal' }] }],
  [
    'everything',
    {
      name: 'all',
      description: 'memory and two overlays',
      memory: { mode: 'external', file: '/snap/all.mem' },
      disks: [
        { name: 'vda', mode: 'external', file: '/snap/vda.all', driverType: 'qcow2', sourceType: 'file' },
        { name: 'vdb', mode: 'no' },
        { name: 'hdc', mode: 'external', sourceType: 'block', file: '/dev/mapper/hdc-all', driverType: 'qcow2' },
      ],
    },
  ],
];
