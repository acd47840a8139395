// `virtsnap show DOMAIN SNAPSHOT`: one snapshot's details; `--xml` libvirt's XML exactly as
// libvirt printed it (1 command), `--json` the model (the XML's details plus where it sits in
// the tree: current or not, its children).

import type { Host } from '../engine/host.js';
import type { SnapshotDetail } from '../engine/model.js';
import { virshCommands } from '../engine/virsh/commands.js';
import { formatTime } from '../format/time.js';

export interface SnapshotShow extends SnapshotDetail {
  domain: string;
  current: boolean;
  children: string[];
}

export async function showSnapshot(host: Host, domain: string, snapshot: string): Promise<SnapshotShow> {
  const [{ detail }, snapshots] = await Promise.all([host.snapshot(domain, snapshot), host.listSnapshots(domain)]);
  const self = snapshots.find((s) => s.name === snapshot);
  return {
    domain,
    ...detail,
    current: self?.current ?? false,
    children: snapshots.filter((s) => s.parent === snapshot).map((s) => s.name),
  };
}

export async function snapshotXmlText(host: Host, domain: string, snapshot: string): Promise<string> {
  return (await host.run(virshCommands.snapshotXml(domain, snapshot))).stdout;
}

export function formatSnapshotShow(show: SnapshotShow): string {
  const rows: [string, string][] = [
    ['Snapshot', show.name],
    ['Domain', show.domain],
    ['Parent', show.parent ?? '(none)'],
    ['State', show.state ?? '-'],
    ['Created', show.creationTime === null ? '-' : `${formatTime(show.creationTime)} UTC`],
    ['Current', show.current ? 'yes' : 'no'],
    ['Location', show.location],
    ['Description', show.description ?? '(none)'],
    ['Memory', [show.memory.mode ?? '-', show.memory.file].filter(Boolean).join('  ')],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 3;
  const lines = rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value.split('\n').join(`\n${' '.repeat(width)}`)}`);
  lines.push(`${'Disks:'.padEnd(width)}${show.disks.length === 0 ? '(none listed)' : ''}`);
  const nameWidth = Math.max(0, ...show.disks.map((d) => d.name.length));
  for (const disk of show.disks) {
    lines.push(`  ${disk.name.padEnd(nameWidth)}  ${(disk.mode ?? 'default').padEnd(8)}  ${disk.file ?? ''}`.trimEnd());
  }
  lines.push(`${'Children:'.padEnd(width)}${show.children.length === 0 ? '(none)' : show.children.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
