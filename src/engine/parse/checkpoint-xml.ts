// `virsh checkpoint-dumpxml --no-domain`: a checkpoint's parent, time and, per disk, whether it
// tracks changes and in which persistent dirty bitmap.

import { attr, child, childText, children, parseXml } from '../xml/document.js';
import { ParseError } from './parse-error.js';

export interface CheckpointDisk {
  /** Target name (`vda`). */
  name: string;
  /** `bitmap` (changes are tracked) or `no`. */
  checkpoint: string;
  /** The qcow2 dirty bitmap's name; null for disks left out. */
  bitmap: string | null;
}

export interface CheckpointDetail {
  name: string;
  parent: string | null;
  /** Seconds since the epoch. */
  creationTime: number | null;
  disks: CheckpointDisk[];
}

export function parseCheckpointXml(xml: string): CheckpointDetail {
  const root = parseXml(xml).root;
  if (root.name !== 'domaincheckpoint') throw new ParseError('expected <domaincheckpoint>', root.name);
  const name = childText(root, 'name');
  if (name === null) throw new ParseError('checkpoint without <name>', xml.slice(0, 200));
  const parentElement = child(root, 'parent');
  const time = childText(root, 'creationTime');
  const disksElement = child(root, 'disks');
  return {
    name,
    parent: parentElement ? childText(parentElement, 'name') : null,
    creationTime: time !== null && /^\d+$/.test(time.trim()) ? Number(time.trim()) : null,
    disks: (disksElement ? children(disksElement, 'disk') : []).map((disk) => ({
      name: attr(disk, 'name') ?? '',
      checkpoint: attr(disk, 'checkpoint') ?? 'bitmap',
      bitmap: attr(disk, 'bitmap'),
    })),
  };
}
