// The `<mirror>` element libvirt puts in a disk of the live domain XML while an active
// commit or a copy runs. On libvirt 9.0 it is the only poll-able sign that such a job is
// ready: `blockjob --raw` has no phase, and an active commit reports cur=end-1 just
// before it becomes ready, so 100 % is not enough to pivot.

import { attr, child, children, parseXml } from '../xml/document.js';

export interface DiskMirror {
  /** `active-commit`, `copy`. */
  job: string | null;
  ready: boolean;
  /** Where the data goes (the commit's base, the copy's destination). */
  target: string | null;
}

/** Target name → mirror, for every disk that has one. */
export function readDiskMirrors(domainXml: string): Map<string, DiskMirror> {
  const result = new Map<string, DiskMirror>();
  const devices = child(parseXml(domainXml).root, 'devices');
  if (!devices) return result;
  for (const disk of children(devices, 'disk')) {
    const target = child(disk, 'target');
    const mirror = child(disk, 'mirror');
    const dev = target ? attr(target, 'dev') : null;
    if (!dev || !mirror) continue;
    const source = child(mirror, 'source');
    result.set(dev, {
      job: attr(mirror, 'job'),
      // Older libvirt wrote ready='yes'; newer writes ready='yes' or 'pivot'/'abort' while finishing.
      ready: (attr(mirror, 'ready') ?? 'no') !== 'no',
      target: (source && (attr(source, 'file') ?? attr(source, 'dev'))) ?? attr(mirror, 'file'),
    });
  }
  return result;
}
